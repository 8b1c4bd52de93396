from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppointmentsConfig(AppConfig):
    name = "appointments"
    verbose_name = _("Appointments and cases")

    def ready(self):
        # Connects the signals that invalidate the cached calendar when the bureau edits it.
        from . import workdays  # noqa: F401
