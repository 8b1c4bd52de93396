"""Form fields shared by every app."""

import datetime as dt

import django_filters
from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

# The days the portal computes with. A date far outside (9999-12-31) is a typo or a probe, and
# one day after it no longer exists: it is refused with a message instead of answered with a 500.
FIRST_DAY = dt.date(1900, 1, 1)
LAST_DAY = dt.date(2199, 12, 31)


class DateField(forms.DateField):
    """A date between FIRST_DAY and LAST_DAY."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        message = _("Give a date between %(first)s and %(last)s.") % {
            "first": FIRST_DAY.isoformat(),
            "last": LAST_DAY.isoformat(),
        }
        self.validators += [
            MinValueValidator(FIRST_DAY, message=message),
            MaxValueValidator(LAST_DAY, message=message),
        ]


class DateFilter(django_filters.DateFilter):
    """django-filter's date filter with the portal's date range."""

    field_class = DateField
