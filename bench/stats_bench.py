"""Benchmark: the statistics of a year of 500,000 rated cases on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ipservice_stats_bench \
        .venv/bin/python bench/stats_bench.py [--year 2025] [--rated 500000] [--other 100000]
                                              [--complaints 5000] [--rebuild]

Creates the database if needed (its name must contain "bench": the script empties the case and
rating tables), migrates it, and loads with COPY, in batches of 50,000 rows:
- the 16 districts with one window each, 4 city-level windows, 23 catalog items, 3 staff a window;
- `rated` completed cases, each with its rating (500,000 of each by default; a rating needs a
  completed case), `other` cases in the other states (booked, cancelled, no-show, rejected, still
  open), the rectifications of the bad ratings and `complaints` complaints, all in `year`.
A second run reuses the data unless --rebuild is given.

Then it times, best of 3, reviews.stats.compute_stats(year) against ONE hand-written SQL query
computing the same headline figures (checked equal), prints both and the ratio (targets: under 1 s,
within 1.5x), and the time of each breakdown of stats_by. Not a test: the figures go into the
README.
"""

import argparse
import datetime as dt
import io
import os
import random
import runpy
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

# BENCH_CODE: the checkout whose code is measured, by default this one; another (a git worktree of
# an older commit) is measured by this same script, so that "before" and "now" differ only in the
# code. The project is installed editable (make setup), and the editable finder would answer for
# a module that checkout lacks with this checkout's: it is taken out, here and in the servers the
# benchmarks start (bench/other_checkout/sitecustomize.py, put on their PYTHONPATH).
CODE = os.environ.get("BENCH_CODE")
ROOT = Path(CODE).resolve() if CODE else Path(__file__).resolve().parents[1]
OTHER_CHECKOUT = Path(__file__).resolve().parent / "other_checkout"
if CODE:
    runpy.run_path(str(OTHER_CHECKOUT / "sitecustomize.py"))  # here, as in the servers
    os.chdir(ROOT)  # Celery puts the working directory first on sys.path
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ipservice.settings")

BATCH = 50_000
TZ_OFFSET = "+08"  # Asia/Shanghai has no daylight saving time
STAFF_PER_WINDOW = 3
CITY_WINDOWS = 4
ITEMS = 23
# Promised and legal limits (working days) given to the items in turn; None: no limit published.
LIMITS = [(7, 15), (3, 7), (5, 10), (None, None), (10, 20), (3, 5), (None, 30)]
DISTRICTS = [
    ("310101", "黄浦区"),
    ("310104", "徐汇区"),
    ("310105", "长宁区"),
    ("310106", "静安区"),
    ("310107", "普陀区"),
    ("310109", "虹口区"),
    ("310110", "杨浦区"),
    ("310112", "闵行区"),
    ("310113", "宝山区"),
    ("310114", "嘉定区"),
    ("310115", "浦东新区"),
    ("310116", "金山区"),
    ("310117", "松江区"),
    ("310118", "青浦区"),
    ("310120", "奉贤区"),
    ("310151", "崇明区"),
]
SCORES = [5] * 800 + [4] * 120 + [3] * 40 + [2] * 25 + [1] * 15
OTHER_STATES = [
    ("booked", "booking"),
    ("cancelled", "booking"),
    ("no_show", "booking"),
    ("rejected", "walk_in"),
    ("accepted", "walk_in"),
    ("pending", "online"),
    ("checked_in", "mail"),
]
CHANNELS = ["booking"] * 60 + ["walk_in"] * 25 + ["online"] * 10 + ["mail"] * 5


# --- database ----------------------------------------------------------------------------------


def ensure_database():
    url = os.environ.get("DATABASE_URL", "")
    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if not parsed.scheme.startswith("postgres") or "bench" not in name:
        sys.exit("Set DATABASE_URL to a PostgreSQL database whose name contains 'bench'.")
    import psycopg2

    admin = psycopg2.connect(
        host=parsed.hostname,
        port=parsed.port or 5432,
        user=parsed.username or "postgres",
        password=parsed.password,
        dbname="postgres",
    )
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not cur.fetchone():
            cur.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")
    admin.close()


