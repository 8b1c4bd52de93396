from django.db import models
from django.utils.translation import gettext_lazy as _


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Holiday (no work)")
    WORKDAY = "workday", _("Adjusted working day")


class CalendarSource(models.TextChoices):
    """Where a year's working days come from, shown to staff and in the API."""

    OFFICIAL = "official", _("Official schedule")
    BUREAU = "bureau", _("Entered by the bureau")
    FALLBACK = "fallback", _("Monday to Friday (no official schedule yet)")


class Channel(models.TextChoices):
    BOOKING = "booking", _("Online booking")
    WALK_IN = "walk_in", _("Walk-in")
    MAIL = "mail", _("Mail")
    ONLINE = "online", _("Online submission")


class Status(models.TextChoices):
    BOOKED = "booked", _("Booked")
    CHECKED_IN = "checked_in", _("Checked in")
    ACCEPTED = "accepted", _("Accepted")
    PENDING = "pending", _("Accepted pending materials")
    REJECTED = "rejected", _("Rejected")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("No-show")


class Action(models.TextChoices):
    """What a staff member (or the person, or the system) does to a case."""

    CREATE = "create", _("Created")
    CHECK_IN = "check-in", _("Checked in")
    ACCEPT = "accept", _("Accepted")
    ACCEPT_PENDING = "accept-pending", _("Accepted pending materials")
    REJECT = "reject", _("Rejected")
    COMPLETE = "complete", _("Completed")
    CANCEL = "cancel", _("Cancelled")
    RESCHEDULE = "reschedule", _("Rescheduled")
    NO_SHOW = "no-show", _("Marked as no-show")
    # A step of the case's queue ticket (hall): issued, called, started, finished…
    QUEUE = "queue", _("Queue ticket")


class IdType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("Resident identity card")
    USCC = "uscc", _("Unified social credit code")
    OTHER = "other", _("Passport or other document")


# Statuses in which a case is still open at the window.
OPEN_STATUSES = (Status.BOOKED, Status.CHECKED_IN, Status.ACCEPTED, Status.PENDING)
# Statuses whose deadline runs (counted from acceptance).
RUNNING_STATUSES = (Status.ACCEPTED, Status.PENDING)


class NoticeChannel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")


class NoticeStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


# The django-ratelimit group of booking requests: the pages and the API count them together
# against BOOKING_RATE_LIMIT, per client address.
BOOKING_RATE_GROUP = "appointments.booking"
