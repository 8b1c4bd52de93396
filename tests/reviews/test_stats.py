"""reviews.stats against a small 2025 whose figures are worked out by hand (stats_factories)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from appointments import workdays
from reviews.stats import DIMENSIONS, compute_stats
from reviews.stats_breakdowns import stats_by, stats_overview
from tests.catalog.factories import ServiceItemFactory
from tests.windows.factories import ServicePointFactory

from .stats_factories import (
    at,
    close_rectification,
    make_completed,
    more_of_the_same,
)
from .stats_fixtures import *  # noqa: F403

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


def test_the_working_days_used_by_hand_are_the_calendars():
    between = workdays.working_days_between
    assert between(dt.date(2025, 3, 10), dt.date(2025, 3, 12)) == 2
    assert between(dt.date(2025, 9, 30), dt.date(2025, 10, 9)) == 1  # National Day holiday
    assert between(dt.date(2025, 5, 6), dt.date(2025, 5, 20)) == 10
    assert between(dt.date(2024, 12, 30), dt.date(2025, 1, 3)) == 3  # New Year's Day


def test_headline_figures_of_the_known_year(known):
    stats = compute_stats(2025)

    assert stats["year"] == 2025
    # Bookings by appointment date: c1 and c2 (c7 is booked for 2026).
    assert stats["bookings"] == 2
    assert stats["no_shows"] == 1
    assert stats["no_show_rate"] == 0.5
    # Cases by the date they were registered: all but c6 (2024), c8 at 00:30 local on 1 January.
    assert stats["cases_total"] == 7
    assert stats["cases"] == {
        "booked": 1,
        "checked_in": 0,
        "accepted": 1,
        "pending": 0,
        "rejected": 1,
        "completed": 3,
        "cancelled": 0,
        "no_show": 1,
    }
    assert stats["channels"] == {"booking": 3, "walk_in": 3, "mail": 1, "online": 0}
    # Completed in 2025: c1, c3, c4, c6; three had a promise, c4 was late.
    assert stats["completed"] == 4
    assert stats["completed_with_promise"] == 3
    assert stats["on_time_rate"] == 0.6667
    # (2 + 1 + 10 + 3) / 4 working days.
    assert stats["avg_working_days"] == 4.0
    # Ratings 5, 4, 1 (the excluded 2 does not count).
    assert stats["ratings"] == 3
    assert stats["scores"] == {"5": 1, "4": 1, "3": 0, "2": 0, "1": 1}
    assert stats["good_rate"] == 0.6667
    assert stats["avg_score"] == 3.33
    assert stats["bad_reviews"] == 1
    assert stats["rectification_rate"] == 0.0
    assert stats["rectification_on_time_rate"] is None
    assert stats["complaints"] == 2


def test_closing_the_rectification_on_time_makes_both_rates_whole(known):
    close_rectification(known.ratings.r4, at(2025, 6, 3, 15))

    stats = compute_stats(2025)

    assert stats["rectification_rate"] == 1.0
    assert stats["rectification_on_time_rate"] == 1.0


def test_a_rectification_closed_after_its_due_date_is_late(known):
    due = known.ratings.r4.rectification.rectify_due
    late = workdays.add_working_days(due, 1)
    close_rectification(known.ratings.r4, at(late.year, late.month, late.day, 9))

    stats = compute_stats(2025)

    assert stats["rectification_rate"] == 1.0
    assert stats["rectification_on_time_rate"] == 0.0


def test_closed_on_the_due_date_late_in_the_evening_is_on_time(known):
    # 23:30 in Shanghai is 15:30 UTC the same day: the local date decides.
    due = known.ratings.r4.rectification.rectify_due
    close_rectification(known.ratings.r4, at(due.year, due.month, due.day, 23, 30))

    assert compute_stats(2025)["rectification_on_time_rate"] == 1.0


def test_an_empty_year_has_zeros_and_no_rates(known):
    stats = compute_stats(2023)

    assert stats["cases_total"] == stats["ratings"] == stats["complaints"] == 0
    for rate in (
        "no_show_rate",
        "on_time_rate",
        "avg_working_days",
        "good_rate",
        "avg_score",
        "rectification_rate",
        "rectification_on_time_rate",
    ):
        assert stats[rate] is None, rate


def test_filter_by_window(known):
    stats = compute_stats(2025, window=known.window_a)

    assert stats["bookings"] == 2
    assert stats["cases_total"] == 4  # c1, c2, c3, c7
    assert stats["completed"] == 2
    assert stats["on_time_rate"] == 1.0
    assert stats["avg_working_days"] == 1.5
    assert stats["ratings"] == 2
    assert stats["good_rate"] == 1.0
    assert stats["bad_reviews"] == 0
    assert stats["rectification_rate"] is None
    assert stats["complaints"] == 1


def test_filter_by_district(known):
    pudong = compute_stats(2025, district="310115")
    assert pudong["cases_total"] == 1  # c5
    assert pudong["completed"] == 1  # c6, registered in 2024
    assert pudong["avg_working_days"] == 3.0
    assert pudong["on_time_rate"] is None  # no promise to keep
    assert pudong["ratings"] == 0  # its only rating is excluded
    assert pudong["good_rate"] is None
    assert pudong["complaints"] == 0

    xuhui = compute_stats(2025, district=known.window_a.district)
    assert xuhui["cases_total"] == 6
    assert xuhui["complaints"] == 1  # the complaint naming no window is in no district


def test_filter_by_item(known):
    stats = compute_stats(2025, item=known.item2.code)

    assert stats["cases_total"] == 1
    assert stats["completed"] == 1
    assert stats["on_time_rate"] == 0.0
    assert stats["avg_working_days"] == 10.0
    assert stats["ratings"] == 1
    assert stats["bad_reviews"] == 1
    assert stats["good_rate"] == 0.0
    assert stats["complaints"] == 0


def test_restricted_to_a_viewers_windows(known):
    mine = compute_stats(2025, windows=[known.window_a.pk, known.window_b.pk])
    assert mine["cases_total"] == 6
    # A window filter outside the viewer's windows gives nothing, not another window's figures.
    assert (
        compute_stats(2025, window=known.window_c, windows=[known.window_a.pk])["cases_total"] == 0
    )


def test_by_month(known):
    rows = stats_by(2025, "month")

    assert [row["key"] for row in rows] == list(range(1, 13))
    january, march, may, october, december = (rows[m - 1] for m in (1, 3, 5, 10, 12))
    assert january["cases_total"] == 1  # c8 at 00:30 local time
    assert january["completed"] == 1  # c6
    assert january["ratings"] == 0  # the excluded rating
    assert (march["bookings"], march["no_shows"], march["cases_total"]) == (2, 1, 2)
    assert march["good_rate"] == 1.0
    assert may["on_time_rate"] == 0.0
    assert may["bad_reviews"] == 1
    assert may["complaints"] == 1
    assert october["completed"] == 1
    assert october["avg_working_days"] == 1.0
    assert december["cases_total"] == 1
    assert december["bookings"] == 0  # booked for January 2026
    assert rows[1]["good_rate"] is None  # nothing in February


@pytest.mark.parametrize("dimension", DIMENSIONS)
def test_rows_add_up_to_the_headline(known, dimension):
    headline = compute_stats(2025)
    rows = stats_by(2025, dimension)

    for name in ("bookings", "no_shows", "cases_total", "completed", "ratings", "bad_reviews"):
        assert sum(row[name] for row in rows) == headline[name], name
    if dimension != "staff":
        assert sum(row["complaints"] for row in rows) == headline["complaints"]


def test_by_district_window_item_and_staff(known):
    districts = {row["key"]: row for row in stats_by(2025, "district")}
    assert districts["310104"]["label"] == "徐汇区"
    assert districts["310104"]["cases_total"] == 6
    assert districts["310115"]["avg_working_days"] == 3.0
    assert districts[None]["complaints"] == 1  # the complaint naming no window

    windows = {row["key"]: row for row in stats_by(2025, "window")}
    assert windows[known.window_a.pk]["good_rate"] == 1.0
    assert windows[known.window_b.pk]["bad_reviews"] == 1
    assert windows[known.window_b.pk]["cases"]["rejected"] == 1

    items = {row["key"]: row for row in stats_by(2025, "item")}
    assert items[known.item2.code]["on_time_rate"] == 0.0
    assert items[known.item.code]["label"] == known.item.name

    staff = {row["key"]: row for row in stats_by(2025, "staff")}
    assert staff[known.staff_a.pk]["completed"] == 2
    assert staff[known.staff_a.pk]["good_rate"] == 1.0
    assert staff[known.staff_b.pk]["bad_reviews"] == 1
    assert staff[known.staff_a.pk]["complaints"] is None  # complaints name no person
    assert staff[None]["cases_total"] == 4  # not yet handled by anyone


def test_breakdown_with_filters(known):
    rows = stats_by(2025, "window", district="310104", item=known.item.code)

    assert {row["key"] for row in rows} == {known.window_a.pk, known.window_b.pk}


def test_unknown_dimension_is_refused():
    with pytest.raises(ValueError):
        stats_by(2025, "week")


def test_a_case_accepted_long_before_the_year_still_counts_its_working_days(known, window_a, item):
    accepted, completed = dt.date(2022, 6, 1), dt.date(2025, 2, 10)
    make_completed(
        window_a, item, accepted=accepted, completed=at(2025, 2, 10, 10), created=at(2022, 6, 1)
    )
    long_one = workdays.working_days_between(accepted, completed)

    stats = compute_stats(2025)

    assert stats["completed"] == 5
    assert stats["avg_working_days"] == round((2 + 1 + 10 + 3 + long_one) / 5, 2)
    february = stats_by(2025, "month")[1]
    assert february["avg_working_days"] == float(long_one)


def _count_queries(func):
    with CaptureQueriesContext(connection) as queries:
        func()
    return len(_reads(queries))


def _reads(queries):
    """The queries that read data: not the savepoints and the PostgreSQL memory setting of
    stats_overview (backend-dependent)."""
    return [q for q in queries.captured_queries if "FROM" in q["sql"].upper()]


def test_the_number_of_queries_does_not_grow_with_the_rows(
    known, window_a, item, django_assert_num_queries
):
    compute_stats(2025)  # the calendar years are cached from here on

    # Cases, ratings (with their rectification), online applications, complaints, queue tickets
    # (hall.stats).
    with django_assert_num_queries(5):
        compute_stats(2025)
    # Cases once per date that gives the month (3), ratings, applications, complaints; no
    # labels, no queue figures (compute_stats' own).
    with django_assert_num_queries(6):
        stats_by(2025, "month")
    # The same four and one for the windows' names.
    with django_assert_num_queries(5):
        stats_by(2025, "window")
    before = {d: _count_queries(lambda d=d: stats_by(2025, d)) for d in DIMENSIONS}

    other = ServicePointFactory(district=window_a.district)
    more_of_the_same(other, ServiceItemFactory(category=item.category), 30)
    more_of_the_same(window_a, item, 30)

    with django_assert_num_queries(5):
        compute_stats(2025)
    assert {d: _count_queries(lambda d=d: stats_by(2025, d)) for d in DIMENSIONS} == before


@pytest.mark.parametrize("scope", ["all", "district", "item", "viewer"])
def test_the_overview_rolls_up_to_the_same_figures(known, scope):
    scope = {
        "all": {},
        "district": {"district": "310104"},
        "item": {"item": known.item.code},
        "viewer": {"windows": [known.window_a.pk]},
    }[scope]
    close_rectification(known.ratings.r4, at(2025, 6, 3, 15))

    overview = stats_overview(2025, **scope)

    assert overview["totals"] == compute_stats(2025, **scope)
    for dimension in DIMENSIONS:
        assert overview["by"][dimension] == stats_by(2025, dimension, **scope), dimension


def test_the_overview_takes_a_fixed_number_of_queries(known, window_a, item):
    stats_overview(2025)

    # Window × item × staff: cases, ratings, applications, complaints (4); the windows'
    # districts (1); by month: cases three times, ratings, applications, complaints (6); the
    # labels of districts, windows, items and staff (4); the queue's figures and its heat map
    # (hall.stats, 2): 17.
    assert _count_queries(lambda: stats_overview(2025)) == 17
    more_of_the_same(window_a, item, 20)
    assert _count_queries(lambda: stats_overview(2025)) == 17
    # The detail pass (4), the districts (1), the month pass (6), the items' labels (1), the
    # queue's two: 14, whatever the rows.
    assert _count_queries(lambda: stats_overview(2025, ["month", "item"])) == 14
