"""django-axes' words, for its admin pages (access attempts, access logs, access failures).

axes has no Chinese catalog, so its admin would show English in the otherwise Chinese admin.
Its msgids are listed here, as axes writes them (axes/models.py, axes/admin.py; no context), so
that `makemessages` keeps them in the project's catalog (locale/, LOCALE_PATHS, searched before
every app's), where they are translated. Nothing imports this module: it is only read by
makemessages. Re-check the list when axes is upgraded.

Not listed: "Cleaned up {count} expired access attempts." (axes formats it before looking it
up, so no catalog can translate it).
"""

from django.utils.translation import gettext_noop

AXES_MSGIDS = [
    # axes/models.py: the models' names
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    # axes/models.py: the fields' names (the columns, the filters, the forms)
    gettext_noop("User Agent"),
    gettext_noop("IP Address"),
    gettext_noop("Username"),
    gettext_noop("HTTP Accept"),
    gettext_noop("Path"),
    gettext_noop("Attempt Time"),
    gettext_noop("Access lock out"),
    gettext_noop("GET Data"),
    gettext_noop("POST Data"),
    gettext_noop("Failed Logins"),
    gettext_noop("Access Attempt"),
    gettext_noop("Expires At"),
    gettext_noop("The time when access attempt expires and is no longer valid."),
    gettext_noop("Logout Time"),
    gettext_noop("Session key hash (sha256)"),
    # axes/admin.py: the filter, the form's sections, the action, the cells
    gettext_noop("Locked Out"),
    gettext_noop("Yes"),
    gettext_noop("No"),
    gettext_noop("Form Data"),
    gettext_noop("Meta Data"),
    gettext_noop("Clean up expired attempts"),
    gettext_noop("Not set"),
    gettext_noop("Attempt Remaining"),
]
