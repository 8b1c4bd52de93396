"""Forms of the person who books or is served. Pages render them; the API serializers run them,
so a field gives the same message in the browser and in a 400 answer."""

from django import forms
from django.utils.translation import gettext_lazy as _

from catalog.models import ServiceItem
from windows.models import ServicePoint

from . import slots
from .constants import IdType
from .exceptions import SlotUnavailable
from .validators import (
    NAME_MAX,
    OTHER_ID_MAX,
    validate_id_document,
    validate_mainland_mobile,
    validate_person_name,
)


class PersonForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=NAME_MAX * 2,  # before normalising; the validator enforces the real limit
        help_text=_("As on your ID document."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        help_text=_("The confirmation is sent to this number by SMS."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    id_type = forms.ChoiceField(
        label=_("ID type"), choices=IdType.choices, initial=IdType.RESIDENT_ID
    )
    id_number = forms.CharField(
        label=_("ID number"),
        max_length=OTHER_ID_MAX + 10,
        help_text=_(
            "18-character resident ID, or a company's 18-character unified social credit code."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    email = forms.EmailField(
        label=_("Email (optional)"),
        required=False,
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


class BookingForm(PersonForm):
    """A booking: the person, and the window, item and slot start they chose.

    The API runs it on every booking, so the window and the item come from the slots cache
    (slots.window_facts: no query when warm) rather than from two ModelChoiceField queries."""

    window = forms.IntegerField(
        label=_("Window"),
        error_messages={"invalid": _("This window does not exist or takes no bookings.")},
    )
    item = forms.CharField(label=_("Service item"), max_length=30)
    start = forms.DateTimeField(
        label=_("Time"),
        error_messages={"invalid": _("Give the time as a date and time, e.g. 2026-09-21 09:00.")},
    )

    field_order = ["window", "item", "start", "name", "phone", "id_type", "id_number", "email"]

    def __init__(self, *args, now=None, **kwargs):
        self.now = now
        self.window_facts = None
        super().__init__(*args, **kwargs)

    def clean_window(self):
        """The active window with this id, as a ServicePoint."""
        facts = slots.window_facts(self.cleaned_data["window"])
        if facts is None or not facts.active:
            raise forms.ValidationError(
                _("This window does not exist or takes no bookings."), code="invalid_choice"
            )
        self.window_facts = facts
        return facts.window() or ServicePoint.objects.get(pk=facts.pk)

    def clean_item(self):
        """The published item with this code, as a ServiceItem. Whether the window offers it is
        the booking rule's to say (clean)."""
        code = self.cleaned_data["item"]
        item = self.window_facts.item(code) if self.window_facts else None
        item = item or ServiceItem.objects.published().filter(code=code).first()
        if item is None:
            raise forms.ValidationError(
                _("This service item does not exist."), code="invalid_choice"
            )
        return item

    def clean(self):
        cleaned = super().clean()
        window, item, start = cleaned.get("window"), cleaned.get("item"), cleaned.get("start")
        if window and item and start:
            try:
                cleaned["slot"] = slots.bookable_slot(window, item, start, self.now)
            except SlotUnavailable as refusal:
                field = "item" if refusal.code == "item_not_offered" else "start"
                self.add_error(field, forms.ValidationError(refusal.message, code=refusal.code))
        return cleaned
