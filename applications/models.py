"""Online applications (网上办): the application, one row per file submitted for a material,
its timeline, and each item's pre-review limit. docs/architecture.md, "applications"."""

from django.conf import settings
from django.core.files.storage import storages
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from appointments.models import Person
from windows.models import is_bureau

from .constants import Action, Delivery, LimitUnit, Review, Status

STORAGE_ALIAS = "applications"


def private_storage():
    """The named storage of STORAGES holding the applicants' files (never public)."""
    return storages[STORAGE_ALIAS]


class PrereviewLimit(models.Model):
    """How long an item's online applications may wait for pre-review (预审): working hours (工作
    小时: the clock stops on rest days and public holidays), or working days. Items without a row
    use APPLICATION_PREREVIEW_HOURS working hours (appointments.workdays.add_working_hours)."""

    item = models.OneToOneField(
        "catalog.ServiceItem",
        verbose_name=_("service item"),
        on_delete=models.CASCADE,
        related_name="prereview_limit",
    )
    amount = models.PositiveSmallIntegerField(
        _("limit"),
        validators=[MinValueValidator(1), MaxValueValidator(720)],
        help_text=_(
            "Working hours count only time on working days (调休 makeup days included); "
            "working days end at midnight of the last one."
        ),
    )
    unit = models.CharField(_("unit"), max_length=12, choices=LimitUnit.choices)

    class Meta:
        verbose_name = _("pre-review limit")
        verbose_name_plural = _("pre-review limits")

    def __str__(self):
        return f"{self.item} {self.amount} {self.get_unit_display()}"


class ApplicationQuerySet(models.QuerySet):
    def for_user(self, user):
        """Applications of the staff member's windows; the bureau sees all; anyone else none."""
        if not user.is_authenticated:
            return self.none()
        if is_bureau(user):
            return self
        return self.filter(window__memberships__user=user)


class Application(Person):
    """An online application. The applicant's fields are a booking's (appointments.models
    .Person: name, phone, ID document, email, and the language every notice of the application,
    and of the case made on acceptance, is written in, whoever or whatever sends it)."""

    reference = models.CharField(
        pgettext_lazy("application", "reference"), max_length=20, unique=True
    )
    item = models.ForeignKey(
        "catalog.ServiceItem",
        verbose_name=_("service item"),
        on_delete=models.PROTECT,
        related_name="applications",
    )
    window = models.ForeignKey(
        "windows.ServicePoint",
        verbose_name=_("handling window"),
        on_delete=models.PROTECT,
        related_name="applications",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PREREVIEW
    )
    notes = models.TextField(_("notes"), blank=True, default="")

    delivery = models.CharField(
        _("result delivery"), max_length=8, choices=Delivery.choices, default=Delivery.WINDOW
    )
    address = models.CharField(_("postal address"), max_length=200, blank=True, default="")
    courier = models.CharField(_("courier"), max_length=40, blank=True, default="")
    tracking = models.CharField(_("tracking number"), max_length=40, blank=True, default="")

    created_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    # The current pre-review round: started on submission and again on each resubmission.
    prereview_started = models.DateTimeField(_("pre-review started"))
    prereview_due = models.DateTimeField(_("pre-review due"))
    # Time spent waiting for the clerk, over every round (the statistics' pre-review time).
    prereview_seconds = models.PositiveIntegerField(_("seconds in pre-review"), default=0)
    corrections = models.PositiveSmallIntegerField(_("times returned for correction"), default=0)
    decided_at = models.DateTimeField(_("accepted or rejected at"), null=True, blank=True)
    reject_reason = models.TextField(_("reason for rejection"), blank=True, default="")
    # 告知承诺: accepted with tolerable materials missing, to be brought by this date.
    commitment_due = models.DateField(_("materials promised by"), null=True, blank=True)
    case = models.OneToOneField(
        "appointments.Case",
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="application",
    )
    shipped_at = models.DateTimeField(pgettext_lazy("post", "sent at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    files_purged_at = models.DateTimeField(_("files deleted at"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    is_demo = models.BooleanField(_("demo record"), default=False)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("online application")
        verbose_name_plural = _("online applications")
        indexes = [
            models.Index(fields=["status", "prereview_due"]),
            models.Index(fields=["created_at"]),
        ]

    def __str__(self):
        return self.reference


def upload_to(submission, filename):
    # A random name: the applicant's own name is kept in `original_name` for the download.
    return f"applications/{submission.application_id}/{filename}"


class Submission(models.Model):
    """One file given for one material. A replacement supersedes the earlier file, which stays
    for the timeline; only one file per material is current."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="submissions"
    )
    material = models.ForeignKey(
        "catalog.Material", verbose_name=_("material"), on_delete=models.PROTECT, related_name="+"
    )
    file = models.FileField(_("file"), storage=private_storage, upload_to=upload_to, blank=True)
    original_name = models.CharField(_("file name"), max_length=120)
    content_type = models.CharField(_("type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    review = models.CharField(
        _("review"), max_length=8, choices=Review.choices, default=Review.PENDING
    )
    reason = models.TextField(_("what to correct"), blank=True, default="")
    superseded_at = models.DateTimeField(_("replaced at"), null=True, blank=True)

    class Meta:
        ordering = ["material__order", "material_id", "uploaded_at", "id"]
        verbose_name = _("submitted material")
        verbose_name_plural = _("submitted materials")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "material"],
                condition=Q(superseded_at__isnull=True),
                name="one_current_file_per_material",
            )
        ]

    def __str__(self):
        return f"{self.application_id} {self.original_name}"


class ApplicationEvent(models.Model):
    """One step of an application's timeline: who did what, when."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("at"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    from_status = models.CharField(_("from"), max_length=12, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=12, choices=Status.choices)
    note = models.TextField(_("note"), blank=True, default="")

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("application event")
        verbose_name_plural = _("application events")

    def __str__(self):
        return f"{self.application_id} {self.action}"
