"""Serializers of the public booking API. Input is checked for JSON types here and then by
forms.BookingForm, so the API gives the same messages as the booking pages."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..constants import IdType
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


def form_errors(form):
    """{"field": ["message", ...]} from a Django form, DRF's name for errors of no one field."""
    errors = {}
    for field, messages in form.errors.get_json_data().items():
        key = "non_field_errors" if field == "__all__" else field
        errors[key] = [m["message"] for m in messages]
    return errors


class BookingRequestSerializer(serializers.Serializer):
    window = serializers.IntegerField(help_text=_("Window id."))
    item = StrictCharField(max_length=30, help_text=_("Service item code."))
    start = StrictCharField(
        max_length=40, help_text=_("The `start` of a slot, e.g. 2026-09-21T09:00:00+08:00.")
    )
    name = StrictCharField(max_length=60)
    phone = StrictCharField(max_length=30)
    id_type = serializers.ChoiceField(choices=IdType.choices)
    id_number = StrictCharField(max_length=60)
    email = StrictCharField(required=False, allow_blank=True, allow_null=True, max_length=254)

    def validate(self, attrs):
        form = BookingForm(data=attrs)
        if not form.is_valid():
            raise serializers.ValidationError(form_errors(form))
        return form.cleaned_data


class CancelRequestSerializer(serializers.Serializer):
    token = StrictCharField(max_length=64)


class RescheduleRequestSerializer(serializers.Serializer):
    token = StrictCharField(max_length=64)
    start = serializers.DateTimeField(help_text=_("The `start` of the new slot."))


class BookingSerializer(serializers.Serializer):
    """A booking as its owner sees it through the manage link: person data masked."""

    reference = serializers.CharField()
    status = serializers.CharField()
    status_display = serializers.CharField(source="get_status_display")
    window = serializers.IntegerField(source="window_id")
    window_name = serializers.CharField(source="window.display_name")
    address = serializers.CharField(source="window.address")
    item = serializers.CharField(source="item.code")
    item_name = serializers.CharField(source="item.display_name")
    start = serializers.SerializerMethodField()
    end = serializers.SerializerMethodField()
    name = serializers.SerializerMethodField()
    phone = serializers.SerializerMethodField()
    id_type = serializers.CharField()
    id_number = serializers.SerializerMethodField()
    manage_url = serializers.SerializerMethodField()

    def get_start(self, case) -> str:
        return timezone.localtime(case.start).isoformat()

    def get_end(self, case) -> str:
        return timezone.localtime(case.slot.end).isoformat()

    def get_name(self, case) -> str:
        return mask_name(case.name)

    def get_phone(self, case) -> str:
        return mask_phone(case.phone)

    def get_id_number(self, case) -> str:
        return mask_id(case.id_number)

    def get_manage_url(self, case) -> str:
        return manage_url(case)


class NewBookingSerializer(BookingSerializer):
    """The answer to a new booking: also the token of the manage link (shown once)."""

    token = serializers.SerializerMethodField()

    def get_token(self, case) -> str:
        return booking_token(case)


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
