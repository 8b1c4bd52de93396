"""Serializers of the 好差评 API. The rating body is checked by the rating page's own form
(reviews.forms.RatingForm), so page and API give the same messages."""

from rest_framework import serializers

from appointments.masking import mask_name, mask_phone

from ..forms import RatingForm
from ..models import Complaint, Rating, Rectification
from ..services.ratings import RATING_TAGS
from ..services.rectifications import is_on_time

# The page's messages for the same mistakes, so that people and programs read the same words.
LEVEL_MESSAGE = RatingForm.base_fields["score"].error_messages["invalid_choice"]
LEVEL_ERRORS = dict.fromkeys(
    ("invalid", "min_value", "max_value", "max_string_length", "required", "null"), LEVEL_MESSAGE
)


def level_field(**kwargs):
    return serializers.IntegerField(
        min_value=1,
        max_value=5,
        error_messages=LEVEL_ERRORS,
        help_text="1 to 5; 5 is best.",
        **kwargs,
    )


class RatingInputSerializer(serializers.Serializer):
    reference = serializers.CharField(max_length=20)
    token = serializers.CharField(max_length=80)
    score = level_field()
    comment = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    efficiency = level_field(required=False, allow_null=True)
    competence = level_field(required=False, allow_null=True)
    attitude = level_field(required=False, allow_null=True)
    tags = serializers.ListField(
        child=serializers.ChoiceField(
            choices=RATING_TAGS,
            error_messages={
                "invalid_choice": RatingForm.base_fields["tags"].error_messages["invalid_choice"]
            },
        ),
        required=False,
        help_text="Codes: " + ", ".join(code for code, _label in RATING_TAGS),
    )

    def validate(self, attrs):
        # The page's form holds the rules; the fields above give the types and the schema.
        values = {key: value for key, value in attrs.items() if value is not None}
        form = RatingForm(data=values)
        if not form.is_valid():
            raise serializers.ValidationError(_errors_as_lists(form.errors))
        return {**attrs, **form.rating_values()}


def _errors_as_lists(errors):
    return {field: [str(message) for message in messages] for field, messages in errors.items()}


class RatingSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(source="case.reference")
    level = serializers.CharField(source="get_score_display")
    window = serializers.IntegerField(source="window_id")
    item = serializers.CharField(source="item.code")

    class Meta:
        model = Rating
        fields = [
            "id",
            "reference",
            "score",
            "level",
            "efficiency",
            "competence",
            "attitude",
            "tags",
            "comment",
            "channel",
            "window",
            "item",
            "created_at",
        ]


class RectificationSerializer(serializers.ModelSerializer):
    """A rectification in a list: the person's data masked, the deadline state computed."""

    rating = serializers.IntegerField(source="rating_id")
    score = serializers.IntegerField(source="rating.score")
    comment = serializers.CharField(source="rating.comment")
    excluded = serializers.BooleanField(source="rating.excluded")
    reference = serializers.CharField(source="rating.case.reference")
    person = serializers.SerializerMethodField()
    phone = serializers.SerializerMethodField()
    window = serializers.IntegerField(source="window_id")
    window_name = serializers.CharField(source="window.name")
    item = serializers.CharField(source="rating.item.code")
    staff = serializers.SerializerMethodField()
    deadline = serializers.CharField(
        allow_null=True, help_text="overdue, near_due, ok; null once closed"
    )
    on_time = serializers.SerializerMethodField()

    class Meta:
        model = Rectification
        fields = [
            "id",
            "rating",
            "score",
            "comment",
            "excluded",
            "reference",
            "person",
            "phone",
            "window",
            "window_name",
            "item",
            "staff",
            "status",
            "is_complex",
            "substantiated",
            "opened_on",
            "contact_due",
            "reply_due",
            "rectify_due",
            "followed_up_at",
            "closed_at",
            "deadline",
            "on_time",
        ]

    def get_person(self, rect) -> str:
        return mask_name(rect.rating.case.name)

    def get_phone(self, rect) -> str:
        return mask_phone(rect.rating.case.phone)

    def get_staff(self, rect) -> str | None:
        staff = rect.rating.staff
        return staff.get_username() if staff else None

    def get_on_time(self, rect) -> bool | None:
        return is_on_time(rect) if rect.closed_at else None


class ComplaintSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()
    phone = serializers.SerializerMethodField()
    window = serializers.IntegerField(source="window_id", allow_null=True)
    item = serializers.CharField(source="item.code", allow_null=True, default=None)
    case = serializers.CharField(source="case.reference", allow_null=True, default=None)
    deadline = serializers.CharField(
        allow_null=True, help_text="overdue, near_due, ok; null once closed"
    )

    class Meta:
        model = Complaint
        fields = [
            "id",
            "reference",
            "name",
            "phone",
            "matter",
            "window",
            "item",
            "case",
            "status",
            "due",
            "deadline",
            "created_at",
            "closed_at",
        ]

    def get_name(self, complaint) -> str:
        return mask_name(complaint.name)

    def get_phone(self, complaint) -> str:
        return mask_phone(complaint.phone)
