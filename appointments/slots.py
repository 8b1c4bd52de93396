"""Slots: the bookable periods of a window, made from its weekly opening hours (DESIGN §3).

Slot rows are materialised lazily, one window and day at a time, the first time someone looks at
that day: the day's rows are read, and only when some are missing, bulk inserted and re-read.

Caching. The slots API and every booking read a day of a window, many times a second at a busy
window, so outside a transaction each process keeps in memory what it last read:
- a window's facts (active, capacity, slot length, horizon, opening hours, items offered), valid
  while the version under WINDOWS_KEY in the Django cache is unchanged. Saving or deleting a
  window, its hours or an item, or changing the items a window offers, sets a new version when
  the transaction commits (the signals at the end); call `windows_changed()` after bulk changes,
  which send no signals;
- a day's rows with their places taken, valid while the token under that day's key is
  unchanged. Every change of a day's rows (a place claimed or given back, rows created, capacity
  following the window, a no-show) sets a new token when its transaction commits
  (`day_changed`).
One `cache.get_many` of these keys and of the working-day calendar's version checks it all, so
a warm read makes no query. Rows are kept under the token read BEFORE reading them: a change
committed in between has replaced that token, so they are never taken for current. In
production the cache is Redis, shared by every process, so a change shows everywhere as soon
as it commits; the copies also expire after a few seconds in case the cache is not shared
(LocMemCache with several processes) or a token was lost.
Inside a transaction nothing comes from or goes into these copies: the transaction sees its own
uncommitted changes and may still roll them back.
"""

import copy
import dataclasses
import datetime as dt
import time
import uuid
from dataclasses import dataclass
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import Prefetch, prefetch_related_objects
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import ServiceItem
from ipservice.cache import current_version, new_version
from windows.models import OpeningPeriod, ServicePoint

from . import workdays
from .exceptions import SlotUnavailable
from .models import Slot

WORKING_WEEKDAYS = range(5)

WINDOWS_KEY = "appointments:slots:windows"
DAY_KEY = "appointments:slots:day:{window_id}:{day:%Y%m%d}"
TOKEN_SECONDS = 3 * 24 * 3600  # a token that expires only costs one re-read
FACTS_SECONDS = 60  # local copies, in case the cache is not shared between processes
ROWS_SECONDS = 10
LOCAL_LIMIT = 4096  # entries per local copy; beyond it the copy starts afresh
TEXTS_LIMIT = 32768


@dataclass(frozen=True)
class Period:
    start: dt.datetime
    end: dt.datetime


class Hours(NamedTuple):
    """An opening period as plain values (OpeningPeriod has the same attributes)."""

    weekday: int
    start: dt.time
    end: dt.time


class SlotRow(NamedTuple):
    """A slot row as read, with its times as the API shows them (local ISO 8601)."""

    pk: int
    start: dt.datetime
    end: dt.datetime
    capacity: int
    booked: int
    start_text: str
    end_text: str

    @property
    def available(self):
        return max(self.capacity - self.booked, 0)


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


def _hours_of_day(day, periods):
    """The opening periods that apply on `day` (a working day), in time order, as Hours."""
    weekday = _hours_weekday(day, periods)
    return tuple(sorted(Hours(p.weekday, p.start, p.end) for p in periods if p.weekday == weekday))


def _cut(day, hours, slot_minutes):
    length = dt.timedelta(minutes=slot_minutes)
    result = []
    for period in hours:
        start = timezone.make_aware(dt.datetime.combine(day, period.start))
        close = timezone.make_aware(dt.datetime.combine(day, period.end))
        while start + length <= close:
            result.append(Period(start, start + length))
            start += length
    return result


def day_periods(window, day, periods=None):
    """The slot times of `day` from the opening hours, without touching Slot rows.

    Each opening period is cut into slots of `window.slot_minutes`; a leftover shorter than one
    slot gives none, and the gap between periods (a lunch break) gives none. Non-working days
    have none.
    """
    if not workdays.is_working_day(day):
        return []
    periods = _periods_of(window) if periods is None else periods
    return _cut(day, _hours_of_day(day, periods), window.slot_minutes)


