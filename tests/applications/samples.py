"""Real files for the file rules: a PDF that opens, images with EXIF, and bad ones."""

import io

from PIL import Image
from pypdf import PdfWriter


def pdf_bytes():
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def image_bytes(fmt="JPEG", size=(40, 30), exif=True):
    image = Image.new("RGB", size, (200, 30, 30))
    out = io.BytesIO()
    if exif:
        data = Image.Exif()
        data[0x010F] = "SecretCam"  # Make
        data[0x0132] = "2026:09:21 10:00:00"  # DateTime
        image.save(out, format=fmt, exif=data.tobytes())
    else:
        image.save(out, format=fmt)
    return out.getvalue()


ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200  # an executable's first bytes
BROKEN_PDF = b"%PDF-1.7\n" + b"garbage" * 50
