"""Cases in the API. Lists carry masked personal data; the detail of a case, which only staff of
its window and the bureau can open, carries it whole (docs/architecture.md)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.models import ServiceItem
from ipservice import dates
from windows.models import ServicePoint

from .. import cases, masking
from ..constants import IdType
from ..forms import PersonForm
from ..models import Case, CaseEvent
from ..workflow import allowed_actions


def raise_as_api_error(exc: DjangoValidationError):
    """A Django ValidationError from the case services, as a DRF one (400, per-field errors)."""
    raise serializers.ValidationError(serializers.as_serializer_error(exc)) from exc


PERSON_FIELDS = tuple(PersonForm.base_fields)  # name, phone, ID type and number, email


@extend_schema_field(
    {"oneOf": [{"type": "string", "format": "email"}, {"type": "string", "maxLength": 0}]}
)
class OptionalEmailField(serializers.CharField):
    """An e-mail address, or "" when the person gave none (the model's blank value)."""


class CaseSerializer(serializers.ModelSerializer):
    """A case in a list: everything but the person's data, which is masked."""

    window = serializers.PrimaryKeyRelatedField(read_only=True)
    item = serializers.SlugRelatedField(slug_field="code", read_only=True)
    deadline_state = serializers.SerializerMethodField()
    name = serializers.SerializerMethodField()
    phone = serializers.SerializerMethodField()
    id_number = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "id",
            "reference",
            "window",
            "item",
            "channel",
            "status",
            "start",
            "accepted_on",
            "legal_due",
            "promised_due",
            "deadline_state",
            "name",
            "phone",
            "id_type",
            "id_number",
        ]
        read_only_fields = fields

    def get_deadline_state(self, case) -> str | None:
        # Lists annotate it in SQL (cases.with_deadlines); a single case computes it.
        if hasattr(case, "deadline"):
            return case.deadline
        return cases.deadline_state(case, dates.today())

    def get_name(self, case) -> str:
        return masking.mask_name(case.name)

    def get_phone(self, case) -> str:
        return masking.mask_phone(case.phone)

    def get_id_number(self, case) -> str:
        return masking.mask_id(case.id_number)


class MaterialRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class CaseEventSerializer(serializers.ModelSerializer):
    by = serializers.SlugRelatedField(
        source="actor",
        slug_field="username",
        read_only=True,
        allow_null=True,
    )
    from_status = serializers.CharField(read_only=True)
    to_status = serializers.CharField(read_only=True)
    # The system's notes written out in the request's language, a clerk's words as written.
    note = serializers.CharField(source="display_note", read_only=True)

    class Meta:
        model = CaseEvent
        fields = ["at", "action", "from_status", "to_status", "by", "note"]
        read_only_fields = fields


class CaseDetailSerializer(CaseSerializer):
    """One case for staff of its window or the bureau: the person's data whole, the missing
    materials, the timeline and the actions its state allows."""

    name = serializers.CharField(read_only=True)
    phone = serializers.CharField(read_only=True)
    id_number = serializers.CharField(read_only=True)
    missing_materials = MaterialRefSerializer(many=True, read_only=True)
    handled_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    email = OptionalEmailField(read_only=True)
    events = CaseEventSerializer(many=True, read_only=True)
    allowed_actions = serializers.SerializerMethodField()

    class Meta(CaseSerializer.Meta):
        fields = [
            *CaseSerializer.Meta.fields,
            "email",
            "materials_due",
            "missing_materials",
            "reject_reason",
            "completed_at",
            "handled_by",
            "created_at",
            "events",
            "allowed_actions",
        ]
        read_only_fields = fields

    def get_allowed_actions(self, case) -> list[str]:
        return [str(action) for action in allowed_actions(case)]


class CaseCreateSerializer(serializers.Serializer):
    """A walk-in, mail or online case. The person fields go through the booking PersonForm, so
    the messages are those of the pages. A window where the user does not work is refused with
    400 and an error on `window` (windows are public, so nothing is revealed)."""

    window = serializers.PrimaryKeyRelatedField(queryset=ServicePoint.objects.all())
    item = serializers.SlugRelatedField(slug_field="code", queryset=ServiceItem.objects.all())
    channel = serializers.ChoiceField(choices=[(c.value, c.label) for c in cases.STAFF_CHANNELS])
    name = serializers.CharField()
    phone = serializers.CharField()
    id_type = serializers.ChoiceField(choices=IdType.choices)
    id_number = serializers.CharField()
    email = serializers.EmailField(required=False, allow_blank=True)

    def validate(self, attrs):
        user = self.context["request"].user
        try:
            cases.check_intake(user, attrs["window"], attrs["item"], attrs["channel"])
        except DjangoValidationError as exc:
            raise_as_api_error(exc)
        person = PersonForm(data={field: attrs.get(field, "") for field in PERSON_FIELDS})
        if not person.is_valid():
            raise serializers.ValidationError(
                {field: [str(m) for m in messages] for field, messages in person.errors.items()}
            )
        # The form's cleaned values: normalised ID number, mobile without +86, tidy name.
        return {**attrs, **person.person()}


class PendingSerializer(serializers.Serializer):
    materials = serializers.ListField(
        child=serializers.CharField(),
        allow_empty=True,
        help_text=_("Ids or names of the item's tolerable materials that are missing."),
    )
    materials_due = serializers.DateField(
        help_text=_("The date by which the missing materials must come.")
    )


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, help_text=_("Why the case is rejected."))
