"""Fair booking (against 黄牛 scalping): limits per ID document and per phone, one booking per item
and day, no-shows recorded after the slot, and the suspension after three of them."""

import datetime as dt

import pytest
from django.utils import translation

from appointments import services
from appointments.constants import Action, Channel, Status
from appointments.exceptions import BookingRefused
from appointments.models import Case
from tests.appointments.factories import person
from tests.catalog.factories import ServiceItemFactory
from tests.windows.factories import ServicePointFactory

CST = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 9, 29, 10, 0, tzinfo=CST)  # Tuesday
DAYS = [dt.date(2026, 9, 30), dt.date(2026, 10, 8), dt.date(2026, 10, 9), dt.date(2026, 10, 12)]

pytestmark = pytest.mark.django_db


def at(day, hour, minute=0):
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=CST)


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def items():
    return ServiceItemFactory.create_batch(4)


@pytest.fixture
def window(items):
    window = ServicePointFactory(counters=5, horizon_days=20)
    window.items.add(*items)
    return window


def book(window, item, start, **who):
    fields = {**person(1), **who}
    return services.book(window=window, item=item, start=start, **fields)


def refusal_code(call):
    with pytest.raises(BookingRefused) as refusal:
        call()
    return refusal.value


def test_at_most_three_upcoming_bookings_per_id_document(window, items):
    for day, item in zip(DAYS[:3], items, strict=False):
        book(window, item, at(day, 9))
    refused = refusal_code(lambda: book(window, items[3], at(DAYS[3], 9)))
    assert refused.code == "limit_reached"
    assert "3" in str(refused.message)
    assert Case.objects.count() == 3


def test_at_most_three_upcoming_bookings_per_phone(window, items):
    for seq, (day, item) in enumerate(zip(DAYS[:3], items, strict=False), start=10):
        book(window, item, at(day, 9), **{**person(seq), "phone": "13900000001"})
    with translation.override("en"):
        refused = refusal_code(
            lambda: book(window, items[3], at(DAYS[3], 9), **{**person(20), "phone": "13900000001"})
        )
    assert refused.code == "limit_reached"
    assert "mobile number" in str(refused.message)  # says which limit


def test_one_booking_per_item_and_day(window, items):
    book(window, items[0], at(DAYS[0], 9))
    refused = refusal_code(lambda: book(window, items[0], at(DAYS[0], 14)))
    assert refused.code == "duplicate_booking"
    book(window, items[1], at(DAYS[0], 14))  # another item the same day
    book(window, items[0], at(DAYS[1], 9))  # the same item another day


def test_cancelled_and_past_bookings_do_not_count(window, items, time_machine):
    first = book(window, items[0], at(DAYS[0], 9))
    book(window, items[1], at(DAYS[1], 9))
    book(window, items[2], at(DAYS[2], 9))
    services.cancel(first)
    book(window, items[0], at(DAYS[0], 10))  # the cancelled one neither counts nor blocks the day
    time_machine.move_to(at(DAYS[0], 12), tick=False)  # the 10:00 appointment is now past
    book(window, items[3], at(DAYS[3], 9))


def test_the_limits_come_from_settings(window, items, settings):
    settings.MAX_ACTIVE_BOOKINGS_PER_ID = 1
    book(window, items[0], at(DAYS[0], 9))
    assert refusal_code(lambda: book(window, items[1], at(DAYS[1], 9))).code == "limit_reached"
    settings.MAX_ACTIVE_BOOKINGS_PER_ID = 3
    settings.MAX_BOOKINGS_PER_ITEM_PER_DAY = 2
    book(window, items[1], at(DAYS[1], 9))
    book(window, items[0], at(DAYS[0], 10))


def test_staff_booking_for_someone_at_the_window_is_not_limited(window, items, settings):
    settings.MAX_ACTIVE_BOOKINGS_PER_ID = 1
    book(window, items[0], at(DAYS[0], 9))
    case = book(window, items[1], at(DAYS[1], 9), channel=Channel.WALK_IN)
    assert case.channel == Channel.WALK_IN


# No-shows -----------------------------------------------------------------------------------


def test_a_booking_without_check_in_becomes_a_no_show_after_its_slot(window, items, time_machine):
    missed = book(window, items[0], at(DAYS[0], 9))
    came = book(window, items[1], at(DAYS[0], 9), **person(2))
    later = book(window, items[2], at(DAYS[0], 9, 30), **person(3))
    Case.objects.filter(pk=came.pk).update(status=Status.CHECKED_IN)

    time_machine.move_to(at(DAYS[0], 9, 29), tick=False)
    assert services.mark_no_shows() == 0
    time_machine.move_to(at(DAYS[0], 9, 31), tick=False)
    assert services.mark_no_shows() == 1
    assert services.mark_no_shows() == 0  # idempotent

    statuses = dict(Case.objects.values_list("pk", "status"))
    assert statuses == {
        missed.pk: Status.NO_SHOW,
        came.pk: Status.CHECKED_IN,
        later.pk: Status.BOOKED,
    }
    assert missed.events.last().action == Action.NO_SHOW


def miss(window, item, day, time_machine):
    """Book `item` on `day` as person 1 (from the day before), then let the slot pass."""
    time_machine.move_to(at(day - dt.timedelta(days=1), 8), tick=False)
    window.horizon_days = 60
    window.save()
    case = book(window, item, at(day, 9))
    time_machine.move_to(at(day, 18), tick=False)
    assert services.mark_no_shows() == 1
    return case


def test_three_no_shows_within_90_days_suspend_booking_for_30_days(window, items, time_machine):
    id_number = person(1)["id_number"]
    for day in (dt.date(2026, 9, 30), dt.date(2026, 11, 3), dt.date(2026, 12, 22)):
        assert services.suspension_until(id_number) is None
        miss(window, items[0], day, time_machine)

    # The third no-show on 22 December suspends online booking to 21 January inclusive.
    assert services.suspension_until(id_number) == dt.date(2027, 1, 21)
    refused = refusal_code(lambda: book(window, items[1], at(dt.date(2026, 12, 24), 9)))
    assert refused.code == "suspended"
    assert "2027-01-21" in str(refused.message)

    time_machine.move_to(at(dt.date(2027, 1, 21), 17), tick=False)
    assert services.suspension_until(id_number) == dt.date(2027, 1, 21)
    time_machine.move_to(at(dt.date(2027, 1, 22), 8), tick=False)
    assert services.suspension_until(id_number) is None
    book(window, items[1], at(dt.date(2027, 1, 25), 9))


def test_no_shows_spread_over_more_than_90_days_do_not_suspend(window, items, time_machine):
    for day in (dt.date(2026, 9, 30), dt.date(2026, 11, 3), dt.date(2026, 12, 29)):
        miss(window, items[0], day, time_machine)  # 90 days from the first to the third
    assert services.suspension_until(person(1)["id_number"]) is None


def test_suspension_is_per_id_document(window, items, time_machine):
    for day in (dt.date(2026, 9, 30), dt.date(2026, 10, 8), dt.date(2026, 10, 9)):
        miss(window, items[0], day, time_machine)
    assert services.suspension_until(person(1)["id_number"]) == dt.date(2026, 11, 8)
    assert services.suspension_until(person(2)["id_number"]) is None
    book(window, items[0], at(dt.date(2026, 10, 12), 9), **person(2))
