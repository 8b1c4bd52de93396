"""A day at a window with three counters: bookings, walk-ins, priorities, recalls, no-shows and
transfers, with the order of calls and the figures known in advance (issue 13)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from appointments.constants import Action, Status
from appointments.models import Case, CaseEvent, Notice
from appointments.services import suspension_until
from hall import services, waiting
from hall.constants import TicketAction, TicketStatus
from hall.exceptions import AdmissionClosed, CounterBusy, QuotaUsed, RecallLimit, WrongState
from hall.models import Ticket
from tests.appointments.factories import CaseFactory

from .conftest import MORNING

pytestmark = pytest.mark.django_db

PERSON = {
    "name": "王小明",
    "phone": "13812345678",
    "id_type": "other",
    "id_number": "E12345678",
    "email": "",
}


def booking(window, item, start=MORNING, **fields):
    return CaseFactory(booking=True, window=window, item=item, start=start, **fields)


def test_a_day_at_the_window(clock, window_a, items, counters, clerks, settings):
    settings.HALL_GRACE_MINUTES = 15
    a, b, green = items["a"], items["b"], items["green"]
    counters[2].items.set([b])  # counter 3 handles group B only
    booked = booking(window_a, a, start=MORNING + dt.timedelta(minutes=10))

    w1 = services.issue_walk_in(window_a, a, phone="13900000001")
    clock.shift(60)
    w2 = services.issue_walk_in(window_a, b)
    clock.shift(60)
    bk = services.issue_for_booking(window_a, booked.reference.lower())  # typed at the kiosk
    clock.shift(60)
    old = services.issue_walk_in(window_a, a, priority_reason="elderly")
    clock.shift(60)
    gr = services.issue_walk_in(window_a, green)

    assert [t.number for t in (w1, w2, bk, old, gr)] == ["A001", "B001", "A002", "A003", "A004"]
    booked.refresh_from_db()
    assert booked.status == Status.CHECKED_IN  # the kiosk checked the booking in
    assert waiting.ahead_count(w1) == 3  # the priority person, the green item, the booking
    # Same booking again at the kiosk: the same ticket.
    assert services.issue_for_booking(window_a, booked.reference).pk == bk.pk

    # Counter 3 (group B only) calls B001 though A tickets came first.
    b001 = services.call_next(counters[2], clerks[2])
    assert b001.pk == w2.pk
    # One ticket in front of a counter at a time: no next while B001 is called or served.
    with pytest.raises(CounterBusy):
        services.call_next(counters[2], clerks[2])
    services.start(b001, clerks[2], PERSON)
    with pytest.raises(CounterBusy):
        services.call_next(counters[2], clerks[2])
    services.finish(Ticket.objects.get(pk=w2.pk), clerks[2])
    # The others: priority and green channel first, then the booking in time, then walk-ins.
    clock.shift(120)
    first = services.call_next(counters[0], clerks[0])
    second = services.call_next(counters[1], clerks[1])
    assert [first.pk, second.pk] == [old.pk, gr.pk]
    # w1 now has one person ahead (the booking): at most HALL_NOTIFY_AHEAD (3), so an SMS.
    assert Notice.objects.filter(key=f"queue-near:{w1.pk}", recipient="13900000001").exists()

    # Recall at most HALL_MAX_RECALLS times, then no-show.
    settings.HALL_MAX_RECALLS = 2
    services.recall(first, clerks[0])
    services.recall(first, clerks[0])
    with pytest.raises(RecallLimit):
        services.recall(first, clerks[0])
    services.no_show(first, clerks[0])
    assert Ticket.objects.get(pk=old.pk).status == TicketStatus.NO_SHOW

    # Counter 1 calls the booking; they do not come: the case is a no-show (fair booking).
    clock.shift(60)
    called = services.call_next(counters[0], clerks[0])
    assert called.pk == bk.pk
    services.no_show(called, clerks[0])
    booked.refresh_from_db()
    assert booked.status == Status.NO_SHOW
    assert CaseEvent.objects.filter(case=booked, action=Action.QUEUE).count() >= 3

    # Counter 2 serves the green ticket: a walk-in, so its case opens at start.
    with pytest.raises(ValidationError):
        services.start(second, clerks[1])
    clock.shift(60)
    served = services.start(second, clerks[1], PERSON)
    case = Case.objects.get(pk=served.case_id)
    assert case.status == Status.CHECKED_IN and case.handled_by == clerks[1]
    clock.shift(9 * 60)
    services.finish(served, clerks[1], complete=True)
    case.refresh_from_db()
    assert case.status == Status.COMPLETED

    # Counter 1 calls w1 and transfers it to an item of group B: counter 3 calls it.
    called = services.call_next(counters[0], clerks[0])
    assert called.pk == w1.pk
    moved = services.transfer(called, clerks[0], item=b)
    assert moved.status == TicketStatus.WAITING and moved.number == "A001"
    assert services.call_next(counters[2], clerks[2]).pk == w1.pk
    # Nobody waits any more.
    assert services.call_next(counters[1], clerks[1]) is None

    events = list(Ticket.objects.get(pk=w1.pk).events.values_list("action", flat=True))
    assert events == ["issue", "call", "transfer", "call"]


def test_transfer_to_a_counter_reserves_the_ticket(clock, window_a, items, counters, clerks):
    ticket = services.issue_walk_in(window_a, items["a"])
    called = services.call_next(counters[0], clerks[0])
    services.transfer(called, clerks[0], counter=counters[1])
    assert services.call_next(counters[2], clerks[2]) is None  # reserved for counter 2
    assert services.call_next(counters[1], clerks[1]).pk == ticket.pk


def test_wrong_states(clock, window_a, items, counters, clerks):
    ticket = services.issue_walk_in(window_a, items["a"])
    with pytest.raises(WrongState):
        services.apply(ticket, TicketAction.FINISH, actor=clerks[0])
    with pytest.raises(WrongState):
        services.start(ticket, clerks[0], PERSON)  # not called yet
    assert services.allowed_actions(ticket) == []


def test_only_the_clerk_signed_in_calls(clock, window_a, items, counters, clerks):
    services.issue_walk_in(window_a, items["a"])
    with pytest.raises(PermissionDenied):
        services.call_next(counters[0], clerks[1])


def test_walk_in_quota(clock, window_a, items, settings):
    settings.HALL_WALK_IN_QUOTA = 2
    services.issue_walk_in(window_a, items["a"])
    services.issue_walk_in(window_a, items["b"])
    with pytest.raises(QuotaUsed):
        services.issue_walk_in(window_a, items["a"])
    # A booking is not a walk-in: it still gets its ticket.
    case = booking(window_a, items["a"])
    assert services.issue_for_booking(window_a, case.reference).booked


def test_no_tickets_after_the_last_admission(clock, window_a, items, settings):
    settings.HALL_LAST_ADMISSION_MINUTES = 30
    clock.move_to(MORNING.replace(hour=16, minute=29))
    services.issue_walk_in(window_a, items["a"])
    clock.move_to(MORNING.replace(hour=16, minute=31))
    with pytest.raises(AdmissionClosed):
        services.issue_walk_in(window_a, items["a"])
    clock.move_to(MORNING + dt.timedelta(days=3))  # a Saturday
    with pytest.raises(AdmissionClosed):
        services.issue_walk_in(window_a, items["a"])


def test_a_booking_of_another_day_or_window_gets_no_ticket(clock, window_a, window_b, items):
    tomorrow = booking(window_a, items["a"], start=MORNING + dt.timedelta(days=1))
    elsewhere = booking(window_b, items["a"])
    for case in (tomorrow, elsewhere):
        with pytest.raises(ValidationError):
            services.issue_for_booking(window_a, case.reference)


def test_queue_no_shows_count_toward_suspension(clock, window_a, items, counters, clerks, settings):
    settings.NO_SHOW_LIMIT = 1
    case = booking(window_a, items["a"])
    ticket = services.issue_for_booking(window_a, case.reference)
    services.no_show(services.call_next(counters[0], clerks[0]), clerks[0])
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.NO_SHOW
    assert suspension_until(case.id_number) is not None


def test_estimate_from_median_service_time(clock, window_a, items, counters, clerks, settings):
    settings.HALL_SERVICE_MINUTES = 10
    tickets = [services.issue_walk_in(window_a, items["a"]) for _ in range(4)]
    # Nothing served yet: 10 minutes each, three counters open, three people ahead.
    assert waiting.estimate_minutes(tickets[3]) == 10
    # Two services of 4 and 6 minutes: median 5.
    for minutes in (4, 6):
        called = services.call_next(counters[0], clerks[0])
        services.start(called, clerks[0], PERSON)
        clock.shift(minutes * 60)
        services.finish(called, clerks[0])
    assert waiting.median_service_minutes(window_a.pk, "A") == 5
    assert waiting.estimate_minutes(Ticket.objects.get(pk=tickets[3].pk)) == 2  # ceil(1×5/3)
