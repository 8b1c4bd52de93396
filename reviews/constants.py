from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Score(models.IntegerChoices):
    """The five levels of the national 好差评 system; 2 and 1 are 差评."""

    VERY_SATISFIED = 5, _("Very satisfied")
    SATISFIED = 4, _("Satisfied")
    BASICALLY_SATISFIED = 3, _("Basically satisfied")
    DISSATISFIED = 2, _("Dissatisfied")
    VERY_DISSATISFIED = 1, _("Very dissatisfied")


BAD_SCORES = (Score.DISSATISFIED, Score.VERY_DISSATISFIED)
GOOD_SCORES = (Score.VERY_SATISFIED, Score.SATISFIED)


class RatingChannel(models.TextChoices):
    LINK = "link", _("Private link")
    PAD = "pad", _("Pad at the window")
    HOTLINE = "hotline", _("Hotline")


class RectificationStatus(models.TextChoices):
    OPEN = "open", _("Awaiting follow-up")
    FOLLOWED_UP = "followed_up", _("Followed up")
    VERIFIED = "verified", _("Verified")
    RECTIFIED = "rectified", _("Rectified")
    CLOSED = "closed", _("Replied and closed")


class StepKind(models.TextChoices):
    FOLLOW_UP = "follow_up", _("Follow-up (回访)")
    VERIFY = "verify", _("Verification (核实)")
    RECTIFY = "rectify", _("Rectification (整改)")
    REPLY = "reply", _("Reply (反馈)")
    NOTE = "note", _("Note")


class AppealDecision(models.TextChoices):
    PENDING = "pending", _("Pending review")
    UPHELD = "upheld", _("Upheld: rating excluded")
    DISMISSED = "dismissed", _("Dismissed: rating stands")


class ComplaintStatus(models.TextChoices):
    RECEIVED = "received", pgettext_lazy("complaint status", "Received")
    IN_PROGRESS = "in_progress", _("In progress")
    CLOSED = "closed", _("Replied and closed")


class ReportStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", pgettext_lazy("report status", "Failed")


# How staff reached the person (回访/反馈); Step.method stores the code.
CONTACT_METHODS = (
    ("phone", _("Phone call")),
    ("sms", _("SMS")),
    ("in_person", _("In person")),
    ("email", _("Email")),
    ("letter", _("Letter")),
)
CONTACT_METHOD_LABELS = dict(CONTACT_METHODS)
