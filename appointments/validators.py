"""Validation of the person fields of a booking or case (docs/architecture.md: real names).

Each `normalize_*` function tidies what people type (full-width characters from a Chinese input
method, spaces, a lower-case x) and each `validate_*` function raises ValidationError with a
message for people and a stable code. Forms (and through them the API) use these, so a page and
the API give the same messages.
"""

import datetime as dt
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ipservice import dates

from .constants import IdType

# GB 11643-1999: weights of the first 17 digits, and the check character for (sum mod 11).
RESIDENT_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
RESIDENT_ID_CHECK = "10X98765432"
RESIDENT_ID_RE = re.compile(r"^\d{17}[\dX]$")
# First two digits: a province-level division (GB/T 2260), or 81/82/83 for the residence permits
# of Hong Kong, Macao and Taiwan residents, which use the same checksum.
PROVINCE_CODES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 "
    "61 62 63 64 65 71 81 82 83".split()
)
EARLIEST_BIRTH = dt.date(1900, 1, 1)

# GB 32100-2015: 31 characters (no I, O, S, V, Z), weights of the first 17 characters.
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
USCC_RE = re.compile(rf"^[{USCC_CHARSET}]{{18}}$")

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")

NAME_MIN, NAME_MAX = 2, 30
# Letters of any script, spaces, the middle dot of minority names (阿卜杜·热合曼) and the hyphen,
# apostrophe and full stop of foreign names; no digits or other symbols.
NAME_RE = re.compile(r"^[^\W\d_](?:[^\W\d_]|[ ·'.\-])*[^\W\d_]$")
# Dots people type for the middle dot: bullet, katakana dot, full-width full stop and the like.
NAME_DOTS = str.maketrans({"•": "·", "・": "·", "．": "·", "‧": "·", "∙": "·"})

OTHER_ID_MIN, OTHER_ID_MAX = 5, 40
OTHER_ID_RE = re.compile(r"^[A-Z0-9](?:[A-Z0-9 \-]*[A-Z0-9])?$")


def _tidy(value):
    """Full-width to half-width (NFKC), outer whitespace off."""
    return unicodedata.normalize("NFKC", str(value or "")).strip()


# Resident identity card (居民身份证) ------------------------------------------------------------


def resident_id_check_char(first17):
    total = sum(
        int(digit) * weight for digit, weight in zip(first17, RESIDENT_ID_WEIGHTS, strict=True)
    )
    return RESIDENT_ID_CHECK[total % 11]


def normalize_resident_id(value):
    return re.sub(r"\s+", "", _tidy(value)).upper()


def resident_id_birth_date(number):
    """The birth date in digits 7–14, or None when they are not a calendar date."""
    try:
        return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def validate_resident_id(value):
    number = normalize_resident_id(value)
    if not RESIDENT_ID_RE.match(number):
        raise ValidationError(
            _("A resident ID number has 18 characters: 17 digits and a final digit or X."),
            code="id_format",
        )
    if number[:2] not in PROVINCE_CODES:
        raise ValidationError(
            _("The first digits of this ID number are not a valid region code."),
            code="id_region",
        )
    birth = resident_id_birth_date(number)
    if birth is None or birth < EARLIEST_BIRTH or birth > dates.today():
        raise ValidationError(
            _("Digits 7 to 14 of this ID number are not a valid date of birth."),
            code="id_birth_date",
        )
    if resident_id_check_char(number[:17]) != number[17]:
        raise ValidationError(
            _("This ID number is not valid (its last character does not match). Please check it."),
            code="id_checksum",
        )
    return number


# Unified social credit code (统一社会信用代码) -------------------------------------------------


def uscc_check_char(first17):
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def normalize_uscc(value):
    return re.sub(r"\s+", "", _tidy(value)).upper()


def validate_uscc(value):
    code = normalize_uscc(value)
    if len(code) != 18:
        raise ValidationError(
            _("A unified social credit code has 18 characters."), code="uscc_format"
        )
    if not USCC_RE.match(code):
        raise ValidationError(
            _(
                "A unified social credit code has only digits and capital letters "
                "other than I, O, S, V and Z."
            ),
            code="uscc_format",
        )
    if uscc_check_char(code[:17]) != code[17]:
        raise ValidationError(
            _(
                "This unified social credit code is not valid (its last character does not "
                "match). Please check it."
            ),
            code="uscc_checksum",
        )
    return code


# Other documents (passports, permits for Hong Kong, Macao and Taiwan residents) -------------


def normalize_other_id(value):
    return re.sub(r"\s+", " ", _tidy(value)).upper()


def validate_other_id(value):
    number = normalize_other_id(value)
    if not OTHER_ID_MIN <= len(number) <= OTHER_ID_MAX:
        raise ValidationError(
            _("Enter the document number (%(min)d to %(max)d characters)."),
            code="other_id_length",
            params={"min": OTHER_ID_MIN, "max": OTHER_ID_MAX},
        )
    if not OTHER_ID_RE.match(number):
        raise ValidationError(
            _("A document number has only letters, digits, spaces and hyphens."),
            code="other_id_format",
        )
    return number


ID_VALIDATORS = {
    IdType.RESIDENT_ID: validate_resident_id,
    IdType.USCC: validate_uscc,
    IdType.OTHER: validate_other_id,
}


def validate_id_document(id_type, number):
    """Check `number` by the rules of `id_type`; returns the normalised number."""
    validator = ID_VALIDATORS.get(id_type)
    if validator is None:
        raise ValidationError(_("Choose the type of ID document."), code="id_type")
    return validator(number)


# Mobile number and name ----------------------------------------------------------------------


def normalize_mobile(value):
    number = re.sub(r"[\s\-()]", "", _tidy(value))
    # People paste numbers with the country code; the number itself is what we store.
    for prefix in ("+86", "0086"):
        if number.startswith(prefix) and len(number) == len(prefix) + 11:
            number = number[len(prefix) :]
    return number


def validate_mainland_mobile(value):
    number = normalize_mobile(value)
    if not MOBILE_RE.match(number):
        raise ValidationError(
            _("Enter a mainland China mobile number: 11 digits starting with 13 to 19."),
            code="mobile",
        )
    return number


def normalize_name(value):
    name = re.sub(r"\s+", " ", _tidy(value)).translate(NAME_DOTS)
    # Chinese full stop or an ASCII dot between two Chinese characters is meant as the middle dot.
    return re.sub(r"(?<=[\u4e00-\u9fff])[.。](?=[\u4e00-\u9fff])", "·", name)


def validate_person_name(value):
    name = normalize_name(value)
    if not NAME_MIN <= len(name) <= NAME_MAX:
        raise ValidationError(
            _("Enter a name of %(min)d to %(max)d characters."),
            code="name_length",
            params={"min": NAME_MIN, "max": NAME_MAX},
        )
    if not NAME_RE.match(name):
        raise ValidationError(
            _(
                "A name has only letters (Chinese or other), spaces and the middle dot (·) "
                "of minority names."
            ),
            code="name_format",
        )
    return name
