"""Slots: the bookable periods of a window, made from its weekly opening hours, and the one rule
that says what can be booked (`WindowDay.refusal`).

Slot rows are made lazily, one window and day at a time, the first time someone looks at that
day: the day's rows are read, and only when some are missing, bulk inserted and read again.

Caching. The slots API and every booking read a day of a window, many times a second at a busy
window, so what they need of it is kept in the Django cache as plain data, under two keys per
window and day: what the day is (DAY_KEY: the window's facts and the day's slots, their ids,
times and capacity) and the places taken in it (PLACES_KEY). The writes that change them delete
them when their transaction commits: a place claimed or given back, or a no-show, the places
(`places_changed`); rows made or following the window's capacity, both (`day_changed`); any
change of the window, its opening hours or the items it offers, every day of it
(`window_changed`, called by the signals at the end). Two keys, because a booking needs only
what the day is: with one value, which every booking deleted, the next booking of the day read
the day again (four queries) — in the bench, with bookings spread over a month, almost every one.
The working-day calendar is asked each time (workdays keeps it, its version read in the same
cache round trip); a value made when the day's status was different is made again.
A read that raced a commit may keep what it read, for DAY_SECONDS (what the day is: it changes
only with the window) or PLACES_SECONDS at most: what the cache shows
never guards capacity, the claim does (services.claim_place). Inside a transaction nothing is
read from or written to the cache: the transaction sees its own uncommitted changes and may
still roll them back.
"""

import datetime as dt
from dataclasses import dataclass
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Prefetch
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import ServiceItem
from ipservice import dates
from windows.models import OpeningPeriod, ServicePoint

from . import workdays
from .exceptions import SlotUnavailable
from .models import Slot

WORKING_WEEKDAYS = range(5)

DAY_KEY = "appointments:slots:{window_id}:{day:%Y-%m-%d}"
PLACES_KEY = "appointments:slots:{window_id}:{day:%Y-%m-%d}:places"
DAY_SECONDS = 60
PLACES_SECONDS = 10
# Values are kept for the days from today to CACHED_DAYS after it, and a change of a window
# forgets all of these: more than the longest booking horizon (60 working days) can reach.
CACHED_DAYS = 120


@dataclass(frozen=True)
class Period:
    start: dt.datetime
    end: dt.datetime


class DaySlot(NamedTuple):
    """A slot row as read. `booked` is None when the places were not read (a booking's check:
    the claim decides whether there is room)."""

    id: int
    window_id: int
    start: dt.datetime
    end: dt.datetime
    capacity: int
    booked: int

    @property
    def pk(self):
        return self.id

    @property
    def available(self):
        return None if self.booked is None else max(self.capacity - self.booked, 0)


def cutoff():
    return dt.timedelta(minutes=settings.BOOKING_CUTOFF_MINUTES)


def bookable_from(now):
    """The earliest start that can still be booked at `now` (the cut-off before a slot)."""
    return now + cutoff()


def _periods_of(window):
    # From the prefetch when the caller made one (prefetch_hours), else one query.
    return list(window.opening_periods.all())


def hours_weekday(day, periods):
    """The weekday whose opening hours apply on `day` (a working day).

    An adjusted working day (调休) falls on a Saturday or Sunday and officially replaces some
    weekday, but which one is not published in a form we can rely on; windows keep Monday–Friday
    hours, so the hours of the first weekday (normally Monday) that has any are used.
    """
    if day.weekday() in WORKING_WEEKDAYS:
        return day.weekday()
    open_days = {p.weekday for p in periods}
    return next((d for d in WORKING_WEEKDAYS if d in open_days), None)


def _cut(day, periods, slot_minutes):
    weekday = hours_weekday(day, periods)
    length = dt.timedelta(minutes=slot_minutes)
    result = []
    for period in sorted((p for p in periods if p.weekday == weekday), key=lambda p: p.start):
        start = timezone.make_aware(dt.datetime.combine(day, period.start))
        close = timezone.make_aware(dt.datetime.combine(day, period.end))
        while start + length <= close:
            result.append(Period(start, start + length))
            start += length
    return result


def day_periods(window, day, periods=None, *, working=None):
    """The slot times of `day` from the opening hours, without touching Slot rows.

    Each opening period is cut into slots of `window.slot_minutes`; a leftover shorter than one
    slot gives none, and the gap between periods (a lunch break) gives none. Non-working days
    have none. `working`: whether the day works, when the caller knows already.
    """
    if working is None:
        working = workdays.is_working_day(day)
    if not working:
        return []
    periods = _periods_of(window) if periods is None else periods
    return _cut(day, periods, window.slot_minutes)


# Slot rows -------------------------------------------------------------------------------------


