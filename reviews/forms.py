"""Forms of the 好差评 pages. The rating form is also run by the API serializer, so the rating
page and POST /api/v1/reviews/ give the same messages."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from appointments import phone_codes
from appointments.deadlines import NEAR_DUE, OVERDUE
from appointments.forms import PhoneCodeCheck, phone_code_field, required_message
from appointments.validators import normalize_mobile, validate_mainland_mobile, validate_person_name
from catalog.models import ServiceItem
from windows.models import ServicePoint

from .constants import CONTACT_METHODS, ComplaintStatus, RectificationStatus, Score, StepKind
from .services.complaints import COMPLAINT_STEPS
from .services.ratings import RATING_TAGS, STAFF_CHANNELS

# Best first, as the national 好差评 forms list them.
LEVELS = sorted(Score.choices, reverse=True)
LEVEL_ERRORS = {
    "required": _("Choose one of the five levels."),
    "invalid_choice": _("Choose one of the five levels."),
}


def level_field(label, required):
    return forms.TypedChoiceField(
        label=label,
        choices=LEVELS,
        coerce=int,
        empty_value=None,
        required=required,
        widget=forms.RadioSelect,
        error_messages=LEVEL_ERRORS,
    )


class DisplayNameChoiceField(forms.ModelChoiceField):
    """Windows and items in the language of the page."""

    def label_from_instance(self, obj):
        return obj.display_name


class RatingForm(forms.Form):
    score = level_field(_("Overall, how satisfied are you with this service?"), required=True)
    efficiency = level_field(_("Service efficiency"), required=False)
    competence = level_field(_("Service competence"), required=False)
    attitude = level_field(_("Service attitude"), required=False)
    tags = forms.MultipleChoiceField(
        label=_("Tags (optional)"),
        choices=RATING_TAGS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Choose tags from the list.")},
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    # The groups of radio buttons, rendered as fieldsets with a legend each; all but the
    # overall level flow across the line, so that the page stays short on a phone.
    LEVEL_FIELDS = ("score", "efficiency", "competence", "attitude")
    compact_fields = ("efficiency", "competence", "attitude", "tags")

    def rating_values(self):
        data = self.cleaned_data
        return {name: data.get(name) for name in (*self.LEVEL_FIELDS, "tags", "comment")}


class StaffRatingForm(RatingForm):
    """A rating entered by staff for the pad or the hotline: only with the person's code."""

    channel = forms.ChoiceField(
        label=pgettext_lazy("rating", "Channel"),
        choices=[(c.value, c.label) for c in STAFF_CHANNELS],
        widget=forms.RadioSelect,
    )
    token = forms.CharField(
        label=_("The person's rating code"),
        max_length=80,
        help_text=_(
            "The code from the person's invitation (the part after token= in their link), "
            "read out or typed by the person. Staff can never rate without it."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    field_order = ["channel", "token"]


# --- rectification steps ----------------------------------------------------------------------


class StepForm(forms.Form):
    notes = forms.CharField(label=_("Notes"), max_length=2000, widget=forms.Textarea({"rows": 3}))


def method_field(label):
    return forms.ChoiceField(label=label, choices=CONTACT_METHODS)


class FollowUpForm(StepForm):
    when = forms.DateTimeField(
        label=_("When was the person contacted?"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    method = method_field(_("How was the person contacted?"))
    notes = forms.CharField(
        label=_("What the person said"), max_length=2000, widget=forms.Textarea({"rows": 3})
    )

    field_order = ["when", "method", "notes"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["when"].initial = timezone.localtime().replace(second=0, microsecond=0)


class VerifyForm(StepForm):
    substantiated = forms.TypedChoiceField(
        label=_("Is the complaint substantiated?"),
        choices=[("yes", _("Substantiated")), ("no", _("Not substantiated"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    is_complex = forms.BooleanField(
        label=_("Complex matter: tracked on the ledger until rectified (up to 15 working days)"),
        required=False,
    )
    notes = forms.CharField(
        label=_("What was found"), max_length=2000, widget=forms.Textarea({"rows": 3})
    )

    field_order = ["substantiated", "is_complex", "notes"]


class RectifyForm(StepForm):
    notes = forms.CharField(
        label=_("What was changed"), max_length=2000, widget=forms.Textarea({"rows": 3})
    )


class ReplyForm(StepForm):
    method = method_field(_("How was the person answered?"))
    notes = forms.CharField(
        label=_("What the person was told"), max_length=2000, widget=forms.Textarea({"rows": 3})
    )

    field_order = ["method", "notes"]


class NoteForm(StepForm):
    pass


RECTIFICATION_STEP_FORMS = {
    StepKind.FOLLOW_UP: FollowUpForm,
    StepKind.VERIFY: VerifyForm,
    StepKind.RECTIFY: RectifyForm,
    StepKind.REPLY: ReplyForm,
    StepKind.NOTE: NoteForm,
}


class RectificationFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("All")), *RectificationStatus.choices],
        required=False,
    )
    window = DisplayNameChoiceField(
        label=_("Window"),
        queryset=ServicePoint.objects.none(),
        required=False,
        empty_label=_("All"),
    )
    deadline = forms.ChoiceField(
        label=_("Deadline"),
        choices=[("", _("All")), (OVERDUE, _("Overdue")), (NEAR_DUE, _("Due soon"))],
        required=False,
    )

    def __init__(self, *args, windows=None, **kwargs):
        super().__init__(*args, **kwargs)
        if windows is not None:
            self.fields["window"].queryset = windows

    @property
    def error_list(self):
        return [message for errors in self.errors.values() for message in errors]


# --- appeals ----------------------------------------------------------------------------------


class AppealForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is this rating mistaken or malicious?"),
        max_length=2000,
        widget=forms.Textarea({"rows": 4}),
    )


class AppealDecisionForm(forms.Form):
    decision = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[
            ("upheld", _("Uphold: exclude the rating from the statistics")),
            ("dismissed", _("Dismiss: the rating stands")),
        ],
        coerce=lambda value: value == "upheld",
        widget=forms.RadioSelect,
    )
    notes = forms.CharField(
        label=_("Reasons for the decision"), max_length=2000, widget=forms.Textarea({"rows": 3})
    )


# --- complaints -------------------------------------------------------------------------------


class ComplaintForm(PhoneCodeCheck, forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=60,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages=required_message("name"),
    )
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        help_text=_("We send the reference and our reply to this number by SMS."),
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
        error_messages=required_message("phone"),
    )
    matter = forms.CharField(
        label=_("The matter you could not get done"),
        max_length=200,
        help_text=_("For example: registering a patent licence contract."),
        error_messages={"required": _("Say in a few words what you came to get done.")},
    )
    window = DisplayNameChoiceField(
        label=_("The window concerned (optional)"),
        queryset=ServicePoint.objects.active().select_related("district"),
        required=False,
        empty_label=_("Not sure / not listed"),
    )
    item = DisplayNameChoiceField(
        label=_("The service item concerned (optional)"),
        queryset=ServiceItem.objects.published(),
        required=False,
        empty_label=_("Not sure / not listed"),
    )
    description = forms.CharField(
        label=_("What went wrong"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={
            "required": _("Tell us what happened: when, at which window, and what you were told.")
        },
    )
    phone_code = phone_code_field()

    code_purpose = phone_codes.Purpose.COMPLAINT
    field_order = ["name", "phone", "phone_code", "matter", "window", "item", "description"]

    def clean_name(self):
        return validate_person_name(self.cleaned_data["name"])

    def clean_phone(self):
        return validate_mainland_mobile(self.cleaned_data["phone"])

    def clean(self):
        cleaned = super().clean()
        self.check_phone_code()
        return cleaned


class ComplaintLookupForm(forms.Form):
    reference = forms.CharField(
        label=pgettext_lazy("complaint", "Reference"),
        max_length=20,
        error_messages=required_message("reference"),
    )
    phone = forms.CharField(
        label=_("Mobile number given in the report"),
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "numeric"}),
        error_messages=required_message("phone"),
    )

    def clean_reference(self):
        return self.cleaned_data["reference"].strip().upper()

    def clean_phone(self):
        return normalize_mobile(self.cleaned_data["phone"])


class ComplaintStepForm(forms.Form):
    kind = forms.ChoiceField(label=_("Step"), choices=[(k.value, k.label) for k in COMPLAINT_STEPS])
    method = forms.ChoiceField(
        label=_("How (if the person was contacted)"),
        choices=[("", "—"), *CONTACT_METHODS],
        required=False,
    )
    notes = forms.CharField(label=_("Notes"), max_length=2000, widget=forms.Textarea({"rows": 3}))


class ComplaintLinkForm(forms.Form):
    case_reference = forms.CharField(label=_("Case reference"), max_length=20, required=False)
    window = DisplayNameChoiceField(
        label=_("or a window"),
        queryset=ServicePoint.objects.all(),
        required=False,
        empty_label="—",
    )


class ComplaintCloseForm(forms.Form):
    method = method_field(_("How was the person answered?"))
    notes = forms.CharField(
        label=_("The reply to the person"), max_length=2000, widget=forms.Textarea({"rows": 4})
    )


class ComplaintFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All")), *ComplaintStatus.choices], required=False
    )
    deadline = forms.ChoiceField(
        label=_("Deadline"),
        choices=[("", _("All")), (OVERDUE, _("Overdue")), (NEAR_DUE, _("Due soon"))],
        required=False,
    )

    @property
    def error_list(self):
        return [message for errors in self.errors.values() for message in errors]
