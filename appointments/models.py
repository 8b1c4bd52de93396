from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from windows.models import is_bureau

from . import case_notes
from .constants import Action, Channel, DayKind, IdType, NoticeChannel, NoticeStatus, Status


class CalendarDay(models.Model):
    """A bureau-entered exception to Monday–Friday: a holiday or an adjusted working day (调休).

    Wins over the chinesecalendar package, so the bureau can correct or extend the schedule.
    """

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=DayKind.choices)
    name = models.CharField(_("name"), max_length=40, blank=True, default="")

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")

    def __str__(self):
        return f"{self.date} {self.get_kind_display()} {self.name}".strip()


class Slot(models.Model):
    """A bookable period at one window. `booked` counts active bookings and can never exceed
    `capacity`: the check constraint holds even if code elsewhere is wrong, and bookings claim
    a place with a conditional UPDATE (services.claim_place)."""

    window = models.ForeignKey(
        "windows.ServicePoint", on_delete=models.CASCADE, related_name="slots"
    )
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    capacity = models.PositiveSmallIntegerField(_("capacity"))
    booked = models.PositiveSmallIntegerField(_("booked"), default=0)

    class Meta:
        ordering = ["window", "start"]
        verbose_name = _("slot")
        verbose_name_plural = _("slots")
        constraints = [
            models.UniqueConstraint(fields=["window", "start"], name="unique_slot_start"),
            models.CheckConstraint(
                condition=Q(booked__gte=0) & Q(booked__lte=F("capacity")),
                name="slot_never_overbooked",
            ),
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="slot_ends_after_start"),
        ]

    def __str__(self):
        return f"{self.window_id} {self.start:%Y-%m-%d %H:%M}"

    @property
    def available(self):
        return max(self.capacity - self.booked, 0)


class CaseQuerySet(models.QuerySet):
    def for_user(self, user):
        """Cases of the staff member's own windows; the bureau sees all; anyone else none."""
        if not user.is_authenticated:
            return self.none()
        if is_bureau(user):
            return self
        return self.filter(window__memberships__user=user)

    def active_bookings(self):
        return self.filter(status=Status.BOOKED, channel=Channel.BOOKING)


class Contact(models.Model):
    """Who to answer: the name and the mainland mobile number. Every Person has them; a
    complaint (reviews.models.Complaint) has only them, no ID document."""

    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    phone = models.CharField(_("mobile number"), max_length=11)

    class Meta:
        abstract = True


class Person(Contact):
    """The person a matter is for, in one place: a case's (booking, walk-in, mail) and an
    online application's (applications.models.Application inherits it). The real name, the
    mainland mobile number and the ID document (checked by forms.PersonForm), an optional email
    that gets a copy of every notice, and the language every message to them is written in
    (notices.in_language_of)."""

    id_type = models.CharField(_("ID type"), max_length=12, choices=IdType.choices)
    id_number = models.CharField(_("ID number"), max_length=40)
    email = models.EmailField(_("email"), blank=True, default="")
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_(
            "The language the person booked or applied in: their messages are written in it."
        ),
    )

    class Meta:
        abstract = True

    PERSON_FIELDS = ("name", "phone", "id_type", "id_number", "email", "language")

    def person(self):
        """The person's fields as keyword arguments: another record of the same person (the
        case of an accepted online application) is made with them."""
        return {name: getattr(self, name) for name in self.PERSON_FIELDS}


