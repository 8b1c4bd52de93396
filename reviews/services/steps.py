"""What staff record at each step of a rectification, an appeal or a complaint: notes, and how
the person was reached."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ..constants import CONTACT_METHOD_LABELS


def require_notes(notes, field="notes"):
    notes = (notes or "").strip()
    if not notes:
        raise ValidationError({field: _("This field is required.")})
    return notes


def require_method(method):
    if method not in CONTACT_METHOD_LABELS:
        raise ValidationError({"method": _("Choose how the person was contacted.")})
    return method