# What a window looks like: its facts, kept per process ---------------------------------------


@dataclass(frozen=True)
class WindowFacts:
    """What the slots of a window are made from, and what it offers."""

    pk: int
    active: bool
    capacity: int
    slot_minutes: int
    horizon_days: int
    hours: tuple  # Hours, sorted
    item_ids: frozenset | None = None  # None: not read (ask the database)
    item_codes: frozenset | None = None  # codes of the active items offered
    # The window's and its active items' field values, for instances made without a query
    # (the booking API); None when made from an instance given by the caller.
    record: tuple | None = dataclasses.field(default=None, compare=False)
    item_records: dict | None = dataclasses.field(default=None, compare=False)

    @classmethod
    def of(cls, window, periods, items=None, *, keep_records=False):
        """From a window instance, its opening periods and (optional) the items it offers."""
        return cls(
            pk=window.pk,
            active=window.active,
            capacity=window.capacity,
            slot_minutes=window.slot_minutes,
            horizon_days=window.horizon_days,
            hours=tuple(sorted(Hours(p.weekday, p.start, p.end) for p in periods)),
            item_ids=None if items is None else frozenset(item.pk for item in items),
            item_codes=None if items is None else frozenset(i.code for i in items if i.active),
            record=_record_of(window) if keep_records else None,
            item_records=(
                {item.code: _record_of(item) for item in items if item.active}
                if keep_records and items is not None
                else None
            ),
        )

    def window(self):
        """A new ServicePoint instance of this window, made without a query; None when the
        facts keep no record of it."""
        return _instance(ServicePoint, self.record)

    def item(self, code):
        """A new ServiceItem instance of the active item `code` the window offers, made without
        a query; None when it offers no such item (or the facts keep no record of them)."""
        return _instance(ServiceItem, (self.item_records or {}).get(code))

    def following(self, window):
        """These facts with the capacity, slot length and horizon of the instance `window`."""
        if (window.capacity, window.slot_minutes, window.horizon_days) == (
            self.capacity,
            self.slot_minutes,
            self.horizon_days,
        ):
            return self
        return dataclasses.replace(
            self,
            capacity=window.capacity,
            slot_minutes=window.slot_minutes,
            horizon_days=window.horizon_days,
        )


def _record_of(instance):
    return tuple(getattr(instance, f.attname) for f in _fields(type(instance)))


def _instance(model, record):
    if record is None:
        return None
    # Each caller gets its own instance, and its own copy of any list or dict value (JSON
    # fields): nothing a request changes on it reaches another request.
    values = [copy.deepcopy(v) if isinstance(v, list | dict) else v for v in record]
    return model.from_db(DEFAULT_DB_ALIAS, _attnames(model), values)


def _fields(model):
    return model._meta.concrete_fields


def _attnames(model):
    return [f.attname for f in _fields(model)]


_facts = {}  # window id -> (version, expires, WindowFacts or None)
_rows = {}  # (window id, day) -> _DayEntry
_slot_ids = {}  # (window id, day) -> (shape, expires, {start: SlotRow}): ids and times only
_calendars = {}  # (calendar version, today, horizon days) -> (expires, _Calendar)


def _remember(store, key, value, limit=LOCAL_LIMIT):
    if len(store) >= limit:
        store.clear()
    store[key] = value


def _read_facts(window_id):
    """Three small queries; None if there is no such window."""
    if not 0 < window_id < 2**63:  # beyond the id column (bigint): no such window
        return None
    window = ServicePoint.objects.filter(pk=window_id).first()
    if window is None:
        return None
    periods = OpeningPeriod.objects.filter(window_id=window_id).values_list(
        "weekday", "start", "end"
    )
    items = ServiceItem.objects.filter(windows=window_id).order_by()
    return WindowFacts.of(window, [Hours(*p) for p in periods], list(items), keep_records=True)


