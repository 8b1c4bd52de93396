"""The window's day in the hall: counters, the clerks signed in to them, queue tickets and
their events (docs/architecture.md, "What each app owns", hall)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .constants import PriorityReason, TicketAction, TicketStatus


class CounterQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)


class Counter(models.Model):
    """One counter (柜台) of a window. With no items chosen it handles every item the window
    offers."""

    window = models.ForeignKey(
        "windows.ServicePoint",
        verbose_name=_("window"),
        on_delete=models.CASCADE,
        related_name="hall_counters",
    )
    number = models.PositiveSmallIntegerField(pgettext_lazy("counter", "number"))
    label = models.CharField(pgettext_lazy("counter", "label"), max_length=40, blank=True)
    active = models.BooleanField(pgettext_lazy("counter", "active"), default=True)
    items = models.ManyToManyField(
        "catalog.ServiceItem",
        verbose_name=_("items handled"),
        blank=True,
        related_name="+",
        help_text=_("Leave empty for every item the window offers."),
    )
    # Changing it signs every pad of this counter out (hall.pads).
    pad_key = models.CharField(_("pad key"), max_length=32, blank=True, default="")
    is_demo = models.BooleanField(_("demo record"), default=False)

    objects = CounterQuerySet.as_manager()

    class Meta:
        ordering = ["window", "number"]
        verbose_name = _("counter")
        verbose_name_plural = pgettext_lazy("hall", "counters")
        constraints = [
            models.UniqueConstraint(fields=["window", "number"], name="unique_counter_number")
        ]

    def __str__(self):
        return self.label or str(_("Counter %(number)s") % {"number": self.number})


class CounterSession(models.Model):
    """A clerk at a counter for (part of) a day: one open session per clerk and per counter."""

    counter = models.ForeignKey(Counter, on_delete=models.CASCADE, related_name="sessions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="counter_sessions"
    )
    day = models.DateField(_("day"))
    signed_in_at = models.DateTimeField(_("signed in at"), default=timezone.now)
    signed_out_at = models.DateTimeField(_("signed out at"), null=True, blank=True)

    class Meta:
        ordering = ["-signed_in_at"]
        verbose_name = _("counter session")
        verbose_name_plural = _("counter sessions")
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(signed_out_at__isnull=True),
                name="one_counter_per_clerk",
            ),
            models.UniqueConstraint(
                fields=["counter"],
                condition=Q(signed_out_at__isnull=True),
                name="one_clerk_per_counter",
            ),
        ]

    def __str__(self):
        return f"{self.user} @ {self.counter_id} {self.day}"


class Ticket(models.Model):
    """A queue ticket (号): numbered per window, day and group, e.g. A012."""

    window = models.ForeignKey(
        "windows.ServicePoint",
        verbose_name=_("window"),
        on_delete=models.CASCADE,
        related_name="tickets",
    )
    day = models.DateField(_("day"))
    group = models.CharField(pgettext_lazy("ticket", "group"), max_length=1)
    sequence = models.PositiveIntegerField(_("sequence"))
    item = models.ForeignKey(
        "catalog.ServiceItem", verbose_name=_("item"), on_delete=models.PROTECT, related_name="+"
    )
    case = models.ForeignKey(
        "appointments.Case",
        verbose_name=_("case"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
    )
    booked = models.BooleanField(_("came with a booking"), default=False)
    phone = models.CharField(_("mobile number"), max_length=11, blank=True, default="")
    priority = models.BooleanField(_("priority"), default=False)
    priority_reason = models.CharField(
        _("priority reason"), max_length=12, choices=PriorityReason.choices, blank=True, default=""
    )
    # The ordering class from hall.ordering.rank: call-next sorts by (rank, issued_at, id).
    rank = models.PositiveSmallIntegerField(_("rank"))
    status = models.CharField(
        _("status"), max_length=10, choices=TicketStatus.choices, default=TicketStatus.WAITING
    )
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    called_at = models.DateTimeField(_("called at"), null=True, blank=True)
    started_at = models.DateTimeField(_("service started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    counter = models.ForeignKey(
        Counter,
        verbose_name=_("counter"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
    )
    # Set by a transfer to a counter: only that counter calls the ticket.
    reserved_for = models.ForeignKey(
        Counter,
        verbose_name=_("transferred to"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    recalls = models.PositiveSmallIntegerField(_("recalls"), default=0)
    served_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("served by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    near_notice_sent = models.BooleanField(_("turn-near SMS sent"), default=False)
    is_demo = models.BooleanField(_("demo record"), default=False)

    class Meta:
        ordering = ["day", "rank", "issued_at", "id"]
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        constraints = [
            models.UniqueConstraint(
                fields=["window", "day", "group", "sequence"], name="unique_ticket_number"
            )
        ]
        indexes = [
            models.Index(fields=["window", "day", "status"]),
            # Call-next walks the waiting tickets in the order of hall.ordering.ORDER_BY and
            # stops at the first one it may lock: no sort of the whole queue per call.
            models.Index(
                fields=["window", "day", "rank", "issued_at", "id"],
                condition=Q(status="waiting"),
                name="ticket_waiting_order",
            ),
            # The statistics of one year select by it (reviews.stats, hall.stats).
            models.Index(fields=["issued_at"]),
        ]

    def __str__(self):
        return self.number

    @property
    def number(self):
        return f"{self.group}{self.sequence:03d}"


class TicketEvent(models.Model):
    """One step of a ticket: issued, called, recalled, transferred, started, finished…"""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("at"), default=timezone.now)
    action = models.CharField(_("action"), max_length=10, choices=TicketAction.choices)
    from_status = models.CharField(
        _("from"), max_length=10, choices=TicketStatus.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=10, choices=TicketStatus.choices)
    counter = models.ForeignKey(
        Counter,
        verbose_name=_("counter"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=200, blank=True, default="")

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")

    def __str__(self):
        return f"{self.ticket_id} {self.action}"