def _select_day(window_id, day):
    start, end = dates.day_bounds(day)
    rows = Slot.objects.filter(window_id=window_id, start__gte=start, start__lt=end).order_by()
    return {row[2]: row for row in rows.values_list(*DaySlot._fields)}


def _day_rows(window_id, capacity, day, wanted):
    """The slots of the `wanted` periods of `day`, making the missing rows and following a change
    of capacity (when the window's counters change, its slots follow, except below what is
    booked)."""
    if not wanted:
        return ()
    existing = _select_day(window_id, day)
    missing = [p for p in wanted if p.start not in existing]
    stale = [r[0] for r in existing.values() if r[4] != capacity and r[5] <= capacity]
    if missing:
        # Two visitors may make the same day at once: the unique (window, start) constraint
        # and ignore_conflicts make the loser's insert a no-op, and the re-read sees both.
        Slot.objects.bulk_create(
            [
                Slot(window_id=window_id, start=p.start, end=p.end, capacity=capacity)
                for p in missing
            ],
            ignore_conflicts=True,
        )
    if stale:
        Slot.objects.filter(pk__in=stale, booked__lte=capacity).update(capacity=capacity)
    if missing or stale:
        day_changed(window_id, day)
        existing = _select_day(window_id, day)
    return tuple(DaySlot(*existing[p.start]) for p in wanted if p.start in existing)


def day_slots(window, day):
    """The slots of `window` (an instance: its own capacity, slot length and opening hours
    count) on `day` in time order, making the missing rows."""
    return list(_day_rows(window.pk, window.capacity, day, day_periods(window, day)))


def find_slot(window, start):
    """The slot of `window` starting at `start` (an aware datetime), or None."""
    day = timezone.localtime(start).date()
    return next((s for s in day_slots(window, day) if s.start == start), None)


# A day of a window, and the rule of what can be booked ----------------------------------------


@dataclass(frozen=True)
class WindowDay:
    """One day of one window as a request sees it: the window's facts, the calendar around
    today and the day's slots (none outside the booking period or on a day off). Made by
    `window_day`."""

    window_id: int
    day: dt.date
    active: bool
    horizon_days: int
    item_codes: frozenset | None  # of the active items the window offers; None: not read
    today: dt.date
    last_day: dt.date  # the last day that can be booked (the end of the horizon)
    working: bool
    slots: tuple  # DaySlot, in time order
    # (start, end) of each slot as the API shows them (local ISO 8601): kept with the day, made
    # once rather than on every read of it (twice per slot, a third of a warm read's CPU).
    texts: tuple = ()

    def offers(self, code):
        """Whether the window offers the active item with this code."""
        if self.item_codes is None:
            items = ServiceItem.objects.filter(windows=self.window_id, code=code, active=True)
            return items.exists()
        return code in self.item_codes

    def horizon_refusal(self):
        """The refusal of a day beyond the booking period."""
        return SlotUnavailable(
            _("Bookings are open for the next %(days)d working days only.")
            % {"days": self.horizon_days}
        )

    def refusal(self, start, now):
        """Why the slot starting at `start` (on this day) cannot be booked at `now`, as a
        SlotUnavailable; None when it can: it starts after the cut-off, within the horizon, on a
        working day and within the window's opening hours. Whether it has room is the claim's to
        say."""
        refusal = self._time_refusal(start, now)
        if refusal is None and self.slot_at(start) is None:
            return SlotUnavailable(
                _("This is not the start of a time slot of this window."), code="not_a_slot"
            )
        return refusal

    def _time_refusal(self, start, now):
        if start <= now:
            return SlotUnavailable(_("This time has already passed. Please choose a later time."))
        if start < bookable_from(now):
            message = _(
                "Bookings close %(minutes)d minutes before the start. Please choose a later time."
            )
            return SlotUnavailable(message % {"minutes": settings.BOOKING_CUTOFF_MINUTES})
        if self.day > self.last_day:
            return self.horizon_refusal()
        return None

    def can_book(self, slot, now):
        """Whether `slot`, one of this day's (so a slot within the opening hours of a working
        day), can be booked at `now`, full or not: `refusal` without looking for the slot."""
        return self._time_refusal(slot.start, now) is None

    def slot_at(self, start):
        """The slot of this day starting at `start`, or None."""
        return next((slot for slot in self.slots if slot.start == start), None)


