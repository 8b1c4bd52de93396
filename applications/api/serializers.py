"""Serializers of the applications API. Requests are validated by the forms of
applications.forms (the pages' own), so a field says the same on a page and in a 400."""

from django.urls import reverse
from rest_framework import serializers

from appointments.masking import mask_email, mask_id, mask_name, mask_phone

from .. import services
from ..constants import Status


class MaterialStateSerializer(serializers.Serializer):
    """One material of the item's list and what was given for it."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    required = serializers.BooleanField()
    tolerable = serializers.BooleanField()
    file = serializers.DictField(allow_null=True)
    review = serializers.CharField(allow_null=True)
    reason = serializers.CharField(allow_blank=True)
    asked = serializers.BooleanField(help_text="Asked to be corrected now.")
    download = serializers.CharField(allow_null=True)


class EventSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    action = serializers.CharField()
    label = serializers.CharField()
    to_status = serializers.CharField()


def material_states(application):
    current = {s.material_id: s for s in services.current_submissions(application)}
    asked = {m.pk: r for m, r in services.asked_materials(application)}
    states = []
    for material in application.item.materials.all():
        submission = current.get(material.pk)
        has_file = bool(submission and submission.file)
        states.append(
            {
                "id": material.pk,
                "name": material.name,
                "required": material.required,
                "tolerable": material.tolerable,
                "file": {
                    "name": submission.original_name,
                    "size": submission.size,
                    "content_type": submission.content_type,
                    "uploaded_at": submission.uploaded_at,
                }
                if submission
                else None,
                "review": submission.review if submission else None,
                "reason": asked.get(material.pk, submission.reason if submission else ""),
                "asked": material.pk in asked,
                "download": reverse("api-application-file", args=[application.pk, material.pk])
                if has_file
                else None,
            }
        )
    return states


def events(application):
    return [
        {
            "at": event.at,
            "action": event.action,
            "label": str(event.get_action_display()),
            "to_status": event.to_status,
        }
        for event in application.events.all()
    ]


class ApplicationSerializer(serializers.Serializer):
    """An application as its applicant (token) or staff see it; person data masked."""

    id = serializers.IntegerField(source="pk")
    reference = serializers.CharField()
    status = serializers.ChoiceField(choices=Status.choices)
    status_label = serializers.CharField(source="get_status_display")
    item = serializers.CharField(source="item.code")
    item_name = serializers.CharField(source="item.name")
    window = serializers.IntegerField(source="window_id")
    window_name = serializers.CharField(source="window.name")
    name = serializers.SerializerMethodField()
    phone = serializers.SerializerMethodField()
    id_number = serializers.SerializerMethodField()
    email = serializers.SerializerMethodField(help_text="Masked; empty when none was given.")
    created_at = serializers.DateTimeField()
    prereview_due = serializers.DateTimeField()
    prereview = serializers.SerializerMethodField(help_text="overdue, near_due, ok or null")
    corrections = serializers.IntegerField()
    delivery = serializers.CharField()
    courier = serializers.CharField()
    tracking = serializers.CharField()
    shipped_at = serializers.DateTimeField()
    case = serializers.SerializerMethodField(help_text="The case reference once accepted.")
    commitment_due = serializers.DateField()
    reject_reason = serializers.CharField()

    def get_name(self, obj) -> str:
        return mask_name(obj.name)

    def get_phone(self, obj) -> str:
        return mask_phone(obj.phone)

    def get_id_number(self, obj) -> str:
        return mask_id(obj.id_number)

    def get_email(self, obj) -> str:
        return mask_email(obj.email)

    def get_prereview(self, obj) -> str | None:
        return services.prereview_state(obj)

    def get_case(self, obj) -> str | None:
        return obj.case.reference if obj.case_id else None


class ApplicationDetailSerializer(ApplicationSerializer):
    materials = serializers.SerializerMethodField()
    events = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()

    def get_materials(self, obj) -> list[dict]:
        return MaterialStateSerializer(material_states(obj), many=True).data

    def get_events(self, obj) -> list[dict]:
        return EventSerializer(events(obj), many=True).data

    def get_actions(self, obj) -> list[str]:
        return [str(a) for a in services.allowed_actions(obj)]


class NewApplicationSerializer(serializers.Serializer):
    reference = serializers.CharField()
    token = serializers.SerializerMethodField()
    status = serializers.CharField()

    def get_token(self, obj) -> str:
        return services.token(obj)


class ReturnSerializer(serializers.Serializer):
    materials = serializers.DictField(
        child=serializers.CharField(max_length=500),
        help_text="{material id: what to correct}",
    )


class PendingSerializer(serializers.Serializer):
    materials = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**62),
        required=False,
        help_text="Ids of the tolerable materials missing (default: those not uploaded).",
    )
    materials_due = serializers.DateField()


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class ShipSerializer(serializers.Serializer):
    courier = serializers.CharField(max_length=40)
    tracking = serializers.CharField(max_length=40)
