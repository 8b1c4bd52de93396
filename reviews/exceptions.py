"""Refusals of the 好差评 rules. Each carries a stable `code` for programs and a Chinese
(translatable) message for people; the API maps them to 403 or 409."""

from django.utils.translation import gettext_lazy

from ipservice.exceptions import ServiceError


class FeedbackError(ServiceError):
    """A refusal of the rating, rectification, appeal or complaint rules."""


class RatingRefused(FeedbackError):
    """Codes: bad_token, expired_token, not_completed, already_rated, wrong_channel."""


class StepRefused(FeedbackError):
    """A rectification or complaint step out of order, or on a closed record."""

    code = "wrong_step"
    default_message = gettext_lazy("This step is not possible at this stage.")


class AppealRefused(FeedbackError):
    """Codes: not_bad, already_appealed, already_decided."""
