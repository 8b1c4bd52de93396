from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.models import ServiceItem

from ..models import District, OpeningPeriod, ServicePoint


class DistrictSerializer(serializers.ModelSerializer):
    class Meta:
        model = District
        fields = ["code", "name", "name_en"]


@extend_schema_field(
    {"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d$", "example": "09:00"}
)
class HourMinuteField(serializers.TimeField):
    """A time of day as HH:MM (the schema's `time` format would want seconds and an offset)."""

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


class OpeningPeriodSerializer(serializers.ModelSerializer):
    weekday = serializers.IntegerField(help_text="0 = Monday … 6 = Sunday")
    start = HourMinuteField()
    end = HourMinuteField()

    class Meta:
        model = OpeningPeriod
        fields = ["weekday", "start", "end"]


class ServicePointSerializer(serializers.ModelSerializer):
    district = serializers.SlugRelatedField(
        slug_field="code",
        read_only=True,
        allow_null=True,
        help_text="District code; null for a city-level point.",
    )
    opening_hours = OpeningPeriodSerializer(source="opening_periods", many=True, read_only=True)
    items = serializers.SerializerMethodField(
        help_text="Codes of the published service items offered here."
    )
    capacity = serializers.IntegerField(read_only=True, help_text="People per slot.")

    class Meta:
        model = ServicePoint
        fields = [
            "id",
            "code",
            "name",
            "name_en",
            "district",
            "level",
            "kind",
            "address",
            "address_en",
            "phone",
            "opening_hours",
            "items",
            "counters",
            "people_per_slot",
            "capacity",
            "slot_minutes",
            "horizon_days",
            "is_demo",
        ]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_items(self, point):
        # published_items is prefetched by views.public_points(): no query per point.
        return [item.code for item in point.published_items]


class WindowQuerySerializer(serializers.Serializer):
    """The query parameters of the window list; unknown codes are a 400, not an empty list."""

    district = serializers.CharField(required=False, allow_blank=True, max_length=20)
    item = serializers.CharField(required=False, allow_blank=True, max_length=60)

    def validate_district(self, code):
        code = code.strip()
        if code and not District.objects.filter(code=code).exists():
            raise serializers.ValidationError(
                _("There is no district with the code %(code)s.") % {"code": code}
            )
        return code

    def validate_item(self, code):
        code = code.strip()
        if code and not ServiceItem.objects.published().filter(code=code).exists():
            raise serializers.ValidationError(
                _("There is no service with the code %(code)s.") % {"code": code}
            )
        return code
