"""The working-day calendar: official schedule (调休), the bureau's table, the Mon–Fri fallback,
and the cache that keeps it to one query per year."""

import datetime as dt
import os
import subprocess
import sys

import chinese_calendar
import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from appointments import workdays
from appointments.constants import CalendarSource, DayKind
from appointments.models import CalendarDay

D = dt.date.fromisoformat


@pytest.fixture(autouse=True)
def fresh_calendar():
    # The cache outlives each test's rolled-back transaction; start every test from nothing.
    workdays.clear_cache()
    yield
    workdays.clear_cache()


def holiday(day, name="测试假日"):
    return CalendarDay.objects.create(date=D(day), kind=DayKind.HOLIDAY, name=name)


def workday(day, name="测试调休"):
    return CalendarDay.objects.create(date=D(day), kind=DayKind.WORKDAY, name=name)


def test_2027_is_not_in_the_package():
    # Several tests below rely on 2027 having no official data (chinesecalendar 1.11). When the
    # package gains 2027, move those tests to the first year it lacks.
    assert 2026 in workdays.OFFICIAL_YEARS
    assert 2027 not in workdays.OFFICIAL_YEARS
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(D("2027-01-04"))


# The official schedule ---------------------------------------------------------------------


@pytest.mark.django_db
def test_the_2026_official_days_around_national_day():
    # State Council 2026: Mid-autumn Fri 25 Sep to Sun 27 Sep; National Day 1–7 Oct, with
    # Sunday 20 Sep and Saturday 10 Oct as working days.
    for day in ("2026-09-25", "2026-09-26", "2026-09-27", "2026-10-01", "2026-10-07"):
        assert not chinese_calendar.is_workday(D(day))
        assert not workdays.is_working_day(D(day)), day
    for day in ("2026-09-20", "2026-10-10", "2026-09-24", "2026-10-08"):
        assert chinese_calendar.is_workday(D(day))
        assert workdays.is_working_day(D(day)), day


@pytest.mark.django_db
def test_the_whole_package_range_agrees_with_chinese_calendar():
    day = D("2025-01-01")
    while day.year < 2027:
        assert workdays.is_working_day(day) == chinese_calendar.is_workday(day), day
        day += dt.timedelta(days=1)


@pytest.mark.django_db
def test_thursday_plus_three_skips_mid_autumn_and_the_weekend():
    # docs/architecture.md: 25 Sep is Mid-autumn, 26/27 a weekend: 28 (1), 29 (2), 30 (3).
    assert workdays.add_working_days(D("2026-09-24"), 3) == D("2026-09-30")


@pytest.mark.django_db
def test_friday_plus_two_counts_the_adjusted_sunday():
    # Saturday 19 Sep is off; Sunday 20 Sep is a working day (调休) and is day 1; Mon 21 is day 2.
    assert workdays.add_working_days(D("2026-09-18"), 2) == D("2026-09-21")


@pytest.mark.django_db
def test_national_day_week_is_skipped():
    # Wed 30 Sep + 1: 1–7 Oct are holidays, Thu 8 Oct is the next working day.
    assert workdays.add_working_days(D("2026-09-30"), 1) == D("2026-10-08")
    # ... and Saturday 10 Oct is a working day (调休).
    assert workdays.add_working_days(D("2026-09-30"), 3) == D("2026-10-10")


@pytest.mark.django_db
def test_zero_days_is_the_date_itself_even_on_a_holiday():
    assert workdays.add_working_days(D("2026-10-01"), 0) == D("2026-10-01")


def test_negative_days_are_refused():
    with pytest.raises(ValueError):
        workdays.add_working_days(D("2026-09-24"), -1)
    with pytest.raises(ValueError):
        workdays.next_working_days(D("2026-09-24"), -1)


def test_a_datetime_is_refused():
    # Its date depends on the time zone; callers pass timezone.localdate() or a date.
    with pytest.raises(TypeError):
        workdays.is_working_day(dt.datetime(2026, 9, 24, 12))


# Fallback and spans across years -------------------------------------------------------------


@pytest.mark.django_db
def test_a_span_from_2026_into_the_fallback_year_2027():
    # Wed 2026-12-30 + 5: Thu 31 Dec (1, official working day); Fri 2027-01-01 (2: no data for
    # 2027, so Monday–Friday applies and New Year's Day is a working day); Sat 2 and Sun 3 off;
    # Mon 4 (3), Tue 5 (4), Wed 6 (5).
    assert workdays.add_working_days(D("2026-12-30"), 5) == D("2027-01-06")
    assert workdays.is_working_day(D("2027-01-01"))
    assert not workdays.is_working_day(D("2027-01-02"))


