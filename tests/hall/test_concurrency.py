"""Call-next from many counters at the same instant never calls a ticket twice (issue 13): each
counter in its own thread with its own PostgreSQL connection, committed for real."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections

from hall import services
from hall.constants import TicketStatus
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
        finally:
            connections.close_all()
        return called

    with ThreadPoolExecutor(max_workers=COUNTERS) as pool:
        results = list(pool.map(lambda pair: desk(*pair), desks))

    called = [pk for result in results for pk in result]
    assert len(called) == len(set(called)) == TICKETS
    assert sorted(called) == sorted(t.pk for t in tickets)
    assert sum(1 for result in results if result) > 1  # the counters really did share the work
    assert not Ticket.objects.exclude(status=TicketStatus.CALLED).exists()
    # Each ticket has exactly one call event.
    for ticket in Ticket.objects.all():
        assert ticket.events.filter(action="call").count() == 1
