"""Forms of the person who books or is served. Pages render them; the API serializers run them,
so a field gives the same message in the browser and in a 400 answer."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import ServiceItem

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


class PersonForm(forms.Form):
    name = TextField(
        label=_("Name"),
        max_length=NAME_MAX * 2,  # before normalising; the validator enforces the real limit
        help_text=_("As on your ID document."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    phone = TextField(
        label=_("Mobile number"),
        max_length=20,
        help_text=_("The confirmation is sent to this number by SMS."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    id_type = forms.ChoiceField(
        label=_("ID type"), choices=IdType.choices, initial=IdType.RESIDENT_ID
    )
    id_number = TextField(
        label=_("ID number"),
        max_length=OTHER_ID_MAX + 10,
        help_text=_(
            "18-character resident ID, or a company's 18-character unified social credit code."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
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


class BookingForm(PersonForm):
    """A booking: the person, and the window, item and slot start they chose. The booking API
    validates its input with it (the request itself is documented by BookingRequestSerializer).

    The API runs it on every booking, so the window, the item and the slot come from the slots
    cache: one cache round trip and no query when warm (slots.day_board), where two
    ModelChoiceFields would make two queries."""

    window = forms.IntegerField(
        label=_("Window"),
        error_messages={"invalid": _("Give the window as a whole number (its id).")},
    )
    item = TextField(label=_("Service item"), max_length=30)
    start = TextDateTimeField(
        label=_("Time"),
        error_messages={"invalid": _("Give the time as a date and time, e.g. 2026-09-21 09:00.")},
    )

    field_order = ["window", "item", "start", "name", "phone", "id_type", "id_number", "email"]

    def __init__(self, *args, now=None, **kwargs):
        self.now = now or timezone.now()
        self.board = None  # the chosen day's slots.DayBoard, once clean() has made it
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        window_id, code, start = cleaned.get("window"), cleaned.get("item"), cleaned.get("start")
        if window_id is None:
            return cleaned
        # The board of the chosen day knows the window and its items; without a time, the
        # window's facts alone.
        if start:
            day = timezone.localtime(start).date()
            board = self.board = slots.day_board(window_id, day, now=self.now)
        else:
            board = None
        facts = board.facts if board else slots.window_facts(window_id)
        if facts is None or not facts.active:
            self.add_error("window", _("This window does not exist or takes no bookings."))
            return cleaned
        window = cleaned["window"] = facts.window()
        item = self._item(facts, code) if code else None
        if item is None:
            return cleaned
        cleaned["item"] = item
        if board is not None:
            try:
                cleaned["slot"] = slots.bookable_slot(window, item, start, self.now, board=board)
            except SlotUnavailable as refusal:
                field = "item" if refusal.code == "item_not_offered" else "start"
                self.add_error(field, forms.ValidationError(refusal.message, code=refusal.code))
        return cleaned

    def _item(self, facts, code):
        """The published item with this code (from the window's facts when it offers it);
        None, with the field's error, when there is none. Whether the window offers it is the
        booking rule's to say (slots.bookable_slot)."""
        item = facts.item(code) or ServiceItem.objects.published().filter(code=code).first()
        if item is None:
            self.add_error("item", _("This service item does not exist."))
        return item
