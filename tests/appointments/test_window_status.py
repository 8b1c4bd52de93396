"""Issue 11: a window's page says whether it is open now (opening hours, the working-day
calendar with 调休) and its next free slot."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from appointments import services, slots
from appointments.window_status import window_status
from tests.appointments.factories import person
from windows.views import get_public_point

SHANGHAI = ZoneInfo("Asia/Shanghai")

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]


def at(year, month, day, hour, minute=0):
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def status_at(window, moment):
    with time_machine.travel(moment, tick=False):
        return window_status(get_public_point(window.pk))


def test_open_in_the_morning_until_the_lunch_break(window_a):
    status = status_at(window_a, at(2026, 11, 23, 10))  # Monday
    assert status.is_open and status.closes_at == at(2026, 11, 23, 12)
    assert status.next_opening is None
    assert status.working_day and not status.adjusted and not status.holiday


def test_closed_at_lunch_opens_again_in_the_afternoon(window_a):
    status = status_at(window_a, at(2026, 11, 23, 12, 30))
    assert not status.is_open and status.next_opening == at(2026, 11, 23, 13, 30)


def test_closed_on_sunday_opens_on_monday(window_a):
    status = status_at(window_a, at(2026, 11, 22, 10))  # Sunday
    assert not status.is_open and status.next_opening == at(2026, 11, 23, 9)


def test_open_on_an_adjusted_working_saturday(window_a):
    status = status_at(window_a, at(2026, 10, 10, 10))  # 调休: Saturday made a working day
    assert status.is_open and status.adjusted


def test_closed_on_a_weekday_holiday(window_a):
    status = status_at(window_a, at(2026, 10, 1, 10))  # National Day, a Thursday
    assert not status.is_open and status.holiday
    assert status.next_opening == at(2026, 10, 8, 9)  # 10-08 the first working day after


def test_next_free_slot_skips_past_cut_off_and_full_slots(window_a, item):
    window_a.counters, window_a.people_per_slot = 1, 1
    window_a.save()
    now = at(2026, 11, 23, 16, 30)  # the day's last slots are within the cut-off
    with time_machine.travel(now, tick=False):
        first = at(2026, 11, 24, 9)
        assert window_status(get_public_point(window_a.pk)).next_slot.start == first
        services.book(window=window_a, item=item, start=first, **person(1))
        slots.places_changed(window_a.pk, first.date())
        following = window_status(get_public_point(window_a.pk)).next_slot
    assert following.start > first and following.start.date() == first.date()


def test_the_window_page_shows_both(client, window_a):
    client.cookies["django_language"] = "en"
    with time_machine.travel(at(2026, 11, 23, 10), tick=False):
        html = client.get(reverse("windows:detail", args=[window_a.pk])).content.decode()
    assert "Open now" in html and "until 12:00" in html
    assert "Next free time for a booking" in html
    with time_machine.travel(at(2026, 10, 1, 10), tick=False):
        html = client.get(reverse("windows:detail", args=[window_a.pk])).content.decode()
    assert "Closed now" in html and "public holiday" in html
    client.cookies["django_language"] = "zh-hans"
    with time_machine.travel(at(2026, 10, 10, 10), tick=False):
        html = client.get(reverse("windows:detail", args=[window_a.pk])).content.decode()
    assert "正在办公" in html and "调休" in html and "最近可预约时间" in html
