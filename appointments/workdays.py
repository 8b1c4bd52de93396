"""Working days on the official Chinese schedule (调休 included).

Three layers, the later winning day by day:
1. Monday to Friday;
2. the State Council schedule from the `chinesecalendar` package (years it has data for);
3. CalendarDay rows entered by the bureau (admin or spreadsheet import).

Deadlines are computed on every request (slots, case lists), so a year's calendar is built once
(one query) and kept by each process, keyed by a version held in the Django cache (Redis in
production) that changes whenever a CalendarDay is saved or deleted: an admin edit takes effect
at once in every process.
"""

import datetime as dt
import functools
import threading
import time
import uuid
from dataclasses import dataclass, field

import chinese_calendar
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from ipservice import dates

from .constants import CalendarSource, DayKind
from .models import CalendarDay

VERSION_KEY = "appointments:calendar:version"
# Bounds how stale a process can be if it never sees a version change (several processes
# without a shared cache, e.g. LocMemCache in development).
LOCAL_TTL_SECONDS = 60
# Years the package has data for (2004–2026 in chinesecalendar 1.11).
OFFICIAL_YEARS = range(min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year + 1)
_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class SpecialDay:
    """A day that differs from Monday–Friday: a weekday off, or a weekend day at work."""

    date: dt.date
    kind: str  # DayKind
    name: str
    name_en: str
    source: str  # CalendarSource.OFFICIAL or CalendarSource.BUREAU


@dataclass(frozen=True)
class YearCalendar:
    year: int
    source: str  # CalendarSource
    special: dict = field(default_factory=dict)  # date -> SpecialDay

    def is_working(self, day: dt.date) -> bool:
        special = self.special.get(day)
        if special is None:
            return day.weekday() < 5
        return special.kind == DayKind.WORKDAY

    def special_days(self) -> list[SpecialDay]:
        return [self.special[day] for day in sorted(self.special)]


# Building a year -----------------------------------------------------------------------------


def _differs_from_weekdays(day: dt.date, kind: str) -> bool:
    return (kind == DayKind.HOLIDAY) == (day.weekday() < 5)


@functools.lru_cache(maxsize=64)
def _official_special(year: int) -> tuple[SpecialDay, ...]:
    """The package's holidays on weekdays and working weekend days (调休) of `year`."""
    if year not in OFFICIAL_YEARS:
        return ()
    result = []
    for kind, table in (
        (DayKind.HOLIDAY, chinese_calendar.holidays),
        (DayKind.WORKDAY, chinese_calendar.workdays),
    ):
        for day, english in table.items():
            if day.year == year and _differs_from_weekdays(day, kind):
                chinese = chinese_calendar.Holiday(english).chinese
                result.append(SpecialDay(day, kind, chinese, english, CalendarSource.OFFICIAL))
    return tuple(result)


def _build_year(year: int) -> YearCalendar:
    """One query: the bureau's rows of the year, laid over the official schedule."""
    special = {item.date: item for item in _official_special(year)}
    rows = CalendarDay.objects.filter(date__year=year).values_list("date", "kind", "name")
    has_rows = False
    for day, kind, name in rows:
        has_rows = True
        # A row that agrees with Monday–Friday still wins: it cancels an official exception.
        special.pop(day, None)
        if _differs_from_weekdays(day, kind):
            special[day] = SpecialDay(day, kind, name, "", CalendarSource.BUREAU)
    if year in OFFICIAL_YEARS:
        source = CalendarSource.OFFICIAL
    else:
        source = CalendarSource.BUREAU if has_rows else CalendarSource.FALLBACK
    return YearCalendar(year, source, special)


# Cache -----------------------------------------------------------------------------------------


def _version():
    """The calendar's version in the Django cache, made by the first process to ask."""
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
        version = cache.get(VERSION_KEY)
    return version


def _new_version():
    cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)


@functools.lru_cache(maxsize=64)
def _kept_year(year, version, period):
    """The year as built under this `version` of the calendar, in this `period` of
    LOCAL_TTL_SECONDS: both only key the cache, so a new version or the next period builds it
    again (one query)."""
    return _build_year(year)


# Set while this thread's open transaction has written CalendarDay rows: they may still be rolled
# back, so until it ends the calendar is built from the database and kept nowhere.
_writes = threading.local()


def _in_writing_transaction():
    if not getattr(_writes, "pending", False):
        return False
    if transaction.get_autocommit():
        _writes.pending = False  # that transaction ended without committing (rolled back)
        return False
    return True


def clear_cache():
    """Forget every kept year, in this process and (through the version) in all others.

    CalendarDay signals call this; call it yourself after bulk_create/update(), which send none.
    """
    _new_version()
    _kept_year.cache_clear()
    _writes.pending = False


def _committed():
    _writes.pending = False
    _new_version()


@receiver(post_save, sender=CalendarDay, dispatch_uid="workdays-calendar-saved")
@receiver(post_delete, sender=CalendarDay, dispatch_uid="workdays-calendar-deleted")
def _calendar_changed(sender, **kwargs):
    _writes.pending = not transaction.get_autocommit()
    _new_version()
    # Again after commit: another process may have built the year from the old rows between the
    # first change of version and the commit.
    transaction.on_commit(_committed)


