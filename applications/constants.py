from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Status(models.TextChoices):
    PREREVIEW = "prereview", _("Waiting for pre-review")
    CORRECTION = "correction", _("Corrections asked")
    ACCEPTED = "accepted", pgettext_lazy("application", "Accepted")
    REJECTED = "rejected", pgettext_lazy("application", "Rejected")
    SENT = "sent", _("Result sent by post")
    DONE = "done", pgettext_lazy("application", "Done")


class Action(models.TextChoices):
    """What happens to an application; each is one entry of its timeline."""

    SUBMIT = "submit", _("Submitted")
    RETURN = "return", _("Returned for correction")
    RESUBMIT = "resubmit", _("Corrections uploaded")
    ACCEPT = "accept", pgettext_lazy("application action", "Accepted")
    ACCEPT_PENDING = "accept-pending", _("Accepted on commitment (告知承诺)")
    REJECT = "reject", pgettext_lazy("application action", "Rejected")
    PROMISED = "promised", _("Promised materials uploaded")
    SHIP = "ship", _("Sent by post")
    COMPLETE = "complete", _("Completed")
    PURGE = "purge", _("Files deleted after the retention period")


class Delivery(models.TextChoices):
    WINDOW = "window", _("Pick up at the window")
    POST = "post", _("By post")


class Review(models.TextChoices):
    PENDING = "pending", _("Not reviewed yet")
    FINE = "fine", _("Fine")
    CORRECT = "correct", _("To be corrected")


class LimitUnit(models.TextChoices):
    # 工作小时: hours counted on working days only (appointments.workdays.add_working_hours).
    HOURS = "hours", pgettext_lazy("limit unit", "Working hours")
    WORKING_DAYS = "working_days", _("Working days")


# Statuses in which the clerk has to act on the pre-review.
WAITING = (Status.PREREVIEW,)
# Statuses in which the files may still be needed (retention starts after these).
OPEN = (Status.PREREVIEW, Status.CORRECTION, Status.ACCEPTED, Status.SENT)