def setup_django():
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def copy_rows(table, columns, rows):
    """COPY rows (tuples, None for NULL) into `table`, BATCH rows at a time."""
    from django.db import connection

    def cell(value):
        if value is None:
            return r"\N"
        if value is True or value is False:
            return "t" if value else "f"
        return str(value)

    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    batch = []
    with connection.cursor() as cursor:
        for row in rows:
            batch.append("\t".join(map(cell, row)))
            if len(batch) == BATCH:
                cursor.copy_expert(sql, io.StringIO("\n".join(batch) + "\n"))
                batch = []
        if batch:
            cursor.copy_expert(sql, io.StringIO("\n".join(batch) + "\n"))


def check_columns(model, columns):
    """The columns we write are exactly the model's: a migration adding one fails loudly here."""
    expected = {f.column for f in model._meta.concrete_fields}
    if set(columns) != expected:
        sys.exit(f"{model.__name__}: columns changed: {sorted(expected ^ set(columns))}")


# --- reference data ------------------------------------------------------------------------------


def reference_data():
    """Districts, windows, items and staff: created once, ids returned."""
    from django.contrib.auth import get_user_model

    from catalog.models import Category, ServiceItem
    from windows.models import District, ServicePoint, StaffMembership

    districts = {
        code: District.objects.get_or_create(code=code, defaults={"name": name})[0]
        for code, name in DISTRICTS
    }
    category, _ = Category.objects.get_or_create(
        code="bench", defaults={"name": "基准测试类", "name_en": "Benchmark"}
    )
    items = []
    for n in range(ITEMS):
        promised, legal = LIMITS[n % len(LIMITS)]
        item, _ = ServiceItem.objects.get_or_create(
            code=f"BENCH-{n:02d}",
            defaults={
                "name": f"基准事项{n:02d}",
                "category": category,
                "ip_type": "patent",
                "level": "district",
                "channels": ["window"],
                "promised_limit_days": promised,
                "legal_limit_days": legal,
                "is_demo": True,
            },
        )
        items.append(item)
    windows = []
    for n, district in enumerate([None] * CITY_WINDOWS + list(districts.values())):
        window, _ = ServicePoint.objects.get_or_create(
            code=f"bench-{n:02d}",
            defaults={
                "name": f"基准窗口{n:02d}",
                "kind": "comprehensive",
                "level": "city" if district is None else "district",
                "district": district,
                "address": "基准路1号",
                "is_demo": True,
            },
        )
        windows.append(window)
    User = get_user_model()
    staff = {}
    for window in windows:
        staff[window.pk] = []
        for k in range(STAFF_PER_WINDOW):
            user, created = User.objects.get_or_create(username=f"bench-{window.code}-{k}")
            if created:
                user.set_unusable_password()
                user.save()
                StaffMembership.objects.create(user=user, window=window)
            staff[window.pk].append(user.pk)
    limits = {i.pk: (i.promised_limit_days, i.legal_limit_days) for i in items}
    return [w.pk for w in windows], limits, staff


# --- the year's records --------------------------------------------------------------------------


class Calendar:
    """Working days of the year and the next, as a list to step through by index."""

    def __init__(self, year):
        from appointments import workdays

        day, last = dt.date(year, 1, 1), dt.date(year + 1, 12, 31)
        self.days = []
        while day <= last:
            if workdays.is_working_day(day):
                self.days.append(day)
            day += dt.timedelta(days=1)
        self.in_year = sum(1 for d in self.days if d.year == year)
        self.index = {d: i for i, d in enumerate(self.days)}

    def after(self, day, n):
        """add_working_days(day, n) for a working day."""
        return self.days[self.index[day] + n]


def stamp(day, minutes):
    """A local timestamp `minutes` after midnight of `day`, as COPY reads it."""
    hours, minutes = divmod(minutes, 60)
    return f"{day.isoformat()} {hours:02d}:{minutes:02d}:00{TZ_OFFSET}"


