"""The check-in QR code of a booking: the reference, as a PNG that staff scan at the window."""

import io

import qrcode
from qrcode.image.pure import PyPNGImage


def reference_png(reference: str) -> bytes:
    """A PNG of the QR code holding only the booking reference (no personal data)."""
    return png(reference)


def png(data: str) -> bytes:
    """A PNG of the QR code holding `data` (a reference, or a ticket's status link)."""
    code = qrcode.QRCode(
        # Medium error correction survives a scratched phone screen or a creased printout.
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        box_size=8,
        border=4,
        image_factory=PyPNGImage,
    )
    code.add_data(data)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image().save(buffer)
    return buffer.getvalue()
