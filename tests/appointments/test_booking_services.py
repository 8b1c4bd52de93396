"""The booking services: book, cancel, reschedule, references and tokens."""

import datetime as dt
import re

import pytest
from django.http import Http404

from appointments import references, services
from appointments.constants import Action, Channel, Status
from appointments.exceptions import SlotFull, SlotUnavailable, TransitionNotAllowed
from appointments.models import Case, Slot
from tests.appointments.factories import person
from tests.catalog.factories import ServiceItemFactory
from tests.windows.factories import ServicePointFactory, UserFactory

CST = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 9, 29, 10, 0, tzinfo=CST)  # Tuesday
DAY = dt.date(2026, 9, 30)

pytestmark = pytest.mark.django_db


def at(day, hour, minute=0):
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=CST)


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def item():
    return ServiceItemFactory()


@pytest.fixture
def window(item):
    window = ServicePointFactory(counters=2, people_per_slot=1)
    window.items.add(item)
    return window


def book(window, item, start, seq=0, **extra):
    return services.book(window=window, item=item, start=start, **person(seq), **extra)


def slot_at(window, start):
    return Slot.objects.get(window=window, start=start)


def test_a_booking_is_a_booked_case_holding_one_place(window, item):
    case = book(window, item, at(DAY, 9), seq=1)
    case.refresh_from_db()
    assert case.status == Status.BOOKED
    assert case.channel == Channel.BOOKING
    assert case.start == at(DAY, 9)
    assert case.slot == slot_at(window, at(DAY, 9))
    assert case.slot.booked == 1
    assert re.fullmatch(r"YY260929[2-9A-HJKMNP-Z]{4}", case.reference)
    assert [(e.action, e.to_status) for e in case.events.all()] == [(Action.CREATE, Status.BOOKED)]


def test_a_full_slot_refuses_the_next_booking(window, item):
    book(window, item, at(DAY, 9), seq=1)
    book(window, item, at(DAY, 9), seq=2)
    with pytest.raises(SlotFull) as refusal:
        book(window, item, at(DAY, 9), seq=3)
    assert refusal.value.code == "slot_full"
    assert slot_at(window, at(DAY, 9)).booked == 2
    assert Case.objects.count() == 2


@pytest.mark.parametrize(
    ("start", "code"),
    [
        (at(DAY, 9, 15), "not_a_slot"),
        (at(DAY, 12, 30), "not_a_slot"),  # lunch break
        (at(dt.date(2026, 10, 1), 9), "not_a_slot"),  # National Day
        (at(dt.date(2026, 9, 29), 9), "slot_unavailable"),  # past
        (at(dt.date(2026, 9, 29), 10, 30), "slot_unavailable"),  # within the cut-off
        (at(dt.date(2026, 10, 20), 9), "slot_unavailable"),  # beyond the horizon
    ],
)
def test_only_bookable_slot_starts_can_be_booked(window, item, start, code):
    with pytest.raises(SlotUnavailable) as refusal:
        book(window, item, start)
    assert refusal.value.code == code
    assert not Case.objects.exists()


def test_an_item_the_window_does_not_offer_cannot_be_booked(window):
    with pytest.raises(SlotUnavailable) as refusal:
        book(window, ServiceItemFactory(), at(DAY, 9))
    assert refusal.value.code == "item_not_offered"


# Cancel ----------------------------------------------------------------------------------------


def test_cancelling_frees_the_place(window, item):
    case = book(window, item, at(DAY, 9), seq=1)
    book(window, item, at(DAY, 9), seq=2)
    cancelled = services.cancel(case)
    assert cancelled.status == Status.CANCELLED
    assert slot_at(window, at(DAY, 9)).booked == 1
    assert case.events.last().action == Action.CANCEL
    book(window, item, at(DAY, 9), seq=3)  # the freed place can be taken again
    assert slot_at(window, at(DAY, 9)).booked == 2