CASE_COLUMNS = [
    "id",
    "reference",
    "window_id",
    "item_id",
    "channel",
    "status",
    "slot_id",
    "start",
    "name",
    "phone",
    "id_type",
    "id_number",
    "email",
    "accepted_on",
    "legal_due",
    "promised_due",
    "completed_at",
    "materials_due",
    "reject_reason",
    "handled_by_id",
    "created_at",
    "updated_at",
    "is_demo",
]


def case_rows(year, rated, other, windows, limits, staff, calendar, rng, completions):
    """Completed cases first (ids 1..rated, their completion remembered for the ratings), then
    the other states. A case is registered on a working day and, if booked, seen 1–5 working days
    later; it is completed 0–12 working days after acceptance, so within the year."""
    items = list(limits)
    last_start = calendar.in_year - 20
    for n in range(1, rated + other + 1):
        window, item = rng.choice(windows), rng.choice(items)
        if n <= rated:
            status, channel = "completed", rng.choice(CHANNELS)
        else:
            status, channel = rng.choice(OTHER_STATES)
        created_day = calendar.days[rng.randrange(last_start)]
        created = stamp(created_day, rng.randrange(8 * 60, 17 * 60))
        seen_day = calendar.after(created_day, rng.randint(1, 5)) if channel == "booking" else None
        start = stamp(seen_day, 9 * 60 + 30 * rng.randrange(15)) if seen_day else None
        accepted = seen_day or created_day
        promised = legal = completed_at = handled = accepted_on = None
        if status in ("completed", "accepted", "pending", "rejected"):
            accepted_on = accepted
            handled = rng.choice(staff[window])
            promise_days, legal_days = limits[item]
            promised = calendar.after(accepted, promise_days) if promise_days else None
            legal = calendar.after(accepted, legal_days) if legal_days else None
        if status == "completed":
            done = calendar.after(accepted, min(rng.randrange(13), rng.randrange(13)))
            completed_at = stamp(done, rng.randrange(10 * 60, 18 * 60))
            completions.append((window, item, handled, done))
        yield (
            n,
            f"B{n:09d}",
            window,
            item,
            channel,
            status,
            None,
            start or created,
            "测试",
            "13800000000",
            "other",
            "BENCH",
            "",
            accepted_on,
            legal,
            promised,
            completed_at,
            None,
            "",
            handled,
            created,
            created,
            True,
        )


RATING_COLUMNS = [
    "id",
    "case_id",
    "window_id",
    "item_id",
    "staff_id",
    "score",
    "efficiency",
    "competence",
    "attitude",
    "tags",
    "comment",
    "channel",
    "entered_by_id",
    "created_at",
    "excluded",
    "is_demo",
]
RECTIFICATION_COLUMNS = [
    "id",
    "rating_id",
    "window_id",
    "status",
    "opened_on",
    "contact_due",
    "reply_due",
    "rectify_due",
    "is_complex",
    "substantiated",
    "followed_up_at",
    "verified_at",
    "rectified_at",
    "closed_at",
]


def rating_rows(year, completions, calendar, rng, bad):
    """One rating per completed case, given the day it was completed or the next working day;
    bad ones are remembered (id, window, day) for their rectification; 1 in 10 is excluded."""
    last_day = calendar.days[calendar.in_year - 1]
    for n, (window, item, handled, done) in enumerate(completions, start=1):
        score = rng.choice(SCORES)
        day = min(calendar.after(done, rng.randrange(2)), last_day)
        excluded = score <= 2 and rng.random() < 0.1
        if score <= 2 and not excluded:
            bad.append((n, window, day))
        yield (
            n,
            n,
            window,
            item,
            handled,
            score,
            score,
            score,
            score,
            "[]",
            "",
            rng.choice(("link", "link", "link", "pad", "hotline")),
            None,
            stamp(day, rng.randrange(12 * 60, 23 * 60)),
            excluded,
            True,
        )