class Case(Person):
    """A matter handled at a window, for a Person. A booking is a case from the moment it is
    made (booked)."""

    reference = models.CharField(_("reference"), max_length=20, unique=True)
    # No index of its own: the (window, start) index below serves every lookup by window.
    window = models.ForeignKey(
        "windows.ServicePoint",
        verbose_name=_("window"),
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,
    )
    item = models.ForeignKey(
        "catalog.ServiceItem",
        verbose_name=_("item"),
        on_delete=models.PROTECT,
        related_name="cases",
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    # Indexed by (status, promised_due) below; an index of its own (and its LIKE twin) only
    # made every booking's insert write two more.
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    slot = models.ForeignKey(
        Slot,
        verbose_name=_("slot"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
    )
    # Kept with the case so that lists sort and filter without joining the slot.
    start = models.DateTimeField(_("appointment time"), null=True, blank=True)

    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    legal_due = models.DateField(_("legal due date"), null=True, blank=True)
    promised_due = models.DateField(_("promised due date"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    # 容缺受理: the tolerable materials still missing and the date they were promised by.
    missing_materials = models.ManyToManyField(
        "catalog.Material",
        verbose_name=_("missing materials"),
        blank=True,
        related_name="+",
    )
    materials_due = models.DateField(_("materials promised by"), null=True, blank=True)
    reject_reason = models.TextField(_("reason for rejection"), blank=True, default="")
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="handled_cases",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    is_demo = models.BooleanField(_("demo record"), default=False)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["window", "start"]),
            models.Index(fields=["id_number", "status"]),
            models.Index(fields=["phone", "status"]),
            models.Index(fields=["status", "promised_due"]),
            # The statistics of one year select by these (reviews.stats).
            models.Index(fields=["created_at"]),
            models.Index(fields=["completed_at"]),
            models.Index(fields=["start"]),
        ]

    def __str__(self):
        return self.reference

    @property
    def is_open(self):
        return self.status in (Status.BOOKED, Status.CHECKED_IN, Status.ACCEPTED, Status.PENDING)


class CaseEvent(models.Model):
    """One step of a case's timeline: who did what, when."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
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
    # A note the system writes: a code of appointments.case_notes and its values, written out in
    # the reader's language (display_note).
    note_code = models.CharField(_("system note"), max_length=30, blank=True, default="")
    note_params = models.JSONField(_("system note values"), blank=True, default=dict)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("case event")
        verbose_name_plural = _("case events")

    def __str__(self):
        return f"{self.case_id} {self.action}"

    @property
    def display_note(self):
        """The note in the reader's language: the system's, else the clerk's own words."""
        if self.note_code:
            return case_notes.render(self.note_code, self.note_params)
        return self.note


class SmsOutbox(models.Model):
    """Where the development/test SMS backend 'sends' messages, for people and tests to read."""

    phone = models.CharField(_("mobile number"), max_length=20)
    body = models.TextField(_("text"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("SMS outbox message")
        verbose_name_plural = _("SMS outbox")

    def __str__(self):
        return f"{self.phone[:3]}****{self.phone[-4:]} {self.created_at:%Y-%m-%d %H:%M}"


class Notice(models.Model):
    """A message to a person or staff member. `key` names its purpose (e.g. "confirm:AB12"), so a
    notice for one purpose is created, and sent, at most once."""

    key = models.CharField(_("purpose key"), max_length=120, unique=True)
    channel = models.CharField(_("channel"), max_length=8, choices=NoticeChannel.choices)
    recipient = models.CharField(_("recipient"), max_length=254)
    template = models.CharField(_("template"), max_length=40)
    subject = models.CharField(_("subject"), max_length=200, blank=True, default="")
    body = models.TextField(_("text"))
    status = models.CharField(
        _("status"), max_length=8, choices=NoticeStatus.choices, default=NoticeStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("last error"), blank=True, default="")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        # The SMS sent to one number in the last hour and day (outbox.check_allowance).
        indexes = [models.Index(fields=["recipient", "created_at"], name="notice_recipient_time")]

    def __str__(self):
        return self.key


class MessageTemplate(models.Model):
    """The bureau's own text for one purpose, channel and language. While active it replaces
    the file under templates/messages/ (appointments.texts, which checks and renders it)."""

    purpose = models.CharField(_("purpose"), max_length=40)
    channel = models.CharField(
        pgettext_lazy("message", "channel"), max_length=8, choices=NoticeChannel.choices
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    subject = models.CharField(_("subject"), max_length=200, blank=True, default="")
    body = models.TextField(_("text"))
    active = models.BooleanField(pgettext_lazy("message template", "active"), default=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["purpose", "channel", "language"]
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        constraints = [
            models.UniqueConstraint(
                fields=["purpose", "channel", "language"], name="one_message_template_per_text"
            )
        ]

    def __str__(self):
        return f"{self.purpose} · {self.channel} · {self.language}"


class PhoneCode(models.Model):
    """A 6-digit code sent by SMS to prove that the sender controls a phone (phone_codes).
    Only a salted HMAC of the code is kept; `tries` counts wrong and right guesses alike."""

    class Purpose(models.TextChoices):
        BOOKING = "booking", pgettext_lazy("phone code purpose", "Booking")
        COMPLAINT = "complaint", pgettext_lazy("phone code purpose", "Complaint")

    phone = models.CharField(_("mobile number"), max_length=11)
    purpose = models.CharField(_("purpose"), max_length=12, choices=Purpose.choices)
    salt = models.CharField(max_length=32)
    code_hash = models.CharField(max_length=64)
    tries = models.PositiveSmallIntegerField(_("tries"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("phone verification code")
        verbose_name_plural = _("phone verification codes")
        indexes = [
            models.Index(fields=["phone", "purpose", "-created_at"], name="phone_code_latest")
        ]

    def __str__(self):
        return f"{self.phone[:3]}****{self.phone[-4:]} {self.purpose}"
