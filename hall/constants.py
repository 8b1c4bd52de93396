from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class TicketStatus(models.TextChoices):
    WAITING = "waiting", pgettext_lazy("ticket", "Waiting")
    CALLED = "called", pgettext_lazy("ticket", "Called")
    SERVING = "serving", pgettext_lazy("ticket", "Being served")
    DONE = "done", pgettext_lazy("ticket", "Done")
    NO_SHOW = "no_show", pgettext_lazy("ticket", "No-show")
    CANCELLED = "cancelled", pgettext_lazy("ticket", "Cancelled")


class TicketAction(models.TextChoices):
    ISSUE = "issue", pgettext_lazy("ticket action", "Ticket issued")
    CALL = "call", pgettext_lazy("ticket action", "Called")
    RECALL = "recall", pgettext_lazy("ticket action", "Called again")
    NO_SHOW = "no-show", pgettext_lazy("ticket action", "No-show (过号)")
    TRANSFER = "transfer", pgettext_lazy("ticket action", "Transferred")
    START = "start", pgettext_lazy("ticket action", "Service started")
    FINISH = "finish", pgettext_lazy("ticket action", "Service finished")
    PRIORITY = "priority", pgettext_lazy("ticket action", "Marked as priority")
    CANCEL = "cancel", pgettext_lazy("ticket action", "Cancelled")


class PriorityReason(models.TextChoices):
    ELDERLY = "elderly", _("Older person")
    DISABILITY = "disability", _("Disability")
    PREGNANCY = "pregnancy", _("Pregnancy")
    OTHER = "other", pgettext_lazy("priority reason", "Other")


# Statuses in which a ticket is still in the hall (not finished one way or another).
ACTIVE_STATUSES = (TicketStatus.WAITING, TicketStatus.CALLED, TicketStatus.SERVING)