def rectification_rows(bad, calendar, rng):
    """Every counted bad rating's rectification; 85% closed, within 1–20 working days (15 is
    the limit, so some are late)."""
    for n, (rating, window, opened) in enumerate(bad, start=1):
        closed = None
        if rng.random() < 0.85:
            closed = stamp(calendar.after(opened, rng.randint(1, 20)), 15 * 60)
        yield (
            n,
            rating,
            window,
            "closed" if closed else rng.choice(("open", "followed_up", "verified")),
            opened,
            calendar.after(opened, 1),
            calendar.after(opened, 5),
            calendar.after(opened, 15),
            False,
            None,
            None,
            None,
            None,
            closed,
        )


COMPLAINT_COLUMNS = [
    "id",
    "reference",
    "name",
    "phone",
    "matter",
    "window_id",
    "item_id",
    "case_id",
    "description",
    "status",
    "due",
    "created_at",
    "closed_at",
    "is_demo",
]


def complaint_rows(count, windows, items, calendar, rng):
    for n in range(1, count + 1):
        day = calendar.days[rng.randrange(calendar.in_year - 10)]
        closed = rng.random() < 0.7
        yield (
            n,
            f"BC{n:08d}",
            "测试",
            "13800000000",
            "基准事项",
            rng.choice(windows) if rng.random() < 0.9 else None,
            rng.choice(items) if rng.random() < 0.8 else None,
            None,
            "基准测试",
            "closed" if closed else "received",
            calendar.after(day, 5),
            stamp(day, 10 * 60),
            stamp(calendar.after(day, 3), 16 * 60) if closed else None,
            True,
        )


TABLES = [
    "reviews_step",
    "reviews_appeal",
    "reviews_rectification",
    "reviews_rating",
    "reviews_complaint",
    "appointments_caseevent",
    "appointments_case_missing_materials",
    "appointments_case",
]


def build(args):
    from django.db import connection

    from appointments.models import Case
    from reviews.models import Complaint, Rating, Rectification

    for model, columns in (
        (Case, CASE_COLUMNS),
        (Rating, RATING_COLUMNS),
        (Rectification, RECTIFICATION_COLUMNS),
        (Complaint, COMPLAINT_COLUMNS),
    ):
        check_columns(model, columns)
    expected = args.rated + args.other
    if not args.rebuild and Case.objects.count() == expected:
        print(f"reusing {expected:,} cases already loaded (--rebuild to load them again)")
        return
    windows, limits, staff = reference_data()
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")
    rng, calendar = random.Random(2025), Calendar(args.year)
    started = time.perf_counter()
    completions, bad = [], []
    rows = case_rows(
        args.year, args.rated, args.other, windows, limits, staff, calendar, rng, completions
    )
    copy_rows("appointments_case", CASE_COLUMNS, rows)
    print(f"loaded {expected:,} cases in {time.perf_counter() - started:.0f} s")
    copy_rows(
        "reviews_rating", RATING_COLUMNS, rating_rows(args.year, completions, calendar, rng, bad)
    )
    copy_rows(
        "reviews_rectification", RECTIFICATION_COLUMNS, rectification_rows(bad, calendar, rng)
    )
    items = list(limits)
    copy_rows(
        "reviews_complaint",
        COMPLAINT_COLUMNS,
        complaint_rows(args.complaints, windows, items, calendar, rng),
    )
    with connection.cursor() as cursor:
        for table in ("appointments_case", "reviews_rating", "reviews_rectification"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT coalesce(max(id), 1) FROM {table}))"
            )
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('reviews_complaint', 'id'), %s)",
            [args.complaints],
        )
        for table in TABLES:
            cursor.execute(f"VACUUM ANALYZE {table}")
    print(
        f"loaded {len(completions):,} ratings, {len(bad):,} rectifications, "
        f"{args.complaints:,} complaints; {time.perf_counter() - started:.0f} s in all"
    )


# --- the hand-written query ----------------------------------------------------------------------

