"""`{% window_status point as status %}` on the window page (windows/detail.html): the window
app's page asks appointments without importing it."""

from django import template

from .. import window_status as status

register = template.Library()


@register.simple_tag
def window_status(window):
    return status.window_status(window)