def window_day(window_id, day, *, now=None, places=True):
    """The WindowDay of window `window_id` on `day` at `now`; None if there is no such window
    (inactive ones included). `places`: whether to read the places taken (else each slot's
    `booked` is None). Warm: one cache round trip and no query."""
    now = now or timezone.now()
    today = dates.local_day(now)
    cached = transaction.get_autocommit() and 0 <= (day - today).days < CACHED_DAYS
    day_key = DAY_KEY.format(window_id=window_id, day=day)
    places_key = PLACES_KEY.format(window_id=window_id, day=day)
    keys = (
        [day_key, places_key, workdays.VERSION_KEY] if places else [day_key, workdays.VERSION_KEY]
    )
    found = cache.get_many(keys) if cached else {}
    calendar = workdays.snapshot(found.get(workdays.VERSION_KEY))
    working = calendar.is_working(day)
    value, taken = found.get(day_key), found.get(places_key)
    last_day = value and _last_day(calendar, today, value["horizon_days"])
    if value is None or value["working"] != working or (value["slots"] is None and day <= last_day):
        value, taken = _read_day(window_id, day, working, today, calendar)
        if value is None:
            return None
        last_day = _last_day(calendar, today, value["horizon_days"])
        if cached:
            cache.set(day_key, value, DAY_SECONDS)
            cache.set(places_key, taken, PLACES_SECONDS)
    rows = value["slots"] or ()
    if places and rows and (taken is None or any(row[0] not in taken for row in rows)):
        taken = _read_places(window_id, day)
        if cached:
            cache.set(places_key, taken, PLACES_SECONDS)
    return WindowDay(
        window_id=window_id,
        day=day,
        active=value["active"],
        horizon_days=value["horizon_days"],
        item_codes=value["items"],
        today=today,
        last_day=last_day,
        working=working,
        slots=tuple(DaySlot(*row, taken[row[0]] if places else None) for row in rows),
        texts=value["texts"],
    )


def _local_text(moment):
    return timezone.localtime(moment).isoformat()


def day_of(window, day, *, now=None):
    """The WindowDay of the instance `window` on `day`, as the pages show it: its own opening
    hours (prefetched with prefetch_hours), capacity and horizon count, and the day's rows are
    read from the database (one query), made when missing."""
    now = now or timezone.now()
    today = dates.local_day(now)
    calendar = workdays.snapshot()
    working = calendar.is_working(day)
    last_day = _last_day(calendar, today, window.horizon_days)
    rows = ()
    if today <= day <= last_day:
        rows = _day_rows(window.pk, window.capacity, day, day_periods(window, day, working=working))
    return WindowDay(
        window_id=window.pk,
        day=day,
        active=window.active,
        horizon_days=window.horizon_days,
        item_codes=None,
        today=today,
        last_day=last_day,
        working=working,
        slots=rows,
    )


def _horizon(calendar, today, count):
    """The working days after today that can be booked: the next `count` of them.

    Counting working days, not calendar days, so a long holiday (National Day) never leaves
    people with nothing to book.
    """
    return calendar.next_working_days(today + dt.timedelta(days=1), count)


def _last_day(calendar, today, count):
    return _horizon(calendar, today, count)[-1]


def _read_day(window_id, day, working, today, calendar):
    """What the day of a window is, and its places taken ({slot id: booked}), from the database;
    (None, None) if there is no such window. Rows are made only for a day within the booking
    period (a day years ahead makes none)."""
    if not 0 < window_id < 2**63:  # beyond the id column (bigint): no such window
        return None, None
    window = ServicePoint.objects.filter(pk=window_id).order_by().first()
    if window is None:
        return None, None
    items = ServiceItem.objects.filter(windows=window_id, active=True).order_by()
    value = {
        "active": window.active,
        "horizon_days": window.horizon_days,
        "items": frozenset(items.values_list("code", flat=True)),
        "working": working,
        "slots": None,
        "texts": (),
    }
    taken = {}
    if today <= day <= _last_day(calendar, today, window.horizon_days):
        periods = day_periods(window, day, working=working)
        rows = _day_rows(window_id, window.capacity, day, periods)
        value["slots"] = tuple(tuple(row[:5]) for row in rows)
        value["texts"] = tuple((_local_text(row.start), _local_text(row.end)) for row in rows)
        taken = {row.id: row.booked for row in rows}
    return value, taken


def _read_places(window_id, day):
    start, end = dates.day_bounds(day)
    rows = Slot.objects.filter(window_id=window_id, start__gte=start, start__lt=end)
    return dict(rows.order_by().values_list("pk", "booked"))


def bookable_slot(window, item, start, now=None, *, day=None):
    """The slot (a DaySlot) of `window` starting at `start` if `item` can be booked in it at
    `now`; else SlotUnavailable saying why (code item_not_offered, or WindowDay.refusal's).

    The one rule the booking form (field errors), the pages and services.book (which checks
    again: the service must never book what the rules refuse) read. Warm: one cache round trip
    and no query. The claim decides whether there is room.

    `day`: the WindowDay of that window and date the caller read already in this request at
    the same `now` (the booking form's), checked again without reading it again."""
    now = now or timezone.now()
    date = timezone.localtime(start).date()
    if day is None or (day.window_id, day.day) != (window.pk, date):
        day = window_day(window.pk, date, now=now, places=False)
    if day is None or not day.offers(item.code):
        raise SlotUnavailable(
            _("This window does not offer this service item."), code="item_not_offered"
        )
    refusal = day.refusal(start, now)
    if refusal is not None:
        raise refusal
    return day.slot_at(start)


