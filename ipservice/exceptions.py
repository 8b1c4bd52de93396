"""The refusal every app's rules raise: a stable `code` for programs and a (translatable)
message for people. Each app subclasses it (appointments.exceptions, reviews.exceptions) and its
API maps the codes to status codes."""

from django.utils.translation import gettext_lazy as _


class ServiceError(Exception):
    code = "refused"
    default_message = _("The request was refused.")

    def __init__(self, message=None, code=None):
        self.message = message or self.default_message
        if code:
            self.code = code
        super().__init__(str(self.message))