HAND_SQL = """
WITH c AS (
    SELECT status, channel,
        (status = 'completed' AND completed_at >= %(start)s AND completed_at < %(end)s) AS done,
        count(*) AS n,
        count(*) FILTER (WHERE start >= %(start)s AND start < %(end)s) AS booked,
        count(*) FILTER (WHERE created_at >= %(start)s AND created_at < %(end)s) AS created,
        count(*) FILTER (WHERE promised_due IS NOT NULL) AS with_promise,
        count(*) FILTER (WHERE (completed_at AT TIME ZONE INTERVAL '+08:00')::date <= promised_due)
            AS on_time,
        sum((%(calendar)s::int[])[(completed_at AT TIME ZONE INTERVAL '+08:00')::date
                                  - %(base)s::date + 1]
            - (%(calendar)s::int[])[accepted_on - %(base)s::date + 1])
            FILTER (WHERE accepted_on BETWEEN %(base)s AND %(last)s) AS working_days_sum,
        count(*) FILTER (WHERE accepted_on BETWEEN %(base)s AND %(last)s) AS working_days_cases
    FROM appointments_case
    WHERE (channel = 'booking' AND start >= %(start)s AND start < %(end)s)
       OR (created_at >= %(start)s AND created_at < %(end)s)
       OR (status = 'completed' AND completed_at >= %(start)s AND completed_at < %(end)s)
    GROUP BY 1, 2, 3
), r AS (
    SELECT score,
        count(*) AS n,
        count(*) FILTER (WHERE x.status = 'closed') AS closed,
        count(*) FILTER (WHERE x.status = 'closed'
            AND (x.closed_at AT TIME ZONE INTERVAL '+08:00')::date <= x.rectify_due) AS on_time
    FROM reviews_rating r LEFT JOIN reviews_rectification x ON x.rating_id = r.id
    WHERE NOT r.excluded AND r.created_at >= %(start)s AND r.created_at < %(end)s
    GROUP BY 1
)
SELECT * FROM (
    SELECT
        sum(booked) FILTER (WHERE channel = 'booking') AS bookings,
        sum(booked) FILTER (WHERE channel = 'booking' AND status = 'no_show') AS no_shows,
        sum(created) AS cases_total,
        {status_sums},
        {channel_sums},
        sum(n) FILTER (WHERE done) AS completed,
        sum(with_promise) FILTER (WHERE done) AS completed_with_promise,
        sum(on_time) FILTER (WHERE done) AS completed_on_time,
        sum(working_days_sum) FILTER (WHERE done) AS working_days_sum,
        sum(working_days_cases) FILTER (WHERE done) AS working_days_cases
    FROM c
) AS cases, (
    SELECT
        sum(n) AS ratings,
        sum(n) FILTER (WHERE score >= 4) AS good_ratings,
        sum(n * score) AS score_sum,
        sum(n) FILTER (WHERE score <= 2) AS bad_reviews,
        sum(closed) FILTER (WHERE score <= 2) AS rectifications_closed,
        sum(on_time) FILTER (WHERE score <= 2) AS rectifications_closed_on_time
    FROM r
) AS ratings, (
    SELECT count(*) AS complaints FROM reviews_complaint
    WHERE created_at >= %(start)s AND created_at < %(end)s
) AS complaints
"""


def hand_sql():
    """The query an expert would write by hand: the same three scans, grouped by the
    categorical columns, summed in SQL, in one round trip."""
    from appointments.constants import Channel, Status

    statuses = ",\n        ".join(
        f"sum(created) FILTER (WHERE status = '{s}') AS \"status:{s}\"" for s in Status.values
    )
    channels = ",\n        ".join(
        f"sum(created) FILTER (WHERE channel = '{c}') AS \"channel:{c}\"" for c in Channel.values
    )
    return HAND_SQL.format(status_sums=statuses, channel_sums=channels)


