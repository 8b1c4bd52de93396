"""What staff record at each step of a rectification, an appeal or a complaint: notes, and how
the person was reached."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# How staff reached the person (回访/反馈); Step.method stores the code.
CONTACT_METHODS = (
    ("phone", gettext_lazy("Phone call")),
    ("sms", gettext_lazy("SMS")),
    ("in_person", gettext_lazy("In person")),
    ("email", gettext_lazy("Email")),
    ("letter", gettext_lazy("Letter")),
)
CONTACT_METHOD_LABELS = dict(CONTACT_METHODS)


def require_notes(notes, field="notes"):
    notes = (notes or "").strip()
    if not notes:
        raise ValidationError({field: _("This field is required.")})
    return notes


def require_method(method):
    if method not in CONTACT_METHOD_LABELS:
        raise ValidationError({"method": _("Choose how the person was contacted.")})
    return method
