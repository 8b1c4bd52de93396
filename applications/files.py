"""The rules every file of an online application passes, in one place (issue 14):

- its type is read from its content (filetype), never from its name: PDF, JPG and PNG by
  default (APPLICATION_FILE_TYPES); a name claiming another type than the content is refused;
- at most APPLICATION_FILE_MAX_MB per file and APPLICATION_TOTAL_MAX_MB per application; an
  empty file is refused;
- the name is sanitised (no directories, no control characters, bounded length);
- an image is opened and saved again without its metadata (EXIF: camera, place, time), upright;
- a PDF must open (pypdf) and not be locked by a password;
- with APPLICATION_CLAMD_SOCKET set, clamd scans it (INSTREAM) and a finding refuses it.

check() answers a CleanFile or raises FileRefused, whose message names the file. serve() gives a
stored file back, to the status page and the API alike, as an attachment that no browser runs.
"""

import io
import socket
import struct
import unicodedata
import uuid
import warnings
from dataclasses import dataclass
from pathlib import PurePosixPath

import filetype
from django.conf import settings
from django.core.files.base import ContentFile
from django.http import FileResponse, Http404
from django.utils.cache import add_never_cache_headers
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError
from pypdf import PdfReader

from .models import Submission

MB = 1024 * 1024
NAME_MAX = 100

# filetype's extension -> (our type, the names that may claim it, MIME type)
KINDS = {
    "pdf": ("pdf", {"pdf"}, "application/pdf"),
    "jpg": ("jpg", {"jpg", "jpeg"}, "image/jpeg"),
    "png": ("png", {"png"}, "image/png"),
}
LABELS = {"pdf": "PDF", "jpg": "JPG", "png": "PNG"}


class FileRefused(Exception):
    def __init__(self, message, code="bad_file"):
        super().__init__(message)
        self.message, self.code = message, code


@dataclass(frozen=True)
class CleanFile:
    name: str  # sanitised, with the extension of its real type
    content: bytes
    content_type: str

    @property
    def size(self):
        return len(self.content)

    def as_django_file(self):
        """The content under a random stored name; `name` stays the one shown."""
        extension = PurePosixPath(self.name).suffix
        return ContentFile(self.content, name=f"{uuid.uuid4().hex}{extension}")


def max_file_bytes():
    return settings.APPLICATION_FILE_MAX_MB * MB


def max_total_bytes():
    return settings.APPLICATION_TOTAL_MAX_MB * MB


def allowed_label():
    return "、".join(LABELS[t] for t in settings.APPLICATION_FILE_TYPES)


