"""Refusals of the application rules: a stable `code` and a translatable message; the API
answers them 409."""

from django.utils.translation import gettext_lazy as _

from ipservice.exceptions import ServiceError


class ApplicationError(ServiceError):
    pass


class WrongState(ApplicationError):
    code = "wrong_state"
    default_message = _("This action is not possible in the application's current state.")