def _cached_facts(window_id, version):
    """(facts, the version they belong to); facts None if there is no such window."""
    if version is None:
        version = current_version(WINDOWS_KEY)
    found = _facts.get(window_id)
    if found and found[0] == version and found[1] > time.monotonic():
        return found[2], version
    facts = _read_facts(window_id)
    if version is not None:
        _remember(_facts, window_id, (version, time.monotonic() + FACTS_SECONDS, facts))
    return facts, version


def window_facts(window_id):
    """The facts of window `window_id`, None if it does not exist (inactive ones included).
    Warm: one cache round trip and no query."""
    if transaction.get_connection().in_atomic_block:
        return _read_facts(window_id)
    return _cached_facts(window_id, cache.get(WINDOWS_KEY))[0]


def _new_windows_version():
    new_version(WINDOWS_KEY)


def windows_changed(**_signal):
    """Every process forgets every window's facts once the current transaction commits.

    The signals below call it; call it yourself after bulk_create()/update() of windows, their
    opening hours, items or the items they offer."""
    transaction.on_commit(_new_windows_version, robust=True)


def clear_cache():
    """Forget everything kept, in this process and (through the version) in all others."""
    _new_windows_version()
    _facts.clear()
    _rows.clear()
    _slot_ids.clear()
    _calendars.clear()


# The working-day calendar around today -------------------------------------------------------


@dataclass(frozen=True)
class _Calendar:
    today: dt.date
    today_working: bool
    horizon: tuple  # the working days after today that can be booked

    def is_working(self, day):
        if day == self.today:
            return self.today_working
        if self.today < day <= self.horizon[-1]:
            return day in self.horizon
        return workdays.is_working_day(day)


def _calendar(version, today, count):
    """Today and the horizon, kept per version of the working-day calendar (workdays)."""
    key = (version, today, count)
    found = _calendars.get(key) if version is not None else None
    if found and found[0] > time.monotonic():
        return found[1]
    calendar = _Calendar(today, workdays.is_working_day(today), tuple(_horizon(today, count)))
    if version is not None:
        _remember(_calendars, key, (time.monotonic() + FACTS_SECONDS, calendar))
    return calendar


def _horizon(today, count):
    return workdays.next_working_days(today + dt.timedelta(days=1), count)


# The rows of a day ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _DayEntry:
    token: str
    shape: tuple  # what the rows were made for: capacity, slot length, hours of the day
    rows: tuple
    expires: float


def _day_key(window_id, day):
    return DAY_KEY.format(window_id=window_id, day=day)


def _new_day_token(window_id, day):
    cache.set(_day_key(window_id, day), uuid.uuid4().hex, timeout=TOKEN_SECONDS)


def day_changed(window_id, day):
    """The slots of `window_id` on `day` (a date, or a datetime within it) changed: every
    process re-reads them once the current transaction commits (at once outside one)."""
    if isinstance(day, dt.datetime):
        day = timezone.localtime(day).date()
    transaction.on_commit(lambda: _new_day_token(window_id, day), robust=True)


def _first_day_token(window_id, day):
    """A token for a day that has none yet (or lost it); None if the cache keeps none."""
    key = _day_key(window_id, day)
    token = uuid.uuid4().hex
    if cache.add(key, token, timeout=TOKEN_SECONDS):
        return token
    return cache.get(key)


def _select_day(window_id, day):
    start, end = local_day_bounds(day)
    rows = (
        Slot.objects.filter(window_id=window_id, start__gte=start, start__lt=end)
        .order_by()
        .values_list("pk", "start", "end", "capacity", "booked")
    )
    return {row[1]: row for row in rows}


def _read_rows(window_id, day, capacity, wanted):
    """The rows of the `wanted` periods of `day`, creating the missing ones and following a
    change of capacity. Returns (rows, whether anything was written)."""
    existing = _select_day(window_id, day)
    missing = [p for p in wanted if p.start not in existing]
    written = False
    if missing:
        # Two visitors may create the same day at once: the unique (window, start) constraint
        # and ignore_conflicts make the loser's insert a no-op, and the re-read sees both.
        Slot.objects.bulk_create(
            [
                Slot(window_id=window_id, start=p.start, end=p.end, capacity=capacity)
                for p in missing
            ],
            ignore_conflicts=True,
        )
        existing, written = _select_day(window_id, day), True
    if _follow_capacity(capacity, existing.values()):
        existing, written = _select_day(window_id, day), True
    rows = (existing.get(p.start) for p in wanted)
    return tuple(_row(*row) for row in rows if row), written


