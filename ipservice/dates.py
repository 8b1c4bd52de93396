"""What day it is for the portal: Shanghai's date (TIME_ZONE), whatever the server's clock zone.

Every "today" of the rules (an acceptance date, a due date, what is overdue) comes from here.
"""

import datetime as dt

from django.utils import timezone


def today():
    """Today in Shanghai."""
    return timezone.localdate(timezone=timezone.get_default_timezone())


def local_day(moment):
    """The Shanghai date of an aware datetime (they are stored in UTC)."""
    return timezone.localdate(moment, timezone=timezone.get_default_timezone())


def day_bounds(day):
    """[midnight, next midnight) of `day` in Shanghai, as aware datetimes: the range filter of a
    day on a stored moment."""
    start = dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_default_timezone())
    return start, start + dt.timedelta(days=1)
