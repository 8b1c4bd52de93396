from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = _("Reviews (好差评)")

    def ready(self):
        # Reviews builds on appointments, never the other way: a completed case announces itself
        # and reviews invites the person served to rate it.
        from appointments.signals import case_completed

        from .receivers import invite_to_rate

        case_completed.connect(invite_to_rate, dispatch_uid="reviews.invite_to_rate")
