"""Call-next from many counters at the same instant never calls a ticket twice (issue 13), and
two presses at the same counter never call two tickets to it: each press in its own thread with
its own PostgreSQL connection, committed for real."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections

from hall import services
from hall.constants import TicketStatus
from hall.exceptions import CounterBusy
from hall.models import Ticket
from tests.catalog.factories import ServiceItemFactory
from tests.windows.factories import ServicePointFactory, StaffMembershipFactory

from .factories import CounterFactory, signed_in

COUNTERS = 16
TICKETS = 50
pytestmark = pytest.mark.postgres


def test_concurrent_call_next_never_calls_a_ticket_twice(transactional_db, clock):
    window = ServicePointFactory()
    item = ServiceItemFactory()
    window.items.add(item)
    tickets = [services.issue_walk_in(window, item) for _ in range(TICKETS)]
    desks = []
    for number in range(1, COUNTERS + 1):
        counter = CounterFactory(window=window, number=number)
        clerk = StaffMembershipFactory(window=window).user
        signed_in(counter, clerk)
        desks.append((counter, clerk))
    barrier = threading.Barrier(COUNTERS)

    def desk(counter, clerk):
        called = []
        try:
            barrier.wait()
            while (ticket := services.call_next(counter, clerk)) is not None:
                called.append(ticket.pk)
                # One ticket in front of a counter at a time: clear it before the next call.
                services.no_show(ticket, clerk)
        finally:
            connections.close_all()
        return called

    with ThreadPoolExecutor(max_workers=COUNTERS) as pool:
        results = list(pool.map(lambda pair: desk(*pair), desks))

    called = [pk for result in results for pk in result]
    assert len(called) == len(set(called)) == TICKETS
    assert sorted(called) == sorted(t.pk for t in tickets)
    assert sum(1 for result in results if result) > 1  # the counters really did share the work
    assert not Ticket.objects.exclude(status=TicketStatus.NO_SHOW).exists()
    # Each ticket has exactly one call event.
    for ticket in Ticket.objects.all():
        assert ticket.events.filter(action="call").count() == 1


PRESSES = 8


def test_concurrent_call_next_at_one_counter_calls_one_ticket(transactional_db, clock):
    """The counter's row is locked first: of PRESSES presses at the same instant (a double click,
    the page and the API), one calls a ticket and the others are refused, though tickets wait."""
    window = ServicePointFactory()
    item = ServiceItemFactory()
    window.items.add(item)
    for _ in range(PRESSES):
        services.issue_walk_in(window, item)
    counter = CounterFactory(window=window, number=1)
    clerk = StaffMembershipFactory(window=window).user
    signed_in(counter, clerk)
    barrier = threading.Barrier(PRESSES)

    def press(_):
        try:
            barrier.wait()
            return services.call_next(counter, clerk).pk
        except CounterBusy:
            return None
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=PRESSES) as pool:
        results = list(pool.map(press, range(PRESSES)))

    called = [pk for pk in results if pk is not None]
    assert len(called) == 1
    assert list(Ticket.objects.filter(counter=counter).values_list("pk", flat=True)) == called
    assert Ticket.objects.filter(status=TicketStatus.WAITING).count() == PRESSES - 1
