"""Slots: the bookable periods of a window, made from its weekly opening hours (DESIGN §3).

Slot rows are materialised lazily, one window and day at a time, the first time someone looks at
that day. A few queries per call whatever the number of slots: read the opening periods, read the
day's rows, and only when some are missing, one bulk insert and one re-read.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Prefetch, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from windows.models import OpeningPeriod

from . import workdays
from .exceptions import SlotUnavailable
from .models import Slot

WORKING_WEEKDAYS = range(5)


@dataclass(frozen=True)
class Period:
    start: dt.datetime
    end: dt.datetime


def cutoff():
    return dt.timedelta(minutes=settings.BOOKING_CUTOFF_MINUTES)


def local_day_bounds(day):
    """[midnight, next midnight) of `day` in Asia/Shanghai, as aware datetimes."""
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return start, start + dt.timedelta(days=1)


def _periods_of(window):
    # Fetched once per window instance (a form, the service and the view share one per request).
    if "opening_periods" not in getattr(window, "_prefetched_objects_cache", {}):
        prefetch_related_objects([window], "opening_periods")
    return list(window.opening_periods.all())


def _hours_weekday(day, periods):
    """The weekday whose opening hours apply on `day` (a working day).

    An adjusted working day (调休) falls on a Saturday or Sunday and officially replaces some
    weekday, but which one is not published in a form we can rely on; windows keep Monday–Friday
    hours, so the hours of the first weekday (normally Monday) that has any are used.
    """
    if day.weekday() in WORKING_WEEKDAYS:
        return day.weekday()
    open_days = {p.weekday for p in periods}
    return next((d for d in WORKING_WEEKDAYS if d in open_days), None)


def day_periods(window, day, periods=None):
    """The slot times of `day` from the opening hours, without touching Slot rows.

    Each opening period is cut into slots of `window.slot_minutes`; a leftover shorter than one
    slot gives none, and the gap between periods (a lunch break) gives none. Non-working days
    have none.
    """
    if not workdays.is_working_day(day):
        return []
    periods = _periods_of(window) if periods is None else periods
    weekday = _hours_weekday(day, periods)
    length = dt.timedelta(minutes=window.slot_minutes)
    result = []
    for period in sorted((p for p in periods if p.weekday == weekday), key=lambda p: p.start):
        start = timezone.make_aware(dt.datetime.combine(day, period.start))
        close = timezone.make_aware(dt.datetime.combine(day, period.end))
        while start + length <= close:
            result.append(Period(start, start + length))
            start += length
    return result


def day_slots(window, day):
    """The Slot rows of `window` on `day` in time order, creating the missing ones."""
    wanted = day_periods(window, day)
    if not wanted:
        return []
    existing = _read_day(window, day)
    missing = [p for p in wanted if p.start not in existing]
    if missing:
        # Two visitors may create the same day at once: the unique (window, start) constraint
        # and ignore_conflicts make the loser's insert a no-op, and the re-read sees both.
        Slot.objects.bulk_create(
            [
                Slot(window=window, start=p.start, end=p.end, capacity=window.capacity)
                for p in missing
            ],
            ignore_conflicts=True,
        )
        existing = _read_day(window, day)
    _follow_capacity(window, existing.values())
    return [existing[p.start] for p in wanted if p.start in existing]


def _read_day(window, day):
    start, end = local_day_bounds(day)
    rows = Slot.objects.filter(window=window, start__gte=start, start__lt=end)
    for slot in rows:
        slot.window = window  # no query when the caller reads slot.window
    return {slot.start: slot for slot in rows}


def _follow_capacity(window, slots):
    """When the window's counters change, its slots follow, except below what is booked."""
    stale = [s for s in slots if s.capacity != window.capacity and s.booked <= window.capacity]
    if not stale:
        return
    Slot.objects.filter(pk__in=[s.pk for s in stale], booked__lte=window.capacity).update(
        capacity=window.capacity
    )
    for slot in stale:
        slot.capacity = window.capacity


def find_slot(window, start):
    """The slot of `window` starting at `start` (an aware datetime), or None."""
    day = timezone.localtime(start).date()
    return next((slot for slot in day_slots(window, day) if slot.start == start), None)


# Horizon and cut-off --------------------------------------------------------------------------


def horizon_days(window, today):
    """The working days after today that can be booked: the next `horizon_days` of them.

    Counting working days, not calendar days, so a long holiday (National Day) never leaves
    people with nothing to book.
    """
    return workdays.next_working_days(today + dt.timedelta(days=1), window.horizon_days)


def last_bookable_day(window, today):
    return horizon_days(window, today)[-1]


def bookable_days(window, today=None, *, now=None):
    """Days that can be booked: today while slots remain after the cut-off, then the horizon."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    days = horizon_days(window, today)
    remaining = [p for p in day_periods(window, today) if p.start - cutoff() >= now]
    return [today, *days] if remaining else days


def check_bookable(slot, now=None):
    """Raise SlotUnavailable, saying why, unless `slot` can be booked at `now`: it starts after
    the cut-off, within the horizon, on a day that is (still) a working day and within the
    window's (current) opening hours."""
    now = now or timezone.now()
    if slot.start <= now:
        raise SlotUnavailable(_("This time has already passed. Please choose a later time."))
    if slot.start - cutoff() < now:
        raise SlotUnavailable(
            _("Bookings close %(minutes)d minutes before the start. Please choose a later time.")
            % {"minutes": settings.BOOKING_CUTOFF_MINUTES}
        )
    day = timezone.localtime(slot.start).date()
    if day > last_bookable_day(slot.window, timezone.localdate(now)):
        raise SlotUnavailable(
            _("Bookings are open for the next %(days)d working days only.")
            % {"days": slot.window.horizon_days}
        )
    if not any(p.start == slot.start for p in day_periods(slot.window, day)):
        raise SlotUnavailable(_("The window is not open at this time."))


def is_bookable(slot, now=None):
    try:
        check_bookable(slot, now)
    except SlotUnavailable:
        return False
    return True


def prefetch_hours(queryset):
    """Windows with their opening periods in one extra query, for day_periods/day_slots."""
    return queryset.prefetch_related(
        Prefetch("opening_periods", queryset=OpeningPeriod.objects.order_by("weekday", "start"))
    )
