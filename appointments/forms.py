"""Forms of the person who books or is served. Pages render them; the API runs them too, so a
field gives the same message in the browser and in a 400 answer."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from . import cached_rows, phone_codes, slots
from .constants import IdType
from .exceptions import SlotUnavailable
from .validators import (
    NAME_MAX,
    OTHER_ID_MAX,
    validate_id_document,
    validate_mainland_mobile,
    validate_person_name,
)

# What to do when a field is left empty: said per field, not Django's bare "This field is
# required." (the error summary lists these at the top of the page). Reviews' forms use them too.
REQUIRED_MESSAGES = {
    "name": _("Enter your name as it is on your ID document."),
    "phone": _("Enter your 11-digit mainland mobile number, for example 13812345678."),
    "id_type": _("Choose the type of your ID document."),
    "id_number": _(
        "Enter the number of your ID document: 18 characters for a resident ID or a unified "
        "social credit code."
    ),
    "reference": _("Enter the reference from the SMS, for example YY26A7K3Q2."),
}


def required_message(name):
    return {"required": REQUIRED_MESSAGES[name]}


class TextOnly:
    """A field that takes text only. The API feeds JSON to these forms: a number or a list given
    for a name, a phone or a time is the client's mistake, said as such, not turned into text.
    (Pages always send text.)"""

    def to_python(self, value):
        if value not in self.empty_values and not isinstance(value, str):
            raise forms.ValidationError(_("Give this as text (a JSON string)."), code="invalid")
        return super().to_python(value)


class TextField(TextOnly, forms.CharField):
    pass


class TextEmailField(TextOnly, forms.EmailField):
    pass


class TextDateTimeField(TextOnly, forms.DateTimeField):
    def to_python(self, value):
        moment = super().to_python(value)
        try:
            # A time at the very edge of the calendar (9999-12-31T23:59-12:00) cannot be told
            # in Shanghai time: the same answer as any other time that is not one.
            if moment is not None:
                timezone.localtime(moment)
        except (OverflowError, ValueError):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        return moment


def phone_code_field():
    return TextField(
        label=_("SMS code"),
        required=False,  # PHONE_VERIFICATION may be off; PhoneCodeCheck says when it is missing
        max_length=10,
        help_text=_("The 6-digit code sent to your mobile number (valid for 5 minutes)."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "maxlength": "6"}
        ),
    )


class PhoneCodeCheck:
    """For a form with `phone` and `phone_code` (phone_code_field()): the code must be the one
    sent to the phone for `code_purpose` (phone_codes.check, which counts the guess). Checked
    last, once every other field is right, so a typo elsewhere costs no try. The view spends
    the code (phone_codes.use(form.phone_code_id)) in the transaction that acts on it."""

    code_purpose = phone_codes.Purpose.BOOKING
    phone_code_id = None
    # A phone this visitor proved already (the booking pages' draft): no second code for it.
    verified_phone = None

    def check_phone_code(self):
        if not phone_codes.required() or self.errors:
            return
        if self.verified_phone and self.cleaned_data.get("phone") == self.verified_phone:
            return
        code = (self.cleaned_data.get("phone_code") or "").strip()
        if not code:
            self.add_error(
                "phone_code",
                forms.ValidationError(
                    _("Enter the code sent by SMS to your mobile number."), code="required"
                ),
            )
            return
        if not code.isascii() or not code.isdigit() or len(code) != 6:
            message = _("The code is the 6 digits in the SMS.")
            self.add_error("phone_code", forms.ValidationError(message, code="invalid"))
            return
        try:
            self.phone_code_id = phone_codes.check(
                self.cleaned_data["phone"], self.code_purpose, code
            )
        except phone_codes.InvalidCode as refusal:
            self.add_error("phone_code", forms.ValidationError(refusal.message, code=refusal.code))


class PhoneCodeRequestForm(forms.Form):
    """POST /api/v1/phone-codes/ and the pages' "send code" button."""

    phone = TextField(label=_("Mobile number"), max_length=20)
    purpose = forms.ChoiceField(
        label=pgettext_lazy("phone code", "Purpose"),
        choices=phone_codes.Purpose.choices,
        required=False,
    )

    def clean_phone(self):
        return validate_mainland_mobile(self.cleaned_data["phone"])

    def clean_purpose(self):
        return self.cleaned_data["purpose"] or phone_codes.Purpose.BOOKING


