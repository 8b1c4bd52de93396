"""Statistics of bookings, cases and 好差评 for a year (docs/architecture.md: "Where each rule
lives", "The HTTP contract"; reused by the annual report).

`compute_stats(year, ...)` gives the headline figures; reviews.stats_breakdowns
(`stats_by(year, dimension, ...)`, `stats_overview`) the same figures per month, district,
window, item or staff member. Everything is counted by the database
in four queries whatever the number of rows (one over cases, one over ratings joined to their
rectification, one over online applications, one over complaints), with conditional aggregates
(COUNT ... FILTER) grouped by a few categorical columns; Python only adds up the resulting
groups (tens of rows for the headline figures, at most a few thousand for a breakdown: never one
per record).

Which year a record belongs to, in local time (Asia/Shanghai):
- bookings, no-shows: the appointment time (`Case.start`) of cases booked online, because a
  booking made in December for January is January's work;
- cases by status and channel: when the case was created (a booking is a case from then on);
- completed, on-time rate, average working days: when the case was completed (`completed_at`);
  on time = completed (local date) on or before `promised_due`, among those that have one; the
  average counts working days from `accepted_on` (completed cases without it are left out);
- ratings and the figures derived from them: when the rating was given; a rectification counts
  with the rating that opened it; ratings excluded by an upheld appeal do not count at all;
- complaints: when they were received;
- online applications: when they were submitted; 零跑腿 (zero visit): when their case was
  completed, counted against all cases completed in the year.

All raw figures are counts or sums, so rows of a breakdown add up to the headline figures; rates
and averages are derived from them at the end (`public_figures`).
"""

import datetime as dt
import json
import operator
from dataclasses import dataclass
from functools import reduce

from django.db import connection
from django.db.models import (
    BooleanField,
    Count,
    DateField,
    DateTimeField,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    Q,
    Sum,
    Value,
)
from django.db.models.functions import ExtractMonth, TruncDate
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone

from applications.constants import Delivery
from applications.models import Application
from appointments import workdays
from appointments.constants import Channel, Status
from appointments.models import Case
from hall import stats as hall_stats

from .constants import BAD_SCORES, GOOD_SCORES, ComplaintStatus, RectificationStatus, Score
from .models import Complaint, Rating

DIMENSIONS = ("month", "district", "window", "item", "staff")
RATE_DIGITS = 4
AVERAGE_DIGITS = 2


def year_bounds(year):
    """[start, end) of the local year as aware datetimes: an index-friendly range filter."""
    zone = timezone.get_default_timezone()
    return dt.datetime(year, 1, 1, tzinfo=zone), dt.datetime(year + 1, 1, 1, tzinfo=zone)


# --- working days in the database ---------------------------------------------------------------
#
# Average working days from acceptance to completion needs working_days_between(accepted_on,
# completed date) for every completed case; a Python call per row is what we must not do. Since
# working_days_between(a, b) = index(b) - index(a), where index(d) counts the working days after a
# fixed base date up to d, we build that index once for a span of days (the calendar of
# appointments.workdays, two years, ~730 entries) and hand it to the database as an array; the
# query then sums index(completed) - index(accepted) per row inside the same aggregate as every
# other figure. Cases accepted before the span (rare: over a year in hand) are counted by a
# fallback query over their distinct (accepted, completed) date pairs.


@dataclass(frozen=True)
class WorkingDayIndex:
    base: dt.date
    last: dt.date
    counts: tuple  # counts[i]: working days after `base` up to base + i days

    @classmethod
    def for_year(cls, year):
        base, last = dt.date(year - 1, 1, 1), dt.date(year, 12, 31)
        calendars = {y: workdays.year_calendar(y) for y in range(base.year, last.year + 1)}
        counts, total, day = [0], 0, base
        while day < last:
            day += dt.timedelta(days=1)
            total += calendars[day.year].is_working(day)
            counts.append(total)
        return cls(base, last, tuple(counts))

    def covers(self, field):
        return Q(**{f"{field}__gte": self.base, f"{field}__lte": self.last})

    def between(self, start, end):
        """working_days_between(start, end) as a database expression (both within the span)."""
        return WorkingDayNumber(end, index=self) - WorkingDayNumber(start, index=self)