def sanitise_name(name):
    """The last part of `name` (either slash), without control characters, safe for a
    Content-Disposition header and a filesystem; "file" when nothing is left."""
    name = str(name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C")
    try:
        name = get_valid_filename(name.strip(". "))
    except Exception:  # noqa: BLE001 (SuspiciousFileOperation for "", "." or "..")
        name = ""
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    stem = stem[: NAME_MAX - len(extension) - 1] or "file"
    return f"{stem}.{extension}" if extension else stem


def check(upload):
    """A CleanFile from a Django UploadedFile, or FileRefused naming it."""
    name = sanitise_name(getattr(upload, "name", ""))
    if upload.size == 0:
        raise FileRefused(_("The file %(name)s is empty.") % {"name": name}, "empty_file")
    if upload.size > max_file_bytes():
        message = _("The file %(name)s is larger than %(max)s MB.")
        raise FileRefused(
            message % {"name": name, "max": settings.APPLICATION_FILE_MAX_MB}, "file_too_large"
        )
    upload.seek(0)
    content = upload.read()
    kind = _kind(name, content)
    if kind == "pdf":
        _check_pdf(name, content)
    else:
        content = _clean_image(name, content, kind)
    scan(name, content)
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return CleanFile(name=f"{stem}.{kind}", content=content, content_type=KINDS[kind][2])


def _kind(name, content):
    guessed = filetype.guess(content)
    kind = KINDS.get(guessed.extension if guessed else "")
    if kind is None or kind[0] not in settings.APPLICATION_FILE_TYPES:
        message = _("The file %(name)s is not a %(types)s file (its content says so).")
        raise FileRefused(message % {"name": name, "types": allowed_label()}, "bad_type")
    claimed = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if claimed and claimed not in kind[1]:
        message = _("The file %(name)s is named .%(claimed)s but its content is %(real)s.")
        raise FileRefused(
            message % {"name": name, "claimed": claimed, "real": LABELS[kind[0]]}, "bad_type"
        )
    return kind[0]


def _check_pdf(name, content):
    try:
        reader = PdfReader(io.BytesIO(content))
        if reader.is_encrypted:
            raise FileRefused(
                _("The PDF %(name)s is locked by a password.") % {"name": name}, "bad_pdf"
            )
        if len(reader.pages) < 1:
            raise ValueError("no pages")
    except FileRefused:
        raise
    except Exception as exc:  # noqa: BLE001 (pypdf raises many kinds on a broken file)
        message = _("The PDF %(name)s cannot be opened.") % {"name": name}
        raise FileRefused(message, "bad_pdf") from exc


def _clean_image(name, content, kind):
    """The image saved again: upright, without EXIF or other metadata."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as image:
                image.load()
                upright = ImageOps.exif_transpose(image)
        upright.info = {}
        out = io.BytesIO()
        if kind == "jpg":
            upright.convert("RGB").save(out, format="JPEG", quality=90)
        else:
            upright.save(out, format="PNG")
        return out.getvalue()
    except (OSError, ValueError, UnidentifiedImageError, Image.DecompressionBombError) as exc:
        message = _("The image %(name)s cannot be opened.") % {"name": name}
        raise FileRefused(message, "bad_image") from exc
    except Image.DecompressionBombWarning as exc:
        message = _("The image %(name)s has too many pixels.") % {"name": name}
        raise FileRefused(message, "bad_image") from exc


def serve(application, material_id, submission_id=None):
    """The current file of one material of `application` (or the earlier one `submission_id`)
    as an attachment, never shown inline, with nosniff and no caching; 404 when there is none.
    The caller has checked that the asker may see `application`."""
    submissions = Submission.objects.filter(application=application, material_id=material_id)
    if submission_id is not None:
        if not str(submission_id).isdigit() or len(str(submission_id)) > 18:
            raise Http404()
        submission = submissions.filter(pk=int(submission_id)).first()
    else:
        submission = submissions.filter(superseded_at=None).first()
    if submission is None or not submission.file:
        raise Http404()
    response = FileResponse(
        submission.file.open("rb"),
        as_attachment=True,
        filename=submission.original_name,
        content_type=submission.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    add_never_cache_headers(response)
    return response


# --- antivirus (off unless APPLICATION_CLAMD_SOCKET names clamd's socket) --------------------


def scan(name, content):
    path = settings.APPLICATION_CLAMD_SOCKET
    if not path:
        return
    try:
        answer = clamd_instream(path, content)
    except OSError as exc:
        message = _("The file %(name)s could not be checked for viruses. Try again later.")
        raise FileRefused(message % {"name": name}, "scan_failed") from exc
    if not answer.endswith("OK"):
        message = _("The file %(name)s was refused by the virus scanner.")
        raise FileRefused(message % {"name": name}, "infected")


def clamd_instream(path, content, chunk=64 * 1024):
    """clamd's INSTREAM command over its Unix socket: "stream: OK" or "stream: <virus> FOUND"."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(30)
        sock.connect(path)
        sock.sendall(b"zINSTREAM\0")
        for start in range(0, len(content), chunk):
            part = content[start : start + chunk]
            sock.sendall(struct.pack("!L", len(part)) + part)
        sock.sendall(struct.pack("!L", 0))
        answer = b""
        while not answer.endswith(b"\0"):
            data = sock.recv(4096)
            if not data:
                break
            answer += data
    return answer.rstrip(b"\0").decode("utf-8", "replace").strip()
