"""What day it is for the portal: Shanghai's date (TIME_ZONE), whatever the server's clock zone.

Every "today" of the rules (an acceptance date, a due date, what is overdue) comes from here.
"""

from django.utils import timezone


def today():
    """Today in Shanghai."""
    return timezone.localdate(timezone=timezone.get_default_timezone())


def local_day(moment):
    """The Shanghai date of an aware datetime (they are stored in UTC)."""
    return timezone.localdate(moment, timezone=timezone.get_default_timezone())