class WorkingDayNumber(Func):
    """index(date) of a WorkingDayIndex: an array lookup by days since the base date."""

    output_field = IntegerField()

    def __init__(self, expression, *, index):
        super().__init__(expression)
        self.index = index

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        array = f"(%s::integer[])[({sql}) - %s::date + 1]"
        return array, (list(self.index.counts), *params, self.index.base)

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        lookup = (
            f"json_extract(%s, '$[' || CAST(julianday({sql}) - julianday(%s) AS INTEGER) || ']')"
        )
        return lookup, (json.dumps(self.index.counts), *params, self.index.base.isoformat())


# --- local dates ----------------------------------------------------------------------------------
#
# Asia/Shanghai has kept one offset (+08:00) since 1991. On PostgreSQL a fixed-offset conversion
# (AT TIME ZONE INTERVAL '+08:00') is plain arithmetic, where a named zone costs a time-zone
# lookup per row: measured on 600,000 cases, 0.2 s against 0.45 s for one conversion. A zone
# whose offset changes during the span (daylight saving) falls back to the named zone.


def _fixed_offset(year):
    zone = timezone.get_default_timezone()
    offsets = {
        dt.datetime(y, m, 1, 12, tzinfo=zone).utcoffset()
        for y in (year - 1, year, year + 1)
        for m in range(1, 13)
    }
    return offsets.pop() if len(offsets) == 1 else None


class _AtFixedOffset(Func):
    """`expression` as local wall-clock time at a fixed offset (PostgreSQL)."""

    template = "(%(expressions)s AT TIME ZONE INTERVAL '%(offset)s')"
    output_field = DateTimeField()

    def __init__(self, expression, offset):
        seconds = int(offset.total_seconds())
        sign, seconds = ("+" if seconds >= 0 else "-"), abs(seconds)
        super().__init__(
            expression, offset=f"{sign}{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"
        )


class _LocalDate(Func):
    template = "(%(expressions)s)::date"
    output_field = DateField()


class _LocalMonth(Func):
    # date_part (double precision) rather than EXTRACT (numeric since PostgreSQL 14): cheaper.
    template = "date_part('month', %(expressions)s)::integer"
    output_field = IntegerField()


def local_date(field, ctx):
    """The local (Asia/Shanghai) date of a datetime column, as a database expression."""
    if ctx.offset is not None and connection.vendor == "postgresql":
        return _LocalDate(_AtFixedOffset(field, ctx.offset))
    return TruncDate(field, tzinfo=timezone.get_default_timezone())


def local_month(field, ctx):
    if ctx.offset is not None and connection.vendor == "postgresql":
        return _LocalMonth(_AtFixedOffset(field, ctx.offset))
    return ExtractMonth(field, tzinfo=timezone.get_default_timezone())


# --- scope ----------------------------------------------------------------------------------------

# Lookup paths per model: the dimensions, grouped by id (None: does not apply), and the codes
# the scope filters by.
CASE_PATHS = {
    "window": "window_id",
    "district": "window__district_id",
    "item": "item_id",
    "staff": "handled_by_id",
    "district_code": "window__district__code",
    "item_code": "item__code",
}
RATING_PATHS = {**CASE_PATHS, "staff": "staff_id"}
APPLICATION_PATHS = CASE_PATHS  # an online application has a window, an item and a clerk too
COMPLAINT_PATHS = {**CASE_PATHS, "staff": None}


