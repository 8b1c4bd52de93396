from rest_framework import serializers

from ..models import Material, ServiceItem


class MaterialSerializer(serializers.ModelSerializer):
    class Meta:
        model = Material
        fields = [
            "id",  # what an online application names its files by (`material_<id>`)
            "name",
            "name_en",
            "form",
            "copies",
            "required",
            "tolerable",
            "note",
            "note_en",
            "is_example",
        ]


class ServiceItemSerializer(serializers.ModelSerializer):
    """The fields named in docs/architecture.md ("The HTTP contract") keep their names; others
    may be added, never renamed."""

    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    category_name = serializers.CharField(source="category.display_name", read_only=True)
    ip_type_name = serializers.CharField(source="get_ip_type_display", read_only=True)
    level_name = serializers.CharField(source="get_level_display", read_only=True)
    channels = serializers.ListField(child=serializers.CharField(), read_only=True)
    materials = MaterialSerializer(many=True, read_only=True)
    windows = serializers.SerializerMethodField()
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = ServiceItem
        fields = [
            "code",
            "name",
            "name_en",
            "category",
            "category_name",
            "ip_type",
            "ip_type_name",
            "level",
            "level_name",
            "legal_limit_days",
            "promised_limit_days",
            "fee",
            "legal_basis",
            "guide",
            "guide_en",
            "consult_phone",
            "green_channel",
            "channels",
            "materials",
            "windows",
            "url",
        ]

    def get_windows(self, item) -> list[int]:
        """Ids of the active windows offering the item (prefetched by with_details())."""
        return [window.pk for window in item.windows.all() if window.active]
