"""Refusals of the hall's rules; the API answers each with 409 and its `code`."""

from django.utils.translation import gettext_lazy as _

from ipservice.exceptions import ServiceError


class HallError(ServiceError):
    """A refusal of the queue rules."""


class QuotaUsed(HallError):
    code = "quota_used"
    default_message = _("Today's walk-in tickets are all given out. Please book online.")


class AdmissionClosed(HallError):
    code = "admission_closed"
    default_message = _("No more tickets today: the window has stopped admitting people.")


class WrongState(HallError):
    code = "wrong_state"
    default_message = _("This action is not possible in the ticket's current state.")


class CounterBusy(HallError):
    """Call-next while the counter still has a ticket in front of it (called or being served)."""

    code = "counter_busy"
    default_message = _(
        "A ticket is still at this counter. Start or finish it, mark it as a no-show or "
        "transfer it before calling the next."
    )


class RecallLimit(HallError):
    code = "recall_limit"
    default_message = _("This ticket has been called again as often as allowed.")


class CounterTaken(HallError):
    code = "counter_taken"
    default_message = _("Another clerk is signed in to this counter.")


class AlreadySignedIn(HallError):
    code = "already_signed_in"
    default_message = _("You are signed in to another counter. Sign out there first.")


class NotSignedIn(HallError):
    code = "not_signed_in"
    default_message = _("Sign in to this counter first.")
