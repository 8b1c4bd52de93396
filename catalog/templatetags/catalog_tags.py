from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ipservice.localization import is_english

register = template.Library()


@register.filter
def working_days(days):
    """'7 working days', or 'not set' where no source gives a limit."""
    if days is None:
        return _("not set")
    return ngettext("%(days)d working day", "%(days)d working days", days) % {"days": days}


@register.filter
def enumerate_names(names):
    """Join for reading: 窗口、网上 in Chinese, "At the window, Online" in English."""
    separator = ", " if is_english() else "、"
    return separator.join(str(name) for name in names)
