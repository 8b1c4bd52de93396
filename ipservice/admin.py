"""django-axes' access attempts in the admin, with every column named in the admin's language.

axes' AccessAttemptAdmin shows a column of its own, `status` (the attempts left, or locked out),
whose header Django derives from the method's name ("Status"), never translated. The same admin,
re-registered with that column labelled; the rest of axes' words are in the project's catalog
(ipservice/axes_labels.py). Loaded by the admin's autodiscovery, after axes' admin (axes comes
first in INSTALLED_APPS); nothing changes when AXES_ENABLE_ADMIN is off.
"""

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin
from django.utils.translation import gettext_lazy as _


class LabelledAccessAttemptAdmin(AccessAttemptAdmin):
    @admin.display(description=_("Status"))
    def status(self, obj):
        return super().status(obj)


if admin.site.is_registered(AccessAttempt):
    admin.site.unregister(AccessAttempt)
    admin.site.register(AccessAttempt, LabelledAccessAttemptAdmin)
