"""Slot generation: opening hours with a lunch break, leftovers, holidays, adjusted working days
(调休), the cut-off and the horizon counted in working days across National Day 2026."""

import datetime as dt

import pytest
from django.utils import timezone

from appointments import slots
from appointments.models import Slot
from tests.windows.factories import ServicePointFactory

CST = dt.timezone(dt.timedelta(hours=8))
# Tuesday 29 September 2026, 10:00 in Shanghai: National Day (1–7 October) is two days away.
NOW = dt.datetime(2026, 9, 29, 10, 0, tzinfo=CST)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


def at(day, hour, minute=0):
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=CST)


def local_times(rows):
    return [f"{timezone.localtime(s.start):%H:%M}" for s in rows]


@pytest.fixture
def window():
    # Mon–Fri 09:00–12:00 and 13:30–17:00 (the factory's hours), 30-minute slots, 2 counters.
    return ServicePointFactory(counters=2, people_per_slot=3)


def test_a_working_day_has_slots_from_both_periods_and_none_over_lunch(window):
    rows = slots.day_slots(window, dt.date(2026, 9, 30))
    assert local_times(rows) == [
        "09:00", "09:30", "10:00", "10:30", "11:00", "11:30",
        "13:30", "14:00", "14:30", "15:00", "15:30", "16:00", "16:30",
    ]  # fmt: skip
    assert all(s.end - s.start == dt.timedelta(minutes=30) for s in rows)
    assert {s.capacity for s in rows} == {6}  # 2 counters × 3 people
    assert timezone.localtime(rows[0].start).utcoffset() == dt.timedelta(hours=8)


def test_a_leftover_shorter_than_a_slot_gives_none():
    window = ServicePointFactory(slot_minutes=40, hours=[(2, (9, 0), (11, 30))])
    rows = slots.day_slots(window, dt.date(2026, 9, 30))  # a Wednesday
    assert local_times(rows) == ["09:00", "09:40", "10:20"]  # 11:00–11:30 is too short


def test_slots_are_created_once_and_then_read_in_a_fixed_number_of_queries(
    window, django_assert_max_num_queries
):
    day = dt.date(2026, 9, 30)
    slots.day_slots(window, day)  # warms the working-day calendar too
    with django_assert_max_num_queries(2):  # opening periods, the day's slots
        again = slots.day_slots(window, day)
    assert len(again) == 13
    assert Slot.objects.filter(window=window).count() == 13


def test_creating_a_day_takes_four_queries_whatever_its_length(
    window, django_assert_max_num_queries
):
    slots.day_slots(window, dt.date(2026, 9, 30))
    with django_assert_max_num_queries(4):  # periods, read, one bulk insert, re-read
        slots.day_slots(window, dt.date(2026, 10, 8))


@pytest.mark.parametrize(
    "day",
    [dt.date(2026, 10, 1), dt.date(2026, 10, 5), dt.date(2026, 9, 25), dt.date(2026, 10, 11)],
    ids=["national-day", "national-day-monday", "mid-autumn", "sunday"],
)
def test_non_working_days_have_no_slots(window, day):
    assert slots.day_slots(window, day) == []
    assert not Slot.objects.exists()


def test_an_adjusted_working_sunday_has_the_hours_of_monday(window):
    rows = slots.day_slots(window, dt.date(2026, 9, 20))  # Sunday, worked for National Day
    assert len(rows) == 13
    assert local_times(rows)[:2] == ["09:00", "09:30"]


def test_an_adjusted_working_day_uses_the_first_weekday_with_hours():
    # Closed on Mondays: the adjusted Saturday 10 October takes Tuesday's hours.
    window = ServicePointFactory(hours=[(1, (13, 0), (14, 0)), (3, (9, 0), (10, 0))])
    rows = slots.day_slots(window, dt.date(2026, 10, 10))
    assert local_times(rows) == ["13:00", "13:30"]


def test_slots_follow_a_change_of_capacity_but_never_below_the_bookings(window):
    day = dt.date(2026, 9, 30)
    first, second, *_ = slots.day_slots(window, day)
    Slot.objects.filter(pk=second.pk).update(booked=5)
    window.counters = 1  # capacity 3
    rows = slots.day_slots(window, day)
    assert rows[0].capacity == 3
    assert rows[1].capacity == 6  # 5 booked: keeps its places
    assert Slot.objects.get(pk=first.pk).capacity == 3


def test_find_slot(window):
    day = dt.date(2026, 9, 30)
    assert slots.find_slot(window, at(day, 13, 30)).start == at(day, 13, 30)
    assert slots.find_slot(window, at(day, 13, 45)) is None
    assert slots.find_slot(window, at(day, 12, 30)) is None
    assert slots.find_slot(window, at(dt.date(2026, 10, 1), 9)) is None


# Horizon and cut-off ----------------------------------------------------------------------------


def test_the_horizon_counts_working_days_across_national_day(window):
    window.horizon_days = 10
    assert slots.bookable_days(window) == [
        dt.date(2026, 9, 29),  # today: slots remain after the cut-off
        dt.date(2026, 9, 30),
        dt.date(2026, 10, 8),
        dt.date(2026, 10, 9),
        dt.date(2026, 10, 10),  # Saturday, adjusted working day
        dt.date(2026, 10, 12),
        dt.date(2026, 10, 13),
        dt.date(2026, 10, 14),
        dt.date(2026, 10, 15),
        dt.date(2026, 10, 16),
        dt.date(2026, 10, 19),
    ]


def test_today_is_left_out_once_its_last_slot_is_within_the_cut_off(window, settings):
    settings.BOOKING_CUTOFF_MINUTES = 60
    window.horizon_days = 2
    late = at(dt.date(2026, 9, 29), 15, 31)  # last slot 16:30, cut-off 15:30
    assert slots.bookable_days(window, now=late) == [dt.date(2026, 9, 30), dt.date(2026, 10, 8)]
    just_in_time = at(dt.date(2026, 9, 29), 15, 30)
    assert slots.bookable_days(window, now=just_in_time)[0] == dt.date(2026, 9, 29)


def test_a_holiday_today_is_not_bookable(window):
    holiday = at(dt.date(2026, 10, 2), 8)
    window.horizon_days = 1
    assert slots.bookable_days(window, now=holiday) == [dt.date(2026, 10, 8)]


@pytest.mark.parametrize(
    ("start", "bookable"),
    [
        (at(dt.date(2026, 9, 29), 9, 30), False),  # past
        (at(dt.date(2026, 9, 29), 10, 30), False),  # within the 60-minute cut-off
        (at(dt.date(2026, 9, 29), 11, 0), True),  # exactly at the cut-off
        (at(dt.date(2026, 10, 19), 16, 30), True),  # last day of the horizon
        (at(dt.date(2026, 10, 20), 9, 0), False),  # beyond it
    ],
)
def test_is_bookable(window, settings, start, bookable):
    settings.BOOKING_CUTOFF_MINUTES = 60
    slot = slots.find_slot(window, start)
    assert slot is not None
    assert slots.is_bookable(slot) is bookable


def test_a_slot_on_a_day_that_became_a_holiday_is_not_bookable(window):
    from appointments.constants import DayKind
    from appointments.models import CalendarDay

    slot = slots.find_slot(window, at(dt.date(2026, 10, 8), 9))
    assert slots.is_bookable(slot)
    CalendarDay.objects.create(date=dt.date(2026, 10, 8), kind=DayKind.HOLIDAY, name="停电")
    assert not slots.is_bookable(slot)
    assert slots.day_slots(window, dt.date(2026, 10, 8)) == []
