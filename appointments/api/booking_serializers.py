"""Serializers of the public booking API. A booking's input is validated by forms.BookingForm,
so the API gives the same messages as the booking pages; BookingRequestSerializer, made from its
fields, documents it."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..forms import BookingForm
from ..masking import mask_id, mask_name, mask_phone
from ..services import booking_token, manage_url


class StrictCharField(serializers.CharField):
    """A JSON string and nothing else: a number for a phone or a list for a name is a client
    error, said as such, not silently turned into text."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


def _documenting(field):
    """A serializer field that documents the form field `field` in the OpenAPI schema."""
    options = {"required": field.required, "help_text": field.help_text or field.label}
    if isinstance(field, forms.ChoiceField):
        return serializers.ChoiceField(choices=field.choices, **options)
    if isinstance(field, forms.IntegerField):
        return serializers.IntegerField(**options)
    if isinstance(field, forms.DateTimeField):
        return serializers.DateTimeField(**options)
    kind = serializers.EmailField if isinstance(field, forms.EmailField) else serializers.CharField
    return kind(max_length=field.max_length, allow_blank=not field.required, **options)


def form_serializer(name, form_class):
    """A serializer with the fields of `form_class`, in its order: the schema of a request
    that the form validates (the request has one definition, the form)."""
    fields = {name: _documenting(field) for name, field in form_class().fields.items()}
    return type(name, (serializers.Serializer,), fields)


# The body of POST /api/v1/appointments/, for the API's documentation.
BookingRequestSerializer = form_serializer("BookingRequestSerializer", BookingForm)


class CancelRequestSerializer(serializers.Serializer):
    token = StrictCharField(max_length=64)


class RescheduleRequestSerializer(serializers.Serializer):
    token = StrictCharField(max_length=64)
    start = serializers.DateTimeField(help_text=_("The `start` of the new slot."))


class BookingSerializer(serializers.Serializer):
    """A booking as its owner sees it through the manage link: person data masked.

    The fields document the answer; `booking_data` writes it (a booking is answered on the
    busiest write of the site, where building sixteen serializer fields per answer showed)."""

    reference = serializers.CharField()
    status = serializers.CharField()
    status_display = serializers.CharField()
    window = serializers.IntegerField()
    window_name = serializers.CharField()
    address = serializers.CharField()
    item = serializers.CharField(help_text=_("Service item code."))
    item_name = serializers.CharField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    name = serializers.CharField(help_text=_("Masked."))
    phone = serializers.CharField(help_text=_("Masked."))
    id_type = serializers.CharField()
    id_number = serializers.CharField(help_text=_("Masked."))
    manage_url = serializers.URLField()

    def to_representation(self, case):
        return booking_data(case)


class NewBookingSerializer(BookingSerializer):
    """The answer to a new booking: also the token of the manage link (shown once). Context
    `slot`: the slot booked (slots.DaySlot), so that its end is not read again."""

    token = serializers.CharField()

    def to_representation(self, case):
        return booking_data(case, with_token=True, slot=self.context.get("slot"))


def booking_data(case, *, with_token=False, slot=None):
    """The fields of BookingSerializer (and NewBookingSerializer's token) for `case`; `slot`: its
    slot (a Slot or slots.DaySlot) if the caller holds it."""
    token = booking_token(case)
    slot = slot or case.slot
    data = {
        "reference": case.reference,
        "status": case.status,
        "status_display": case.get_status_display(),
        "window": case.window_id,
        "window_name": case.window.display_name,
        "address": case.window.address,
        "item": case.item.code,
        "item_name": case.item.display_name,
        "start": timezone.localtime(case.start).isoformat(),
        "end": timezone.localtime(slot.end).isoformat(),
        "name": mask_name(case.name),
        "phone": mask_phone(case.phone),
        "id_type": case.id_type,
        "id_number": mask_id(case.id_number),
        "manage_url": manage_url(case, token=token),
    }
    if with_token:
        data["token"] = token
    return data


class SlotSerializer(serializers.Serializer):
    """Documentation of one entry of the slots list (the view builds the dicts itself)."""

    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    capacity = serializers.IntegerField()
    available = serializers.IntegerField(
        help_text=_("Places left; 0 when the slot is full, past or within the cut-off.")
    )
    bookable = serializers.BooleanField()


class SlotQuerySerializer(serializers.Serializer):
    item = serializers.CharField(max_length=30, help_text=_("Service item code."))
    date = serializers.DateField(help_text=_("YYYY-MM-DD"))
