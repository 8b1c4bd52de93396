from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppointmentsConfig(AppConfig):
    name = "appointments"
    verbose_name = _("Appointments and cases")

    def ready(self):
        # Connects the signals that invalidate the cached calendar when the bureau edits it.
        from . import slots, workdays  # noqa: F401

        # slots: the signals that drop cached day boards when a window, its hours or items change.