@pytest.mark.django_db
def test_span_source_is_fallback_when_any_year_falls_back():
    assert workdays.span_source(D("2026-12-31"), D("2027-01-06")) == CalendarSource.FALLBACK
    assert workdays.span_source(D("2026-09-25"), D("2026-09-30")) == CalendarSource.OFFICIAL
    holiday("2027-01-01", "元旦")
    assert workdays.span_source(D("2026-12-31"), D("2027-01-06")) == CalendarSource.BUREAU


@pytest.mark.django_db
def test_calendar_source_of_each_kind_of_year():
    assert workdays.calendar_source(2026) == CalendarSource.OFFICIAL
    assert workdays.calendar_source(2027) == CalendarSource.FALLBACK
    holiday("2027-01-01", "元旦")
    assert workdays.calendar_source(2027) == CalendarSource.BUREAU
    # Rows in an official year do not change its source.
    holiday("2026-09-29")
    assert workdays.calendar_source(2026) == CalendarSource.OFFICIAL


# The bureau's table wins -------------------------------------------------------------------


@pytest.mark.django_db
def test_a_bureau_holiday_on_a_weekday_moves_the_due_date():
    holiday("2026-09-29", "临时休息")
    # 28 Sep (1); 29 Sep now a holiday; 30 Sep (2); 1–7 Oct National Day; 8 Oct (3).
    assert workdays.add_working_days(D("2026-09-24"), 3) == D("2026-10-08")


@pytest.mark.django_db
def test_bureau_rows_in_2027_extend_the_schedule():
    holiday("2027-01-01", "元旦")
    # The same span as in the fallback test, with New Year's Day now off: one day later.
    assert workdays.add_working_days(D("2026-12-30"), 5) == D("2027-01-07")


@pytest.mark.django_db
def test_a_bureau_workday_on_a_weekend():
    workday("2026-09-19", "调休上班")
    # Fri 18 + 2: Sat 19 (1, the bureau's working Saturday), Sun 20 (2, official 调休).
    assert workdays.add_working_days(D("2026-09-18"), 2) == D("2026-09-20")
    workday("2027-01-09")
    assert workdays.is_working_day(D("2027-01-09"))
    assert workdays.add_working_days(D("2027-01-08"), 1) == D("2027-01-09")


@pytest.mark.django_db
def test_bureau_rows_cancel_official_exceptions():
    # A working day where the package has a holiday, and a day off on an official 调休 Sunday.
    workday("2026-09-25")
    holiday("2026-09-20")
    assert workdays.add_working_days(D("2026-09-24"), 1) == D("2026-09-25")
    assert workdays.add_working_days(D("2026-09-18"), 2) == D("2026-09-22")


@pytest.mark.django_db
def test_year_calendar_lists_the_special_days_with_their_source():
    holiday("2026-09-29", "临时休息")
    days = {day.date: day for day in workdays.year_calendar(2026).special_days()}
    assert days[D("2026-10-01")].kind == DayKind.HOLIDAY
    assert days[D("2026-10-01")].name == "国庆节"
    assert days[D("2026-10-01")].source == CalendarSource.OFFICIAL
    assert days[D("2026-09-20")].kind == DayKind.WORKDAY
    assert days[D("2026-09-29")].source == CalendarSource.BUREAU
    # Only days that differ from Monday–Friday: a holiday Saturday is not listed.
    assert D("2026-09-26") not in days
    assert D("2026-09-24") not in days


# Counting between dates and listing working days ---------------------------------------------


@pytest.mark.django_db
def test_working_days_between():
    assert workdays.working_days_between(D("2026-09-24"), D("2026-09-30")) == 3
    assert workdays.working_days_between(D("2026-09-30"), D("2026-09-24")) == -3
    assert workdays.working_days_between(D("2026-09-24"), D("2026-09-24")) == 0
    # A whole year: 2026 has 248 official working days; 2027 falls back (261 weekdays).
    official = len(chinese_calendar.get_workdays(D("2026-01-01"), D("2026-12-31")))
    assert official == 248
    assert workdays.working_days_between(D("2025-12-31"), D("2026-12-31")) == 248
    assert workdays.working_days_between(D("2026-12-31"), D("2027-12-31")) == 261


@pytest.mark.django_db
def test_working_days_between_is_the_inverse_of_add_working_days():
    start = D("2026-09-10")
    for n in range(0, 120, 7):
        assert workdays.working_days_between(start, workdays.add_working_days(start, n)) == n


