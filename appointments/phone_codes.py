"""Phone verification: a 6-digit code sent by SMS proves that the person booking or reporting
controls the mobile number they give (issue 10, OWASP ASVS 2.7 out-of-band verifiers).

- A code is valid for CODE_MINUTES and allows MAX_TRIES guesses; asking for a new one makes the
  older ones of that phone and purpose useless (only the newest is checked).
- Only a salted HMAC of the code is stored (keyed by SECRET_KEY and a salt of the row's own),
  compared in constant time; the code is never logged, and the notice that carries it is blanked
  once sent (outbox.SECRET_TEMPLATES).
- A guess counts before it is compared, by a conditional UPDATE (tries < MAX_TRIES), so
  simultaneous guesses cannot exceed the tries; a right code is used once: another
  conditional UPDATE (used_at IS NULL) that only one request can win.
- Codes are limited per client address (PHONE_CODE_RATE_LIMIT, in the views) and per number:
  the code's SMS is refused beyond SMS_PER_PHONE_HOUR / SMS_PER_PHONE_DAY (outbox).

settings.PHONE_VERIFICATION = False turns the requirement off (people verified upstream).
"""

import datetime as dt
import secrets

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _

from . import notices
from .constants import NoticeChannel
from .models import PhoneCode

CODE_MINUTES = 5
MAX_TRIES = 5
HMAC_SALT = "appointments.phone_codes"

Purpose = PhoneCode.Purpose


class InvalidCode(Exception):
    def __init__(self, message, code):
        super().__init__(message)
        self.message, self.code = message, code


def required():
    return settings.PHONE_VERIFICATION


def _digest(row, code):
    return salted_hmac(
        HMAC_SALT, f"{row.salt}:{row.phone}:{row.purpose}:{code}", algorithm="sha256"
    ).hexdigest()


def send_code(phone, purpose):
    """Make a new code for `phone` and `purpose` and queue its SMS. Raises
    outbox.SmsLimitReached when the number has had its allowance of SMS (nothing is kept then).
    Returns the code: for the caller's use only (tests read it from the outbox instead)."""
    code = f"{secrets.randbelow(10**6):06d}"
    with transaction.atomic():
        row = PhoneCode(
            phone=phone,
            purpose=purpose,
            salt=secrets.token_hex(16),
            expires_at=timezone.now() + dt.timedelta(minutes=CODE_MINUTES),
        )
        row.code_hash = _digest(row, code)
        row.save()
        notices.queue_message(
            "phone_code",
            f"phone-code:{row.pk}",
            channel=NoticeChannel.SMS,
            recipient=phone,
            facts={"code": code, "minutes": CODE_MINUTES},
        )
    return code


def check(phone, purpose, code):
    """The id of the newest live code of `phone` and `purpose` if `code` is it; raises
    InvalidCode otherwise. The guess is counted whatever its outcome; the code stays unused
    until use() (so that a booking refused for another reason does not spend it)."""
    now = timezone.now()
    row = (
        PhoneCode.objects.filter(phone=phone, purpose=purpose, used_at=None, expires_at__gt=now)
        .order_by("-created_at", "-pk")
        .first()
    )
    if row is None:
        message = _("The code has expired or was never sent. Ask for a new one.")
        raise InvalidCode(message, "expired")
    counted = PhoneCode.objects.filter(pk=row.pk, tries__lt=MAX_TRIES).update(tries=F("tries") + 1)
    if not counted:
        raise InvalidCode(_("Too many wrong codes. Ask for a new one."), "too_many_tries")
    if not constant_time_compare(row.code_hash, _digest(row, code)):
        raise InvalidCode(_("The code is not right. Check the SMS and try again."), "wrong")
    return row.pk


def use(code_id):
    """Spend the code `code_id` (from check()); False if another request spent it first.
    Call inside the transaction that makes the booking or the report, so that it is spent only
    if they are made."""
    return bool(PhoneCode.objects.filter(pk=code_id, used_at=None).update(used_at=timezone.now()))
