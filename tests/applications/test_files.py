"""Every file rule with a bad file (issue 14): an executable renamed .pdf, a name lying about
the type, an oversize image, too much in all, a path in the name, an empty file, a PDF that
does not open; images lose their EXIF; the antivirus hook."""

import io
import socket
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from applications import files

from . import samples


def upload(content, name):
    return SimpleUploadedFile(name, content)


def test_a_pdf_that_opens_is_taken():
    clean = files.check(upload(samples.pdf_bytes(), "申请表.pdf"))
    assert clean.name == "申请表.pdf" and clean.content_type == "application/pdf"


def test_an_executable_renamed_pdf_is_refused_naming_it():
    with pytest.raises(files.FileRefused) as refused:
        files.check(upload(samples.ELF, "合同.pdf"))
    assert refused.value.code == "bad_type" and "合同.pdf" in refused.value.message


def test_a_png_named_pdf_is_refused():
    with pytest.raises(files.FileRefused) as refused:
        files.check(upload(samples.image_bytes("PNG"), "scan.pdf"))
    assert refused.value.code == "bad_type" and "scan.pdf" in refused.value.message


def test_a_type_not_in_the_setting_is_refused(settings):
    settings.APPLICATION_FILE_TYPES = ["pdf"]
    with pytest.raises(files.FileRefused):
        files.check(upload(samples.image_bytes("PNG"), "a.png"))


def test_a_file_without_extension_gets_its_real_one():
    assert files.check(upload(samples.image_bytes("PNG"), "scan")).name == "scan.png"


def test_an_oversize_image_is_refused(settings):
    settings.APPLICATION_FILE_MAX_MB = 1
    big = samples.image_bytes("PNG") + b"\0" * (1024 * 1024)
    with pytest.raises(files.FileRefused) as refused:
        files.check(upload(big, "big.png"))
    assert refused.value.code == "file_too_large" and "big.png" in refused.value.message


def test_an_empty_file_is_refused():
    with pytest.raises(files.FileRefused) as refused:
        files.check(upload(b"", "empty.pdf"))
    assert refused.value.code == "empty_file"


def test_a_broken_pdf_is_refused():
    with pytest.raises(files.FileRefused) as refused:
        files.check(upload(samples.BROKEN_PDF, "broken.pdf"))
    assert refused.value.code == "bad_pdf"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\张三\\申请表.pdf", "申请表.pdf"),
        ("a\x00b\r\n.pdf", "ab.pdf"),
        ("..", "file"),
        ("x" * 300 + ".pdf", "x" * 96 + ".pdf"),
    ],
)
def test_names_are_sanitised(given, expected):
    assert files.sanitise_name(given) == expected


def test_a_path_in_the_name_is_dropped():
    assert files.check(upload(samples.pdf_bytes(), "../../../x/申请.pdf")).name == "申请.pdf"


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_images_lose_their_exif(fmt):
    original = samples.image_bytes(fmt)
    assert Image.open(io.BytesIO(original)).getexif()  # the sample has it
    clean = files.check(upload(original, f"photo.{fmt.lower().replace('jpeg', 'jpg')}"))
    image = Image.open(io.BytesIO(clean.content))
    assert not image.getexif() and b"SecretCam" not in clean.content
    assert image.size == (40, 30)


def test_a_broken_image_is_refused():
    content = samples.image_bytes("PNG")[:60]
    with pytest.raises(files.FileRefused):
        files.check(upload(content, "cut.png"))


def test_no_scan_without_the_setting(settings):
    settings.APPLICATION_CLAMD_SOCKET = ""
    files.scan("a.pdf", b"anything")  # nothing to connect to, nothing raised


def _fake_clamd(path, answer):
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(1)

    def serve():
        conn, _addr = server.accept()
        with conn:
            data = b""
            while not data.endswith(b"\0\0\0\0"):
                data += conn.recv(65536)
            conn.sendall(answer)
        server.close()

    threading.Thread(target=serve, daemon=True).start()


def test_the_clamd_hook_refuses_what_it_finds(settings, tmp_path):
    path = tmp_path / "clamd.sock"
    _fake_clamd(path, b"stream: Eicar-Test-Signature FOUND\0")
    settings.APPLICATION_CLAMD_SOCKET = str(path)
    with pytest.raises(files.FileRefused) as refused:
        files.check(upload(samples.pdf_bytes(), "a.pdf"))
    assert refused.value.code == "infected"


def test_the_clamd_hook_passes_a_clean_file(settings, tmp_path):
    path = tmp_path / "clamd.sock"
    _fake_clamd(path, b"stream: OK\0")
    settings.APPLICATION_CLAMD_SOCKET = str(path)
    assert files.check(upload(samples.pdf_bytes(), "a.pdf")).name == "a.pdf"


def test_an_unreachable_clamd_refuses_rather_than_lets_through(settings, tmp_path):
    settings.APPLICATION_CLAMD_SOCKET = str(tmp_path / "none.sock")
    with pytest.raises(files.FileRefused) as refused:
        files.check(upload(samples.pdf_bytes(), "a.pdf"))
    assert refused.value.code == "scan_failed"