class _Snapshot:
    """The calendar as of one call: the version is read once, then each year at most once."""

    def __init__(self, version=None):
        self.version = None if _in_writing_transaction() else version or _version()
        self.period = int(time.monotonic() // LOCAL_TTL_SECONDS)
        self.years = {}

    def year(self, year: int) -> YearCalendar:
        calendar = self.years.get(year)
        if calendar is None:
            if self.version is None:
                calendar = _build_year(year)
            else:
                calendar = _kept_year(year, self.version, self.period)
            self.years[year] = calendar
        return calendar

    def is_working(self, day: dt.date) -> bool:
        return self.year(day.year).is_working(day)

    def next_working_after(self, day: dt.date) -> dt.date:
        day += _DAY
        while not self.is_working(day):
            day += _DAY
        return day

    def next_working_days(self, start: dt.date, count: int) -> list[dt.date]:
        """The first `count` working days on or after `start`."""
        _check_date(start)
        if count < 0:
            raise ValueError("count must not be negative")
        if count == 0:
            return []
        day = start if self.is_working(start) else self.next_working_after(start)
        days = [day]
        while len(days) < count:
            days.append(self.next_working_after(days[-1]))
        return days


# Public interface ------------------------------------------------------------------------------


def _check_date(value):
    # A datetime would silently use its UTC or local date depending on the caller; refuse it.
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise TypeError(f"expected a datetime.date, not {type(value).__name__}")
    return value


def is_working_day(day: dt.date) -> bool:
    return _Snapshot().is_working(_check_date(day))


def calendar_source(year: int) -> str:
    """ "official" (chinesecalendar), "bureau" (CalendarDay rows) or "fallback" (Mon–Fri)."""
    return _Snapshot().year(year).source


def year_calendar(year: int) -> YearCalendar:
    """The whole year: its source and the days that differ from Monday–Friday."""
    return _Snapshot().year(year)


def span_source(first: dt.date, last: dt.date) -> str:
    """The source of `last`'s year, or "fallback" if any year from `first` to `last` falls back."""
    first, last = min(first, last), max(first, last)
    snapshot = _Snapshot()
    sources = [snapshot.year(year).source for year in range(first.year, last.year + 1)]
    return CalendarSource.FALLBACK if CalendarSource.FALLBACK in sources else sources[-1]


def add_working_days(start: dt.date, n: int) -> dt.date:
    """The n-th working day after `start` (counting starts the next working day).

    "Within 3 working days from acceptance" on Thu 2026-09-24 ends Wed 2026-09-30: the 25th is
    Mid-autumn and the 26th/27th a weekend. n = 0 gives `start` itself.
    """
    _check_date(start)
    if n < 0:
        raise ValueError("n must not be negative")
    snapshot = _Snapshot()
    day = start
    for _ in range(n):
        day = snapshot.next_working_after(day)
    return day


def add_working_hours(start: dt.datetime, hours: int) -> dt.datetime:
    """`hours` working hours (工作小时) after `start`: the clock runs only on working days
    (调休 makeup days count, rest days and public holidays do not), midnight to midnight in
    Shanghai. A start on a rest day counts from the next working day's midnight; a limit that
    ends exactly at midnight ends with its working day. Fri 15:00 + 24 = Mon 15:00 on an ordinary
    week; Wed 2026-09-30 15:00 + 24 = Thu 2026-10-08 15:00 (after the National Day holiday)."""
    remaining = dt.timedelta(hours=hours)
    calendar = _Snapshot()  # one version of the calendar for the whole count
    day = dates.local_day(start)
    if not calendar.is_working(day):
        day = calendar.next_working_after(day)
        start = dates.day_bounds(day)[0]
    while True:
        end_of_day = dates.day_bounds(day)[1]
        if start + remaining <= end_of_day:
            return start + remaining
        remaining -= end_of_day - start
        day = calendar.next_working_after(day)
        start = dates.day_bounds(day)[0]


def _weekdays_between(first: dt.date, last: dt.date) -> int:
    """Mondays to Fridays from `first` to `last`, both included."""
    full_weeks, rest = divmod((last - first).days + 1, 7)
    start = first.weekday()
    return full_weeks * 5 + sum(1 for i in range(rest) if (start + i) % 7 < 5)


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (negative when end < start)."""
    _check_date(start)
    _check_date(end)
    if end < start:
        return -working_days_between(end, start)
    snapshot = _Snapshot()
    total = 0
    first = start + _DAY
    # Year by year: count Mon–Fri by arithmetic, then correct for the year's special days.
    while first <= end:
        last = min(end, dt.date(first.year, 12, 31))
        total += _weekdays_between(first, last)
        for day, special in snapshot.year(first.year).special.items():
            if first <= day <= last:
                total += 1 if special.kind == DayKind.WORKDAY else -1
        first = last + _DAY
    return total


def next_working_days(start: dt.date, count: int) -> list[dt.date]:
    """The first `count` working days on or after `start`."""
    return snapshot().next_working_days(start, count)


def snapshot(version=None):
    """The calendar as of now, for several questions at one version read (the slots API asks
    whether a day works and where the booking horizon ends). `version`: the value of VERSION_KEY
    when the caller read it already (with its own keys, in one cache round trip)."""
    return _Snapshot(version)