def _row(pk, start, end, capacity, booked):
    return SlotRow(pk, start, end, capacity, booked, _local_text(start), _local_text(end))


_texts = {}  # datetime -> its local ISO 8601 text (a day's rows are re-read after every booking)


def _local_text(moment):
    text = _texts.get(moment)
    if text is None:
        text = timezone.localtime(moment).isoformat()
        _remember(_texts, moment, text, TEXTS_LIMIT)
    return text


def _follow_capacity(capacity, rows):
    """When the window's counters change, its slots follow, except below what is booked."""
    stale = [pk for pk, _s, _e, cap, booked in rows if cap != capacity and booked <= capacity]
    if stale:
        Slot.objects.filter(pk__in=stale, booked__lte=capacity).update(capacity=capacity)
    return bool(stale)


# A day of a window ---------------------------------------------------------------------------


class DayBoard:
    """One day of one window as a request sees it: the window's facts, today and the horizon,
    and (read on first use) the day's rows. Made by `day_board`."""

    def __init__(self, window, facts, day, calendar, versions=None, token=None):
        self.window = window  # the instance given, or None
        self.facts = facts
        self.day = day
        self.calendar = calendar
        # (windows version, calendar version) it was made with; None: made in a transaction,
        # from the database, and nothing of it is kept.
        self._versions = versions
        self._cached = versions is not None
        self._token = token
        self._rows = None
        self._periods = None

    @property
    def today(self):
        return self.calendar.today

    @property
    def last_day(self):
        """The last day that can be booked (the end of the horizon)."""
        return self.calendar.horizon[-1]

    def offers(self, item):
        """Whether the window offers `item` (a ServiceItem)."""
        if self.facts.item_ids is not None:
            return item.pk in self.facts.item_ids
        return self.window.items.filter(pk=item.pk).exists()

    def offers_code(self, code):
        """Whether the window offers an active item with this code."""
        if self.facts.item_codes is not None:
            return code in self.facts.item_codes
        return ServiceItem.objects.filter(windows=self.facts.pk, code=code, active=True).exists()

    @property
    def rows(self):
        """The day's SlotRows in time order (none on a day off), created when missing."""
        if self._rows is None:
            self._rows = self._read()
        return self._rows

    def _shape(self):
        """What the day's rows are made from: a change of any of it means other rows."""
        facts = self.facts
        return (facts.capacity, facts.slot_minutes, _hours_of_day(self.day, facts.hours))

    def _read(self):
        facts, day = self.facts, self.day
        if not self.calendar.is_working(day):
            return ()
        shape = self._shape()
        key, token = (facts.pk, day), None
        if self._cached:
            entry = _rows.get(key)
            if entry and (entry.token, entry.shape) == (self._token, shape):
                if entry.expires > time.monotonic():
                    return entry.rows
            token = self._token or _first_day_token(facts.pk, day)
        if not self.periods:
            return ()
        rows, written = _read_rows(facts.pk, day, facts.capacity, self.periods)
        if written:
            day_changed(facts.pk, day)  # and keep no rows: the next read sees the new token
        if not self._cached or transaction.get_connection().in_atomic_block:
            return rows  # read in a transaction, which may still roll back what it saw
        # Committed rows: their ids and times never change, whatever is booked later, so a
        # booking can find its slot without a read (slot_to_claim).
        expires = time.monotonic() + FACTS_SECONDS
        _remember(_slot_ids, key, (shape, expires, {row.start: row for row in rows}))
        if not written and token is not None:
            _remember(_rows, key, _DayEntry(token, shape, rows, time.monotonic() + ROWS_SECONDS))
        return rows

    @property
    def periods(self):
        """The slot times of the day from the opening hours (none on a day off)."""
        if self._periods is None:
            working = self.calendar.is_working(self.day)
            hours = _hours_of_day(self.day, self.facts.hours) if working else ()
            self._periods = _cut(self.day, hours, self.facts.slot_minutes)
        return self._periods

    def check(self, start, now):
        """check_bookable for the slot starting at `start`, with what this board knows."""
        self.check_time(start, now)
        day = timezone.localtime(start).date()
        if day != self.day or not any(p.start == start for p in self.periods):
            raise _closed()

    def check_time(self, start, now):
        """The part of `check` that needs no slot: not past, not within the cut-off, not beyond
        the horizon. Made before any row is looked up, so that a time years ahead creates none."""
        _refuse_past(start, now)
        if timezone.localtime(start).date() > self.last_day:
            raise _beyond_horizon(self.facts.horizon_days)

    def is_current(self, today):
        """Whether nothing the board was made from has changed since: the window and the
        calendar (one cache round trip), today, and the instance's own numbers."""
        if not self._cached or None in self._versions or self.calendar.today != today:
            return False
        if self.window is not None and self.facts.following(self.window) is not self.facts:
            return False
        tokens = cache.get_many([WINDOWS_KEY, workdays.VERSION_KEY])
        return (tokens.get(WINDOWS_KEY), tokens.get(workdays.VERSION_KEY)) == self._versions

    def slots(self):
        """The rows as Slot instances (with `window` set when an instance was given)."""
        return [self._slot(row) for row in self.rows]

    def slot_at(self, start):
        """The Slot starting at `start` (an aware datetime), or None."""
        return next((self._slot(row) for row in self.rows if row.start == start), None)

    def slot_to_claim(self, start):
        """The Slot starting at `start` (an aware datetime), or None if no slot of the day
        starts then, for a booking to claim a place of: its id and times, without a query when
        this process has seen the day (in any state: ids and times never change). Its
        `capacity` and `booked` are left unread (deferred; reading them makes a query): the
        claim's conditional UPDATE decides whether there is room, and checks that the id still
        is this window's slot at this time (services.claim_place)."""
        if not self.calendar.is_working(self.day):
            return None
        known = _slot_ids.get((self.facts.pk, self.day)) if self._cached else None
        if known is not None and known[0] == self._shape() and known[1] > time.monotonic():
            # The kept rows are those of every period of this shape: no need to cut the day.
            row = known[2].get(start)
            if row is not None:
                return self._slot(row, fields=("id", "window_id", "start", "end"))
        if not any(p.start == start for p in self.periods):
            return None
        return self.slot_at(start)

    def _slot(self, row, fields=("id", "window_id", "start", "end", "capacity", "booked")):
        values = {
            "id": row.pk,
            "window_id": self.facts.pk,
            "start": row.start,
            "end": row.end,
            "capacity": row.capacity,
            "booked": row.booked,
        }
        slot = Slot.from_db(DEFAULT_DB_ALIAS, list(fields), [values[f] for f in fields])
        if self.window is not None:
            slot.window = self.window  # no query when the caller reads slot.window
        slot._board = self  # check_bookable uses today and the horizon found with it
        return slot