def run_hand_sql(year):
    from django.db import connection

    from reviews.stats import WorkingDayIndex, year_bounds

    index = WorkingDayIndex.for_year(year)
    start, end = year_bounds(year)
    params = {
        "calendar": list(index.counts),
        "base": index.base,
        "last": index.last,
        "start": start,
        "end": end,
    }
    with connection.cursor() as cursor:
        cursor.execute(hand_sql(), params)
        names = [column.name for column in cursor.description]
        # Sums of counts come back as numeric: whole numbers, or None over no rows.
        values = [int(v) if v is not None else 0 for v in cursor.fetchone()]
        return dict(zip(names, values, strict=True))


def same_figures(orm, sql):
    """The ORM's figures against the hand-written query's (rates from the same counts)."""

    def rate(part, whole, digits=4):
        return round(part / whole, digits) if whole else None

    expected = {
        "bookings": sql["bookings"],
        "no_shows": sql["no_shows"],
        "cases_total": sql["cases_total"],
        "cases": {k.split(":")[1]: v for k, v in sql.items() if k.startswith("status:")},
        "channels": {k.split(":")[1]: v for k, v in sql.items() if k.startswith("channel:")},
        "completed": sql["completed"],
        "on_time_rate": rate(sql["completed_on_time"], sql["completed_with_promise"]),
        "avg_working_days": rate(sql["working_days_sum"], sql["working_days_cases"], 2),
        "ratings": sql["ratings"],
        "good_rate": rate(sql["good_ratings"], sql["ratings"]),
        "avg_score": rate(sql["score_sum"], sql["ratings"], 2),
        "bad_reviews": sql["bad_reviews"],
        "rectification_rate": rate(sql["rectifications_closed"], sql["bad_reviews"]),
        "rectification_on_time_rate": rate(
            sql["rectifications_closed_on_time"], sql["rectifications_closed"]
        ),
        "complaints": sql["complaints"],
    }
    differences = {k: (orm[k], v) for k, v in expected.items() if orm[k] != v}
    if differences:
        sys.exit(f"the ORM and the hand-written query disagree: {differences}")


def best_of(runs, func):
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - started)
    return min(times), result


def measure(year):
    from reviews.stats import DIMENSIONS, compute_stats
    from reviews.stats_breakdowns import stats_by, stats_overview

    compute_stats(year)  # the calendar years are cached from here on, as in a running server
    orm_time, orm = best_of(3, lambda: compute_stats(year))
    sql_time, sql = best_of(3, lambda: run_hand_sql(year))
    same_figures(orm, sql)
    print(
        f"year {year}: {orm['cases_total']:,} cases, {orm['completed']:,} completed, "
        f"{orm['ratings']:,} counted ratings, {orm['bad_reviews']:,} bad, "
        f"{orm['complaints']:,} complaints"
    )
    print(
        f"good_rate {orm['good_rate']}, on_time_rate {orm['on_time_rate']}, "
        f"avg_working_days {orm['avg_working_days']}, rectification_rate "
        f"{orm['rectification_rate']}, on time {orm['rectification_on_time_rate']}"
    )
    print(f"compute_stats({year}), best of 3:   {orm_time * 1000:7.0f} ms  (target < 1000 ms)")
    print(f"one hand-written SQL, best of 3: {sql_time * 1000:7.0f} ms")
    print(f"ratio ORM / SQL:                 {orm_time / sql_time:7.2f}   (target <= 1.5)")
    for dimension in DIMENSIONS:
        took, rows = best_of(3, lambda d=dimension: stats_by(year, d))
        print(
            f"stats_by({year}, {dimension!r}), best of 3: {took * 1000:6.0f} ms, {len(rows)} rows"
        )
    took, _overview = best_of(3, lambda: stats_overview(year))
    print(
        f"stats_overview({year}): totals and all five breakdowns (the dashboard), best of 3: "
        f"{took * 1000:.0f} ms"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--rated", type=int, default=500_000)
    parser.add_argument("--other", type=int, default=100_000)
    parser.add_argument("--complaints", type=int, default=5_000)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    ensure_database()
    setup_django()
    build(args)
    measure(args.year)


if __name__ == "__main__":
    main()
