"""Whether a window is open now, when it opens next, and its next free slot: what the window's
public page shows (windows/detail.html, through the template library `window_status`: the
windows app never imports appointments; docs/architecture.md, "Layers").

Open means a working day by the official calendar (调休 included: an adjusted Saturday opens
with the weekday hours of slots.hours_weekday) and a time inside one of the day's opening
periods. The next free slot is the first slot with a place left that can still be booked
(slots.bookable_days and window_day: the same rule and cache as the booking pages)."""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from ipservice import dates

from . import slots, workdays

# How far ahead to look for the next opening (a long holiday, then a weekend, fits).
OPENING_SEARCH_DAYS = 31


@dataclass(frozen=True)
class WindowStatus:
    is_open: bool
    closes_at: dt.datetime | None  # while open: the end of the current period
    next_opening: dt.datetime | None  # while closed: the start of the next period
    working_day: bool  # today, by the official calendar
    adjusted: bool  # today is a weekend day made a working day (调休)
    holiday: bool  # today is a weekday made a holiday
    next_slot: slots.DaySlot | None


def opening_periods(window, day, periods):
    """(start, end) of each opening period of `window` on `day`, none on a day off."""
    if not workdays.is_working_day(day):
        return []
    weekday = slots.hours_weekday(day, periods)
    return sorted(
        (
            timezone.make_aware(dt.datetime.combine(day, p.start)),
            timezone.make_aware(dt.datetime.combine(day, p.end)),
        )
        for p in periods
        if p.weekday == weekday
    )


def next_free_slot(window, now):
    for day in slots.bookable_days(window, dates.local_day(now), now=now):
        window_day = slots.window_day(window.pk, day, now=now)
        if window_day is None:
            return None
        for slot in window_day.slots:
            if window_day.can_book(slot, now) and slot.available:
                return slot
    return None


def window_status(window, now=None):
    now = now or timezone.now()
    today = dates.local_day(now)
    periods = list(window.opening_periods.all())  # prefetched by the window page
    closes_at = next_opening = None
    for day in (today + dt.timedelta(days=n) for n in range(OPENING_SEARCH_DAYS)):
        for start, end in opening_periods(window, day, periods):
            if start <= now < end:
                closes_at = end
                break
            if start > now:
                next_opening = start
                break
        if closes_at or next_opening:
            break
    working = workdays.is_working_day(today)
    weekend = today.weekday() >= 5
    return WindowStatus(
        is_open=closes_at is not None,
        closes_at=closes_at,
        next_opening=None if closes_at else next_opening,
        working_day=working,
        adjusted=working and weekend,
        holiday=not working and not weekend,
        next_slot=next_free_slot(window, now),
    )