class PersonForm(forms.Form):
    name = TextField(
        label=_("Name"),
        max_length=NAME_MAX * 2,  # before normalising; the validator enforces the real limit
        help_text=_("As on your ID document."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages=required_message("name"),
    )
    phone = TextField(
        label=_("Mobile number"),
        max_length=20,
        help_text=_("The confirmation is sent to this number by SMS."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
        error_messages=required_message("phone"),
    )
    id_type = forms.ChoiceField(
        label=_("ID type"),
        choices=IdType.choices,
        initial=IdType.RESIDENT_ID,
        error_messages=required_message("id_type"),
    )
    id_number = TextField(
        label=_("ID number"),
        max_length=OTHER_ID_MAX + 10,
        help_text=_(
            "18-character resident ID, or a company's 18-character unified social credit code."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages=required_message("id_number"),
    )
    email = TextEmailField(
        label=_("Email (optional)"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def clean_name(self):
        return validate_person_name(self.cleaned_data["name"])

    def clean_phone(self):
        return validate_mainland_mobile(self.cleaned_data["phone"])

    def clean(self):
        cleaned = super().clean()
        id_type, number = cleaned.get("id_type"), cleaned.get("id_number")
        if id_type and number:
            try:
                cleaned["id_number"] = validate_id_document(id_type, number)
            except forms.ValidationError as error:
                self.add_error("id_number", error)
        return cleaned

    def person(self):
        """The person's cleaned fields (name, phone, ID type and number, email) as keyword
        arguments, whatever else a subclass asks (the booking's slot, an application's files)."""
        return {name: self.cleaned_data[name] for name in PersonForm.base_fields}


class PersonCodeForm(PhoneCodeCheck, PersonForm):
    """The booking pages' details step: the person, and the code sent to their phone."""

    phone_code = phone_code_field()

    field_order = ["name", "phone", "phone_code", "id_type", "id_number", "email"]

    def clean(self):
        cleaned = super().clean()
        self.check_phone_code()
        return cleaned


class BookingForm(PhoneCodeCheck, PersonForm):
    """A booking: the person, and the window, item and slot start they chose. The booking API
    validates its input with it, and documents the request with a serializer made from its
    fields (api.booking_serializers.BookingRequestSerializer)."""

    window = forms.IntegerField(
        label=_("Window"),
        help_text=_("Window id."),
        error_messages={"invalid": _("Give the window as a whole number (its id).")},
    )
    item = TextField(label=_("Service item"), help_text=_("Service item code."), max_length=30)
    start = TextDateTimeField(
        label=_("Time"),
        help_text=_("The `start` of a slot, e.g. 2026-09-21T09:00:00+08:00."),
        error_messages={"invalid": _("Give the time as a date and time, e.g. 2026-09-21 09:00.")},
    )

    phone_code = phone_code_field()

    field_order = [
        "window",
        "item",
        "start",
        "name",
        "phone",
        "id_type",
        "id_number",
        "email",
        "phone_code",
    ]

    def __init__(self, *args, now=None, **kwargs):
        self.now = now or timezone.now()
        self.window_day = None  # the chosen day's slots.WindowDay, once clean() has read it
        super().__init__(*args, **kwargs)

    def clean_window(self):
        window = cached_rows.active_window(self.cleaned_data["window"])
        if window is None:
            raise forms.ValidationError(_("This window does not exist or takes no bookings."))
        return window

    def clean_item(self):
        item = cached_rows.published_item(self.cleaned_data["item"])
        if item is None:
            raise forms.ValidationError(_("This service item does not exist."))
        return item

    def clean(self):
        """The slot, if the booking rules (slots.bookable_slot) allow it; else their reason, on
        the field it concerns."""
        cleaned = super().clean()
        window, item, start = cleaned.get("window"), cleaned.get("item"), cleaned.get("start")
        if window and item and start:
            day = timezone.localtime(start).date()
            self.window_day = slots.window_day(window.pk, day, now=self.now, places=False)
            try:
                cleaned["slot"] = slots.bookable_slot(
                    window, item, start, self.now, day=self.window_day
                )
            except SlotUnavailable as refusal:
                field = "item" if refusal.code == "item_not_offered" else "start"
                self.add_error(field, forms.ValidationError(refusal.message, code=refusal.code))
        self.check_phone_code()
        return cleaned
