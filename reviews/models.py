from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from appointments.models import Contact

from .constants import (
    CONTACT_METHOD_LABELS,
    AppealDecision,
    ComplaintStatus,
    RatingChannel,
    RectificationStatus,
    ReportStatus,
    Score,
    StepKind,
)

ASPECT_VALIDATORS = [MinValueValidator(1), MaxValueValidator(5)]


class Rating(models.Model):
    """One 好差评 rating of one completed case, by the person served.

    Window, item and staff member are copied from the case so that statistics group ratings
    without joining cases (a year holds hundreds of thousands of both)."""

    case = models.OneToOneField(
        "appointments.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="rating"
    )
    window = models.ForeignKey(
        "windows.ServicePoint", on_delete=models.PROTECT, related_name="ratings"
    )
    item = models.ForeignKey(
        "catalog.ServiceItem", on_delete=models.PROTECT, related_name="ratings"
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="ratings_received",
    )
    score = models.PositiveSmallIntegerField(_("overall"), choices=Score.choices)
    efficiency = models.PositiveSmallIntegerField(
        _("service efficiency"), null=True, blank=True, validators=ASPECT_VALIDATORS
    )
    competence = models.PositiveSmallIntegerField(
        _("service competence"), null=True, blank=True, validators=ASPECT_VALIDATORS
    )
    attitude = models.PositiveSmallIntegerField(
        _("service attitude"), null=True, blank=True, validators=ASPECT_VALIDATORS
    )
    tags = models.JSONField(_("tags"), default=list, blank=True)
    comment = models.TextField(_("comment"), blank=True, default="", max_length=1000)
    channel = models.CharField(
        pgettext_lazy("rating", "channel"), max_length=8, choices=RatingChannel.choices
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by staff"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("rated at"), auto_now_add=True, db_index=True)
    # Set when the bureau upholds a window's appeal: the rating no longer counts in statistics.
    excluded = models.BooleanField(_("excluded from statistics"), default=False)
    is_demo = models.BooleanField(_("demo record"), default=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__gte=1) & models.Q(score__lte=5), name="score_1_to_5"
            ),
        ]
        indexes = [models.Index(fields=["window", "created_at"])]

    def __str__(self):
        return f"{self.case_id}: {self.score}"

    @property
    def is_bad(self):
        return self.score <= Score.DISSATISFIED


class Rectification(models.Model):
    """The follow-up of a 差评: 回访 → 核实 → 整改 → 反馈, within the "1、5、15" limits."""

    rating = models.OneToOneField(Rating, on_delete=models.CASCADE, related_name="rectification")
    window = models.ForeignKey(
        "windows.ServicePoint", on_delete=models.PROTECT, related_name="rectifications"
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=RectificationStatus.choices,
        default=RectificationStatus.OPEN,
        db_index=True,
    )
    opened_on = models.DateField(_("opened on"))
    contact_due = models.DateField(_("contact the person by"))
    reply_due = models.DateField(_("reply by"))
    rectify_due = models.DateField(_("rectify by"))
    # Complex matters are tracked on the ledger (台账) until rectified, within the longest limit.
    is_complex = models.BooleanField(_("complex matter"), default=False)
    substantiated = models.BooleanField(_("substantiated"), null=True, blank=True)
    followed_up_at = models.DateTimeField(_("followed up at"), null=True, blank=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    rectified_at = models.DateTimeField(_("rectified at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["rectify_due", "id"]
        verbose_name = _("rectification")
        verbose_name_plural = _("rectifications")

    def __str__(self):
        return f"#{self.pk} {self.get_status_display()}"


class Appeal(models.Model):
    """A window's appeal (申诉) against a rating it believes mistaken or malicious; the bureau
    reviews it (复核)."""

    rating = models.OneToOneField(Rating, on_delete=models.CASCADE, related_name="appeal")
    reason = models.TextField(_("reason"))
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    filed_at = models.DateTimeField(_("filed at"), auto_now_add=True)
    decision = models.CharField(
        _("decision"),
        max_length=10,
        choices=AppealDecision.choices,
        default=AppealDecision.PENDING,
    )
    decision_notes = models.TextField(_("decision notes"), blank=True, default="")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")

    def __str__(self):
        return f"{self.rating_id} {self.get_decision_display()}"


class Complaint(Contact):
    """A report of a matter that could not be done (办不成事反映), by a Contact: a name and a
    mobile number, no ID document or email (the report asks for none)."""

    reference = models.CharField(_("reference"), max_length=20, unique=True)
    matter = models.CharField(_("the matter"), max_length=200)
    window = models.ForeignKey(
        "windows.ServicePoint",
        verbose_name=_("window concerned"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="complaints",
    )
    item = models.ForeignKey(
        "catalog.ServiceItem",
        verbose_name=_("item concerned"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="complaints",
    )
    case = models.ForeignKey(
        "appointments.Case",
        verbose_name=_("linked case"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="complaints",
    )
    description = models.TextField(_("what went wrong"), max_length=2000)
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("The language the report was made in: its messages are written in it."),
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=ComplaintStatus.choices,
        default=ComplaintStatus.RECEIVED,
        db_index=True,
    )
    due = models.DateField(_("due"))
    created_at = models.DateTimeField(_("received at"), auto_now_add=True, db_index=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    is_demo = models.BooleanField(_("demo record"), default=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")

    def __str__(self):
        return self.reference


class Step(models.Model):
    """One step of a rectification or a complaint: who did what, when, and what was said."""

    rectification = models.ForeignKey(
        Rectification, on_delete=models.CASCADE, null=True, blank=True, related_name="steps"
    )
    complaint = models.ForeignKey(
        Complaint, on_delete=models.CASCADE, null=True, blank=True, related_name="steps"
    )
    kind = models.CharField(_("step"), max_length=10, choices=StepKind.choices)
    at = models.DateTimeField(_("at"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    method = models.CharField(_("how"), max_length=40, blank=True, default="")
    notes = models.TextField(_("notes"))

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("step")
        verbose_name_plural = _("steps")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rectification__isnull=False, complaint__isnull=True)
                | models.Q(rectification__isnull=True, complaint__isnull=False),
                name="step_belongs_to_one_thing",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d}"

    @property
    def method_label(self):
        """How the person was reached, in the reader's language ("" when not said)."""
        return CONTACT_METHOD_LABELS.get(self.method, self.method)


class AnnualReport(models.Model):
    """The bureau's annual report (年度报告) for one year: built by a task into an .xlsx file.

    Files are served only through a view that checks the user, never from a public media URL."""

    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(
        _("status"), max_length=8, choices=ReportStatus.choices, default=ReportStatus.PENDING
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    file = models.FileField(_("file"), upload_to="reports/", blank=True)
    error = models.TextField(_("why it failed"), blank=True, default="")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("annual report")
        verbose_name_plural = _("annual reports")
        constraints = [
            # One report of a year queued or being built at a time, whatever the concurrency.
            models.UniqueConstraint(
                fields=["year"],
                condition=models.Q(status__in=[ReportStatus.PENDING, ReportStatus.RUNNING]),
                name="one_active_report_per_year",
            ),
        ]

    def __str__(self):
        return f"{self.year} {self.get_status_display()}"

    def partial_until(self):
        """The last day its figures cover when it was built before its year was over (they are
        the year so far), else None."""
        return covered_until(self.year, self.started_at or self.created_at)


def covered_until(year, built_at):
    """None for a report of `year` built after the year was over, else the (local) day it was
    built: the last day its figures cover."""
    if built_at is None:
        return None
    built_on = timezone.localtime(built_at).date()
    return built_on if built_on.year <= year else None