def test_cancelling_twice_is_refused_and_frees_nothing_more(window, item):
    case = book(window, item, at(DAY, 9), seq=1)
    services.cancel(case)
    with pytest.raises(TransitionNotAllowed):
        services.cancel(case)
    assert slot_at(window, at(DAY, 9)).booked == 0


def test_the_person_cannot_cancel_once_the_appointment_began_but_staff_can(
    window, item, time_machine
):
    case = book(window, item, at(DAY, 9), seq=1)
    time_machine.move_to(at(DAY, 9, 5), tick=False)
    with pytest.raises(TransitionNotAllowed) as refusal:
        services.cancel(case)
    assert refusal.value.code == "too_late"
    clerk = UserFactory()
    assert services.cancel(case, actor=clerk).status == Status.CANCELLED
    assert case.events.last().actor == clerk


# Reschedule ------------------------------------------------------------------------------------


def test_rescheduling_moves_the_place(window, item):
    case = book(window, item, at(DAY, 9), seq=1)
    moved = services.reschedule(case, at(dt.date(2026, 10, 8), 14))
    moved.refresh_from_db()
    assert moved.start == at(dt.date(2026, 10, 8), 14)
    assert moved.status == Status.BOOKED
    assert slot_at(window, at(DAY, 9)).booked == 0
    assert slot_at(window, at(dt.date(2026, 10, 8), 14)).booked == 1
    event = moved.events.last()
    assert event.action == Action.RESCHEDULE
    assert event.note == "2026-09-30 09:00 → 2026-10-08 14:00"


def test_rescheduling_to_a_full_slot_changes_nothing(window, item):
    case = book(window, item, at(DAY, 9), seq=1)
    book(window, item, at(DAY, 10), seq=2)
    book(window, item, at(DAY, 10), seq=3)
    with pytest.raises(SlotFull):
        services.reschedule(case, at(DAY, 10))
    case.refresh_from_db()
    assert case.start == at(DAY, 9)
    assert slot_at(window, at(DAY, 9)).booked == 1
    assert slot_at(window, at(DAY, 10)).booked == 2


def test_rescheduling_to_the_same_time_or_a_cancelled_booking_is_refused(window, item):
    case = book(window, item, at(DAY, 9), seq=1)
    with pytest.raises(SlotUnavailable):
        services.reschedule(case, at(DAY, 9))
    services.cancel(case)
    case.refresh_from_db()
    with pytest.raises(TransitionNotAllowed):
        services.reschedule(case, at(DAY, 10))


# References and tokens -------------------------------------------------------------------------


def test_references_skip_ones_in_use(window, item, monkeypatch):
    taken = book(window, item, at(DAY, 9), seq=1).reference
    draws = iter(taken[-4:] + "ABCD")
    monkeypatch.setattr(references.secrets, "choice", lambda alphabet: next(draws))
    assert references.new_reference() == taken[:-4] + "ABCD"


def test_the_token_is_stable_secret_and_checked(window, item):
    case = book(window, item, at(DAY, 9), seq=1)
    token = services.booking_token(case)
    assert re.fullmatch(r"[0-9a-f]{32}", token)
    assert services.booking_token(Case.objects.get(pk=case.pk)) == token
    assert services.check_token(case, token)
    assert not services.check_token(case, token.upper())
    assert not services.check_token(case, None)
    assert not services.check_token(case, ["x"])


def test_a_booking_is_found_only_with_its_token(window, item):
    case = book(window, item, at(DAY, 9), seq=1)
    token = services.booking_token(case)
    assert services.get_booking_for_token(case.reference, token) == case
    for reference, wrong in [(case.reference, "0" * 32), ("YY000000AAAA", token)]:
        with pytest.raises(Http404):
            services.get_booking_for_token(reference, wrong)


def test_the_manage_link_carries_reference_and_token(window, item, settings):
    settings.PORTAL_BASE_URL = "https://ip.example.gov.cn/"
    case = book(window, item, at(DAY, 9), seq=1)
    url = services.manage_url(case)
    assert url.startswith("https://ip.example.gov.cn/")
    assert f"/{case.reference}/?token={services.booking_token(case)}" in url
