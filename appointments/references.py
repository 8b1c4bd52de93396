"""References: what people read out on the phone and type from paper to find their booking,
case or report. A prefix says what it is, then the local date (yymmdd) and random characters
from an alphabet without 0/O or 1/I/L, e.g. "YY260921K7QD".

~900,000 possibilities a day per prefix: a clash is caught by the unique constraint of the row
that stores the reference, and the caller draws again.
"""

import secrets

from ipservice import dates

from .constants import Channel
from .models import Case

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
RANDOM_CHARS = 4

# 预约 booking, 窗口 walk-in, 邮寄 mail, 网上 online.
PREFIXES = {Channel.BOOKING: "YY", Channel.WALK_IN: "CK", Channel.MAIL: "YJ", Channel.ONLINE: "WS"}
BOOKING_PREFIX = PREFIXES[Channel.BOOKING]


def make_reference(prefix=BOOKING_PREFIX, today=None):
    """A new reference with this prefix, not checked against those in use."""
    today = today or dates.today()
    tail = "".join(secrets.choice(ALPHABET) for _i in range(RANDOM_CHARS))
    return f"{prefix}{today:%y%m%d}{tail}"


def new_reference(prefix=BOOKING_PREFIX, today=None):
    """A case reference not in use yet (one taken at the same moment elsewhere is still caught
    by the unique constraint)."""
    for _attempt in range(20):
        reference = make_reference(prefix, today)
        if not Case.objects.filter(reference=reference).exists():
            return reference
    raise RuntimeError("no free reference left today")  # 20 clashes in a row: not by chance
