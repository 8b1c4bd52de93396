from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppointmentsConfig(AppConfig):
    name = "appointments"
    verbose_name = _("Appointments and cases")

    def ready(self):
        # Connects the receivers that forget cached values when their rows change: workdays the
        # calendar (the bureau's holidays), slots the days of a window (the window, its hours,
        # its items), cached_rows the window and the item a booking names.
        from . import cached_rows, slots, workdays  # noqa: F401