@dataclass(frozen=True)
class Scope:
    """Which records count: a district code, one window, an item code and/or the windows a
    viewer may see (None: all)."""

    district: str | None = None
    window: int | None = None
    item: str | None = None
    windows: tuple | None = None

    @classmethod
    def build(cls, *, district=None, window=None, item=None, windows=None):
        def pk(value):
            return getattr(value, "pk", value)

        return cls(
            district=getattr(district, "code", district) or None,
            window=pk(window) if window is not None else None,
            item=getattr(item, "code", item) or None,
            windows=tuple(pk(w) for w in windows) if windows is not None else None,
        )

    def q(self, paths):
        lookups = {}
        if self.district:
            lookups[paths["district_code"]] = self.district
        if self.window is not None:
            lookups[paths["window"]] = self.window
        if self.item:
            lookups[paths["item_code"]] = self.item
        if self.windows is not None:
            lookups[f"{paths['window']}__in"] = self.windows
        return Q(**lookups)


@dataclass(frozen=True)
class Context:
    year: int
    scope: Scope
    # None (no grouping), "month", or a tuple of window / district / item / staff.
    grouping: str | tuple | None
    working_days: WorkingDayIndex
    offset: dt.timedelta | None

    def in_year(self, field):
        start, end = year_bounds(self.year)
        return Q(**{f"{field}__gte": start, f"{field}__lt": end})

    def columns(self, paths, date_field, role=""):
        """{column: expression} giving a record's group: the local month of the date that decides
        its year (`role` tells the dates of one case apart), or the grouping's lookup paths."""
        if self.grouping is None:
            return {}
        if self.grouping == "month":
            return {f"{role}month": local_month(date_field, self)}
        return {
            f"by_{name}": F(paths[name]) if paths[name] else Value(None, IntegerField())
            for name in self.grouping
        }

    def group_of(self, row, role=""):
        """The group key of a result row: None, a month, a value or a tuple of values."""
        if self.grouping is None:
            return None
        if self.grouping == "month":
            return row[f"{role}month"]
        key = tuple(row[f"by_{name}"] for name in self.grouping)
        return key[0] if len(key) == 1 else key


# --- queries --------------------------------------------------------------------------------------
#
# Each query groups by the few categorical columns (status and channel, or score) instead of
# computing one FILTER per value: a hash of a handful of groups is cheaper per row than a dozen
# conditions, and the groups are folded into the figures below. Every figure is a count or a
# sum, so folding is addition.


class Figures(dict):
    def add(self, name, value):
        self[name] = self.get(name, 0) + (value or 0)

    def merge(self, other):
        for name, value in other.items():
            self.add(name, value)


@dataclass(frozen=True)
class _Role:
    """One of the three dates that put a case in a year, with what is counted by it."""

    name: str
    date_field: str
    where: Q

    def condition(self, ctx):
        return self.where & ctx.in_year(self.date_field)


BOOKED = _Role("booked", "start", Q(channel=Channel.BOOKING))
CREATED = _Role("created", "created_at", Q())
DONE = _Role("done", "completed_at", Q(status=Status.COMPLETED))
ROLES = (BOOKED, CREATED, DONE)


def _completion_aggregates(ctx):
    index, completed_on = ctx.working_days, local_date("completed_at", ctx)
    in_span = index.covers("accepted_on")
    return {
        "rows": Count("pk"),
        "with_promise": Count("pk", filter=Q(promised_due__isnull=False)),
        # A null promised_due compares as unknown: not on time (and not in the denominator).
        "on_time": Count("pk", filter=LessThanOrEqual(completed_on, F("promised_due"))),
        "working_days_sum": Sum(index.between(F("accepted_on"), completed_on), filter=in_span),
        "working_days_cases": Count("pk", filter=in_span),
        "before_span": Count("pk", filter=Q(accepted_on__lt=index.base)),
    }


