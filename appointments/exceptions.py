"""Refusals of the booking and case rules. Each carries a stable `code` for programs and a
Chinese (translatable) message for people; the API maps them to 409 or 400."""

from django.utils.translation import gettext_lazy as _

from ipservice.exceptions import ServiceError


class AppointmentError(ServiceError):
    """A refusal of the booking and case rules."""


class SlotFull(AppointmentError):
    code = "slot_full"
    default_message = _("This time slot is full. Please choose another.")


class SlotUnavailable(AppointmentError):
    """The slot does not exist, is in the past, is within the cut-off, or beyond the horizon."""

    code = "slot_unavailable"
    default_message = _("This time slot cannot be booked.")


class BookingRefused(AppointmentError):
    """A fair-booking rule refused the booking (limits, suspension after no-shows)."""

    code = "booking_refused"


class TransitionNotAllowed(AppointmentError):
    code = "wrong_state"
    default_message = _("This action is not possible in the case's current state.")