def check_bookable(slot, now=None):
    """Raise SlotUnavailable, saying why, unless `slot` can be booked at `now`."""
    now = now or timezone.now()
    day = window_day(slot.window_id, timezone.localtime(slot.start).date(), now=now, places=False)
    if day is None:  # the window was deleted meanwhile
        raise SlotUnavailable(_("This window does not exist or takes no bookings."))
    refusal = day.refusal(slot.start, now)
    if refusal is not None:
        raise refusal


def is_bookable(slot, now=None):
    try:
        check_bookable(slot, now)
    except SlotUnavailable:
        return False
    return True


# Horizon ---------------------------------------------------------------------------------------


def horizon_days(window, today):
    """The working days after today that can be booked (see _horizon)."""
    return _horizon(workdays.snapshot(), today, window.horizon_days)


def bookable_days(window, today=None, *, now=None):
    """Days that can be booked: today while slots remain after the cut-off, then the horizon."""
    now = now or timezone.now()
    today = today or dates.local_day(now)
    days = horizon_days(window, today)
    remaining = [p for p in day_periods(window, today) if p.start >= bookable_from(now)]
    return [today, *days] if remaining else days


def prefetch_hours(queryset):
    """Windows with their opening periods in one extra query, for day_periods/day_slots."""
    return queryset.prefetch_related(
        Prefetch("opening_periods", queryset=OpeningPeriod.objects.order_by("weekday", "start"))
    )


# Forgetting what the cache keeps -----------------------------------------------------------------


def _forget(window_id, days, keys=(DAY_KEY, PLACES_KEY)):
    cache.delete_many([key.format(window_id=window_id, day=day) for day in days for key in keys])


def _local_date(day):
    return timezone.localtime(day).date() if isinstance(day, dt.datetime) else day


def places_changed(window_id, day):
    """Places of `window_id` on `day` (a date, or a datetime within it) were taken or given
    back: the cache forgets them once the current transaction commits (at once outside one)."""
    day = _local_date(day)
    transaction.on_commit(lambda: _forget(window_id, [day], (PLACES_KEY,)), robust=True)


def day_changed(window_id, day):
    """The slot rows of `window_id` on `day` were made or changed: the cache forgets the day
    once the current transaction commits (at once outside one)."""
    day = _local_date(day)
    transaction.on_commit(lambda: _forget(window_id, [day]), robust=True)


def window_changed(window_id):
    """Window `window_id`, its opening hours or its items changed: every cached day of it is
    forgotten once the current transaction commits. The signals below call it; call it yourself
    after bulk_create()/update(), which send none."""

    def forget():
        today = dates.today()
        _forget(window_id, [today + dt.timedelta(days=n) for n in range(-1, CACHED_DAYS)])

    transaction.on_commit(forget, robust=True)


def _window_saved(sender, instance, **_signal):
    window_changed(instance.pk)


def _hours_saved(sender, instance, **_signal):
    window_changed(instance.window_id)


def _item_saved(sender, instance, **_signal):
    for window_id in instance.windows.values_list("pk", flat=True):
        window_changed(window_id)


def _items_changed(sender, instance, action, reverse, pk_set, **_signal):
    """window.items or item.windows changed (add, remove, clear)."""
    if not reverse:
        window_ids = [instance.pk] if action.startswith("post_") else []
    elif action in ("post_add", "post_remove"):
        window_ids = pk_set
    elif action == "pre_clear":  # afterwards the item no longer names its windows
        window_ids = list(instance.windows.values_list("pk", flat=True))
    else:
        window_ids = []
    for window_id in window_ids:
        window_changed(window_id)


post_save.connect(_window_saved, sender=ServicePoint, dispatch_uid="slots-window-saved")
post_delete.connect(_window_saved, sender=ServicePoint, dispatch_uid="slots-window-deleted")
post_save.connect(_hours_saved, sender=OpeningPeriod, dispatch_uid="slots-hours-saved")
post_delete.connect(_hours_saved, sender=OpeningPeriod, dispatch_uid="slots-hours-deleted")
post_save.connect(_item_saved, sender=ServiceItem, dispatch_uid="slots-item-saved")
# Before the delete: afterwards the item no longer names the windows that offered it.
pre_delete.connect(_item_saved, sender=ServiceItem, dispatch_uid="slots-item-deleted")
m2m_changed.connect(
    _items_changed, sender=ServicePoint.items.through, dispatch_uid="slots-items-changed"
)