def _case_groups(ctx, roles):
    """ONE query over the cases in the year by any of `roles`, grouped by status, channel and
    whether completed in the year (plus the grouping's columns)."""
    conditions = {role.name: role.condition(ctx) for role in roles}
    aggregates = {
        role.name: Count("pk", filter=conditions[role.name]) for role in roles if role is not DONE
    }
    if DONE in roles:
        # Only read in the groups completed in the year.
        aggregates.update(_completion_aggregates(ctx))
    columns = {}
    for role in roles:
        columns.update(ctx.columns(CASE_PATHS, role.date_field, f"{role.name}_"))
    done = ExpressionWrapper(DONE.condition(ctx), output_field=BooleanField())
    return (
        Case.objects.filter(ctx.scope.q(CASE_PATHS))
        .filter(reduce(operator.or_, conditions.values()))
        .order_by()
        .values("status", "channel", done=done, **columns)
        .annotate(**aggregates)
    )


def _fold_cases(ctx, merged):
    """Bookings by appointment time, cases by creation, completions by completion time: one
    query, or one per date when grouping by month (three month columns in one GROUP BY make
    PostgreSQL expect far too many groups and sort on disk instead of hashing)."""
    queries = [(role,) for role in ROLES] if ctx.grouping == "month" else [ROLES]
    before_span = False
    for roles in queries:
        for row in _case_groups(ctx, roles):
            before_span = _fold_case_row(ctx, row, merged) or before_span
    if before_span:
        _accepted_before_span(ctx, merged)


def _fold_case_row(ctx, row, merged):
    """Adds one group of cases to its figures; True when some were accepted before the span."""
    status, channel = row["status"], row["channel"]
    if "created" in row:
        group = merged.setdefault(ctx.group_of(row, "created_"), Figures())
        group.add("cases_total", row["created"])
        group.add(f"status:{status}", row["created"])
        group.add(f"channel:{channel}", row["created"])
    if "booked" in row and channel == Channel.BOOKING:
        group = merged.setdefault(ctx.group_of(row, "booked_"), Figures())
        group.add("bookings", row["booked"])
        group.add(f"bookings:{status}", row["booked"])
    if "rows" in row and row["done"]:
        group = merged.setdefault(ctx.group_of(row, "done_"), Figures())
        group.add("completed", row["rows"])
        for name in ("with_promise", "on_time", "working_days_sum", "working_days_cases"):
            group.add(name, row[name])
        return bool(row["before_span"])
    return False


def _accepted_before_span(ctx, merged):
    """Working days of completed cases accepted before the index span: one query over their
    distinct (group, accepted, completed) dates, mapped through workdays (rare; usually none)."""
    pairs = (
        Case.objects.filter(ctx.scope.q(CASE_PATHS), ctx.in_year("completed_at"))
        .filter(status=Status.COMPLETED, accepted_on__lt=ctx.working_days.base)
        .order_by()
        .values(
            "accepted_on",
            done_on=local_date("completed_at", ctx),
            **ctx.columns(CASE_PATHS, "completed_at", "done_"),
        )
        .annotate(n=Count("pk"))
    )
    for pair in pairs:
        days = workdays.working_days_between(pair["accepted_on"], pair["done_on"])
        group = merged[ctx.group_of(pair, "done_")]
        group.add("working_days_sum", pair["n"] * days)
        group.add("working_days_cases", pair["n"])


def _fold_ratings(ctx, merged):
    """ONE query over counted ratings and their rectifications, grouped by score."""
    closed = Q(rectification__status=RectificationStatus.CLOSED)
    closed_on = local_date("rectification__closed_at", ctx)
    on_time = LessThanOrEqual(closed_on, F("rectification__rectify_due"))
    rows = (
        Rating.objects.filter(ctx.scope.q(RATING_PATHS), ctx.in_year("created_at"))
        .filter(excluded=False)
        .order_by()
        .values("score", **ctx.columns(RATING_PATHS, "created_at"))
        .annotate(
            n=Count("pk"),
            closed=Count("pk", filter=closed),
            on_time=Count("pk", filter=Q(closed, on_time)),
        )
    )
    for row in rows:
        group = merged.setdefault(ctx.group_of(row), Figures())
        group.add(f"score:{row['score']}", row["n"])
        if row["score"] in BAD_SCORES:
            group.add("rectifications_closed", row["closed"])
            group.add("rectifications_closed_on_time", row["on_time"])