@pytest.mark.django_db
def test_next_working_days_starts_on_the_day_itself_when_it_works():
    assert workdays.next_working_days(D("2026-09-30"), 3) == [
        D("2026-09-30"),
        D("2026-10-08"),
        D("2026-10-09"),
    ]
    # From a holiday: the first working day after it.
    assert workdays.next_working_days(D("2026-10-01"), 2) == [D("2026-10-08"), D("2026-10-09")]
    assert workdays.next_working_days(D("2026-10-01"), 0) == []


# Cache --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_one_query_per_year_then_none(django_assert_num_queries):
    # Cold: one query for 2026's rows, one for 2027's.
    with django_assert_num_queries(2):
        workdays.add_working_days(D("2026-12-30"), 5)
    # Warm: no query at all, for any function.
    with django_assert_num_queries(0):
        workdays.add_working_days(D("2026-01-05"), 365)
        workdays.working_days_between(D("2026-01-01"), D("2027-12-31"))
        workdays.next_working_days(D("2026-09-30"), 10)
        workdays.calendar_source(2027)


@pytest.mark.django_db
def test_saving_and_deleting_a_row_takes_effect_at_once(django_assert_num_queries):
    assert workdays.add_working_days(D("2026-09-24"), 3) == D("2026-09-30")
    row = holiday("2026-09-29")
    with django_assert_num_queries(1):  # the year is reloaded once
        assert workdays.add_working_days(D("2026-09-24"), 3) == D("2026-10-08")
    row.kind = DayKind.WORKDAY
    row.save()
    assert workdays.add_working_days(D("2026-09-24"), 3) == D("2026-09-30")
    row.delete()
    assert workdays.add_working_days(D("2026-09-24"), 3) == D("2026-09-30")
    assert workdays.calendar_source(2026) == CalendarSource.OFFICIAL


@pytest.mark.django_db
def test_deleting_the_last_row_of_a_year_brings_back_the_fallback():
    assert workdays.calendar_source(2027) == CalendarSource.FALLBACK
    row = holiday("2027-01-01")
    assert workdays.calendar_source(2027) == CalendarSource.BUREAU
    CalendarDay.objects.filter(pk=row.pk).delete()  # a queryset delete sends signals too
    assert workdays.calendar_source(2027) == CalendarSource.FALLBACK


@pytest.mark.django_db
def test_a_change_in_another_process_is_seen(django_assert_num_queries):
    workdays.add_working_days(D("2026-09-24"), 3)
    # Another process changed a row: all it can tell this one is the shared version.
    cache.set(workdays.VERSION_KEY, "changed-elsewhere")
    with django_assert_num_queries(1):
        workdays.add_working_days(D("2026-09-24"), 3)


@pytest.mark.django_db
def test_the_version_changes_again_on_commit(django_capture_on_commit_callbacks):
    before = cache.get(workdays.VERSION_KEY)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        holiday("2027-01-01")
    on_save = cache.get(workdays.VERSION_KEY)
    assert on_save != before
    for callback in callbacks:
        callback()
    assert cache.get(workdays.VERSION_KEY) not in (before, on_save)


class Rollback(Exception):
    pass


@pytest.mark.django_db
def test_rows_rolled_back_are_forgotten():
    with pytest.raises(Rollback), transaction.atomic():
        holiday("2027-01-01")
        assert not workdays.is_working_day(D("2027-01-01"))
        raise Rollback
    assert not CalendarDay.objects.exists()
    assert workdays.is_working_day(D("2027-01-01"))
    assert workdays.calendar_source(2027) == CalendarSource.FALLBACK


@pytest.mark.django_db
def test_clear_cache_forgets_rows_written_without_signals(django_assert_num_queries):
    assert workdays.is_working_day(D("2027-01-04"))
    CalendarDay.objects.bulk_create([CalendarDay(date=D("2027-01-04"), kind=DayKind.HOLIDAY)])
    workdays.clear_cache()
    assert not workdays.is_working_day(D("2027-01-04"))


def _database_url():
    db = settings.DATABASES["default"]
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_an_edit_in_another_process_takes_effect_here():
    assert workdays.is_working_day(D("2027-01-04"))  # now cached in this process
    code = (
        "from appointments.models import CalendarDay; "
        "CalendarDay.objects.create(date='2027-01-04', kind='holiday', name='x')"
    )
    env = {**os.environ, "DATABASE_URL": _database_url(), "REDIS_URL": settings.REDIS_URL}
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=settings.BASE_DIR,
        env=env,
        check=True,
        timeout=60,
    )
    assert not workdays.is_working_day(D("2027-01-04"))