def day_board(window, day, *, now=None):
    """The DayBoard of `window` (an instance, or an id) on `day`; None for an unknown id.

    Outside a transaction and when warm: one cache round trip and no query."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    is_instance = isinstance(window, ServicePoint)
    window_id = window.pk if is_instance else int(window)
    instance = window if is_instance else None
    if transaction.get_connection().in_atomic_block:
        facts = WindowFacts.of(window, _periods_of(window)) if is_instance else None
        facts = facts or _read_facts(window_id)
        if facts is None:
            return None
        return DayBoard(instance, facts, day, _calendar(None, today, facts.horizon_days))
    day_key = _day_key(window_id, day)
    tokens = cache.get_many([WINDOWS_KEY, workdays.VERSION_KEY, day_key])
    facts, version = _cached_facts(window_id, tokens.get(WINDOWS_KEY))
    if is_instance:
        # The instance's own capacity and slot length count (a caller may hold newer ones).
        facts = facts.following(window) if facts else WindowFacts.of(window, _periods_of(window))
    elif facts is None:
        return None
    calendar_version = tokens.get(workdays.VERSION_KEY)
    calendar = _calendar(calendar_version, today, facts.horizon_days)
    versions = (version, calendar_version)
    return DayBoard(instance, facts, day, calendar, versions, tokens.get(day_key))


def day_slots(window, day):
    """The Slot rows of `window` on `day` in time order, creating the missing ones."""
    return day_board(window, day).slots()


def find_slot(window, start):
    """The slot of `window` starting at `start` (an aware datetime), or None."""
    return day_board(window, timezone.localtime(start).date()).slot_at(start)


def bookable_slot(window, item, start, now=None, *, board=None):
    """The slot of `window` starting at `start` if `item` can be booked in it at `now`; else
    SlotUnavailable saying why (code item_not_offered, not_a_slot, or check_bookable's codes).

    The one rule shared by the booking form (field errors) and services.book (which checks again:
    it is the service that must never book what the rules refuse). Warm: one cache round trip
    and no query. The slot's places are left unread (DayBoard.slot_to_claim): claim_place
    decides whether there is room.

    `board`: the DayBoard of this window and day already made in this request (the booking
    form's), used instead of asking the cache again."""
    now = now or timezone.now()
    day = timezone.localtime(start).date()
    if board is None or (board.facts.pk, board.day) != (window.pk, day):
        board = day_board(window, day, now=now)
    if not board.offers(item):
        raise SlotUnavailable(
            _("This window does not offer this service item."), code="item_not_offered"
        )
    board.check_time(start, now)
    # A slot of the board's day, working and within the current hours: all `check` would add.
    slot = board.slot_to_claim(start)
    if slot is None:
        raise SlotUnavailable(
            _("This is not the start of a time slot of this window."), code="not_a_slot"
        )
    return slot


def forget_day(window_id, day):
    """Forget what this process keeps of the day's rows and slot ids (a claim found that a
    kept id is no longer this window's slot at that time: rows were made again)."""
    _rows.pop((window_id, day), None)
    _slot_ids.pop((window_id, day), None)


# Horizon and cut-off --------------------------------------------------------------------------


def horizon_days(window, today):
    """The working days after today that can be booked: the next `horizon_days` of them.

    Counting working days, not calendar days, so a long holiday (National Day) never leaves
    people with nothing to book.
    """
    return _horizon(today, window.horizon_days)


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
    board = getattr(slot, "_board", None)  # set on the slots of day_slots and find_slot
    if board is not None and slot.start > now and board.is_current(timezone.localdate(now)):
        board.check(slot.start, now)
        return
    _refuse_past(slot.start, now)
    day = timezone.localtime(slot.start).date()
    if day > last_bookable_day(slot.window, timezone.localdate(now)):
        raise _beyond_horizon(slot.window.horizon_days)
    if not any(p.start == slot.start for p in day_periods(slot.window, day)):
        raise _closed()


def _refuse_past(start, now):
    if start <= now:
        raise SlotUnavailable(_("This time has already passed. Please choose a later time."))
    if start - cutoff() < now:
        raise SlotUnavailable(
            _("Bookings close %(minutes)d minutes before the start. Please choose a later time.")
            % {"minutes": settings.BOOKING_CUTOFF_MINUTES}
        )


def _beyond_horizon(count):
    return SlotUnavailable(
        _("Bookings are open for the next %(days)d working days only.") % {"days": count}
    )


def _closed():
    return SlotUnavailable(_("The window is not open at this time."))


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


# Every change of a window, its hours or its items renews the facts of all windows ------------

for _model in (ServicePoint, OpeningPeriod, ServiceItem):
    post_save.connect(windows_changed, sender=_model, dispatch_uid=f"slots-saved-{_model.__name__}")
    post_delete.connect(
        windows_changed, sender=_model, dispatch_uid=f"slots-deleted-{_model.__name__}"
    )


def _items_changed(action, **_signal):
    if action.startswith("post_"):
        windows_changed()


m2m_changed.connect(
    _items_changed, sender=ServicePoint.items.through, dispatch_uid="slots-items-changed"
)