def _fold_complaints(ctx, merged):
    """ONE query over complaints received in the year, grouped by status."""
    rows = (
        Complaint.objects.filter(ctx.scope.q(COMPLAINT_PATHS), ctx.in_year("created_at"))
        .order_by()
        .values("status", **ctx.columns(COMPLAINT_PATHS, "created_at"))
        .annotate(n=Count("pk"))
    )
    for row in rows:
        group = merged.setdefault(ctx.group_of(row), Figures())
        group.add("complaints", row["n"])
        if row["status"] == ComplaintStatus.CLOSED:
            group.add("complaints_closed", row["n"])


def _fold_applications(ctx, merged):
    """ONE query over online applications (issue 14): those submitted in the year (counted,
    with their pre-review time, corrections and first-pass acceptances), and those whose case
    was completed in the year with the result sent by post (零跑腿: no visit at all)."""
    submitted = ctx.in_year("created_at")
    zero_visit = Q(delivery=Delivery.POST, case__status=Status.COMPLETED) & ctx.in_year(
        "case__completed_at"
    )
    decided = Q(submitted, decided_at__isnull=False)
    accepted = Q(submitted, case__isnull=False)
    aggregates = {
        "applications": Count("pk", filter=submitted),
        "applications_decided": Count("pk", filter=decided),
        "prereview_seconds": Sum("prereview_seconds", filter=decided),
        "applications_corrected": Count("pk", filter=Q(decided, corrections__gt=0)),
        "applications_accepted": Count("pk", filter=accepted),
        "applications_first_pass": Count("pk", filter=Q(accepted, corrections=0)),
        "zero_visit": Count("pk", filter=zero_visit),
    }
    columns = {
        **ctx.columns(APPLICATION_PATHS, "created_at", "submitted_"),
        **ctx.columns(APPLICATION_PATHS, "case__completed_at", "done_"),
    }
    query = Application.objects.filter(ctx.scope.q(APPLICATION_PATHS)).filter(
        submitted | zero_visit
    )
    if columns:
        rows = query.order_by().values(**columns).annotate(**aggregates)
    else:
        rows = [query.aggregate(**aggregates)]
    for row in rows:
        if row["applications"]:
            group = merged.setdefault(ctx.group_of(row, "submitted_"), Figures())
            for name in aggregates:
                if name != "zero_visit":
                    group.add(name, row[name])
        if row["zero_visit"]:
            merged.setdefault(ctx.group_of(row, "done_"), Figures()).add(
                "zero_visit", row["zero_visit"]
            )


def with_complaints(dimension):
    return dimension in (None, "month") or COMPLAINT_PATHS[dimension] is not None


def raw_figures(year, scope, grouping=None, complaints=True):
    """{group: raw figures} of cases, ratings and complaints ({None: ...} without a grouping).
    Complaints name no staff member, so they are left out of a breakdown by staff only, and
    of figures for a window's staff (`complaints` False: complaints are the bureau's)."""
    ctx = Context(year, scope, grouping, WorkingDayIndex.for_year(year), _fixed_offset(year))
    merged = {}
    _fold_cases(ctx, merged)
    _fold_ratings(ctx, merged)
    _fold_applications(ctx, merged)
    if complaints and grouping != ("staff",):
        _fold_complaints(ctx, merged)
    return merged


# --- figures --------------------------------------------------------------------------------------


def _rate(part, whole, digits=RATE_DIGITS):
    return round(part / whole, digits) if whole else None


