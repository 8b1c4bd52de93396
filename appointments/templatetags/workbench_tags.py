from django import template

from .. import cases

register = template.Library()


@register.filter
def registers_cases(user):
    """Whether `user` may register walk-in, mail or online cases (a membership of an active
    window): the bureau without one is not offered a link that only leads to a refusal. The
    layout asks only for the bureau (window staff have their window: no query)."""
    return cases.handling_windows(user).exists()