def public_figures(raw, *, complaints=True):
    """The public figures (named in docs/architecture.md, "The HTTP contract") from raw counts and
    sums; `complaints` False where
    complaints do not apply (per staff member) and are given as None."""

    def get(name):
        return raw.get(name) or 0

    scores = {str(s): get(f"score:{s}") for s in sorted(Score.values, reverse=True)}
    ratings = sum(scores.values())
    good = sum(scores[str(s)] for s in GOOD_SCORES)
    bad = sum(scores[str(s)] for s in BAD_SCORES)
    score_sum = sum(int(s) * n for s, n in scores.items())
    closed, closed_on_time = get("rectifications_closed"), get("rectifications_closed_on_time")
    with_promise, no_shows = get("with_promise"), get(f"bookings:{Status.NO_SHOW}")
    return {
        "bookings": get("bookings"),
        "no_shows": no_shows,
        "no_show_rate": _rate(no_shows, get("bookings")),
        "cancelled_bookings": get(f"bookings:{Status.CANCELLED}"),
        "cases": {s: get(f"status:{s}") for s in Status.values},
        "cases_total": get("cases_total"),
        "channels": {c: get(f"channel:{c}") for c in Channel.values},
        "completed": get("completed"),
        "completed_with_promise": with_promise,
        "completed_on_time": get("on_time"),
        "on_time_rate": _rate(get("on_time"), with_promise),
        "avg_working_days": _rate(
            get("working_days_sum"), get("working_days_cases"), AVERAGE_DIGITS
        ),
        "ratings": ratings,
        "scores": scores,
        "good_ratings": good,
        "good_rate": _rate(good, ratings),
        "avg_score": _rate(score_sum, ratings, AVERAGE_DIGITS),
        "bad_reviews": bad,
        "rectifications_closed": closed,
        "rectifications_closed_on_time": closed_on_time,
        "rectification_rate": _rate(closed, bad),
        "rectification_on_time_rate": _rate(closed_on_time, closed),
        "complaints": get("complaints") if complaints else None,
        "complaints_closed": get("complaints_closed") if complaints else None,
        # Online applications (issue 14): pre-review time over those accepted or rejected, in
        # clock hours (the applicant's wait, weekends included, summed by the database from
        # Application.prereview_seconds), not the working hours of the pre-review limit;
        # corrections among them; accepted without any correction among those accepted;
        # 零跑腿: completed cases applied for online with the result by post, among all completed.
        "applications": get("applications"),
        "avg_prereview_hours": _rate(
            get("prereview_seconds"), get("applications_decided") * 3600, AVERAGE_DIGITS
        ),
        "correction_rate": _rate(get("applications_corrected"), get("applications_decided")),
        "first_pass_rate": _rate(get("applications_first_pass"), get("applications_accepted")),
        "zero_visit": get("zero_visit"),
        "zero_visit_rate": _rate(get("zero_visit"), get("completed")),
    }


def compute_stats(year, *, district=None, window=None, item=None, windows=None, complaints=True):
    """The headline figures of `year` (an int) within the scope given.

    district: a District or its code; window: a ServicePoint or its id; item: a ServiceItem or
    its code; windows: the windows the viewer may see (ids or objects), None for all;
    complaints: False for a viewer who may not see complaints (window staff: the figures are
    then None and complaints are not queried).
    Queries: cases, ratings, online applications, complaints, the hall's figures (plus the
    calendar years when not cached).
    """
    scope = Scope.build(district=district, window=window, item=item, windows=windows)
    raw = raw_figures(year, scope, complaints=complaints).get(None, {})
    return {
        "year": year,
        **public_figures(raw, complaints=complaints),
        **queue_figures(year, scope),
    }


def queue_figures(year, scope):
    """The hall's figures (tickets, waiting and service times, ticket no-shows): one query."""
    return hall_stats.figures(*year_bounds(year), scope.q(hall_stats.PATHS))


def queue_heatmap(year, scope):
    """Average wait by weekday and hour of the tickets of `year` (the dashboard's heat map)."""
    return hall_stats.waiting_heatmap(*year_bounds(year), scope.q(hall_stats.PATHS))
