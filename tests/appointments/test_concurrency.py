"""Capacity is never exceeded (issue 3): many simultaneous bookings of one slot over HTTP, against
a live server on PostgreSQL, each request in its own thread with its own database connection,
committed for real (transactional_db, not inside a test transaction).

The live server here is Django's LiveServerThread with a bounded handler pool, like gunicorn's
workers: all requests are sent at once and accepted at once, but at most SERVER_THREADS run
at the same moment, so the test never needs more database connections than PostgreSQL's
default max_connections (100) leaves to a shared machine. They still contend for one row.
"""

import json
import os
import threading
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from celery import current_app
from django.core.servers.basehttp import ThreadedWSGIServer
from django.db import IntegrityError, connections, transaction
from django.test.testcases import LiveServerThread, _StaticFilesHandler
from django.utils import timezone

from appointments import services, slots
from appointments.constants import Action, Status
from appointments.exceptions import SlotFull
from appointments.models import Case, Notice, Slot, SmsOutbox
from tests.appointments.factories import SlotFactory, person
from tests.catalog.factories import ServiceItemFactory
from tests.windows.factories import ServicePointFactory
from windows.models import ServicePoint

SERVER_THREADS = int(os.environ.get("CONCURRENCY_SERVER_THREADS", "40"))
REQUESTS = 120  # per round, all fired at once
CAPACITY = 10
ROUNDS = 3


class BoundedThreadedServer(ThreadedWSGIServer):
    request_queue_size = 512  # accept every simultaneous connection instead of dropping SYNs

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.handlers = threading.BoundedSemaphore(SERVER_THREADS)

    def process_request_thread(self, request, client_address):
        # The request's DB connection is opened and closed (close_request) inside the semaphore.
        with self.handlers:
            super().process_request_thread(request, client_address)


class BoundedLiveServerThread(LiveServerThread):
    server_class = BoundedThreadedServer


@pytest.fixture
def eager_tasks():
    # Notices are sent in the request (as without Redis), so the outbox can be counted.
    previous = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = True
    yield
    current_app.conf.task_always_eager = previous


@pytest.fixture
def server(transactional_db, settings, eager_tasks):
    settings.BOOKING_RATE_LIMIT = "100000/m"  # one client address sends everything
    settings.LOOKUP_RATE_LIMIT = "100000/m"
    # Capacity under load, as bench/slots_bench.py measures it: no SMS code per booking (one
    # person's twelve simultaneous bookings could not each hold the newest code). Codes are
    # tested in test_phone_codes.py.
    settings.PHONE_VERIFICATION = False
    thread = BoundedLiveServerThread("127.0.0.1", _StaticFilesHandler, port=0)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    yield f"http://127.0.0.1:{thread.port}"
    thread.terminate()


def post_json(url, payload):
    request = urllib.request.Request(
        url,
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def fire(url, payloads):
    """POST every payload at the same moment, each from its own thread; (status, body) list."""
    barrier = threading.Barrier(len(payloads))

    def send(payload):
        barrier.wait()
        return post_json(url, payload)

    with ThreadPoolExecutor(max_workers=len(payloads)) as pool:
        return list(pool.map(send, payloads))


@pytest.fixture
def window():
    item = ServiceItemFactory(code="PAT-CONC")
    window = ServicePointFactory(counters=CAPACITY, people_per_slot=1)
    window.items.add(item)
    return window


def future_slots(window):
    """Slot rows of the first day of the booking period (always after today's cut-off)."""
    day = slots.horizon_days(window, timezone.localdate())[0]
    ids = [slot.pk for slot in slots.day_slots(window, day)]
    return list(Slot.objects.filter(pk__in=ids).order_by("start"))


def booking(window, slot, seq):
    start = timezone.localtime(slot.start).isoformat()
    return {"window": window.pk, "item": "PAT-CONC", "start": start, **person(seq)}


def booked_in(slot):
    return Case.objects.filter(slot=slot, status=Status.BOOKED).count()


@pytest.mark.postgres
def test_simultaneous_bookings_never_exceed_capacity(server, window):
    url = f"{server}/api/v1/appointments/"
    day_slots = future_slots(window)
    assert day_slots[0].capacity == CAPACITY
    references = set()
    for round_no in range(ROUNDS):
        slot = day_slots[round_no]
        results = fire(url, [booking(window, slot, round_no * 1000 + i) for i in range(REQUESTS)])

        statuses = Counter(status for status, _ in results)
        assert statuses == {201: CAPACITY, 409: REQUESTS - CAPACITY}, statuses
        assert {body["code"] for status, body in results if status == 409} == {"slot_full"}
        slot.refresh_from_db()
        assert slot.booked == CAPACITY == booked_in(slot)
        references |= {body["reference"] for status, body in results if status == 201}

    assert len(references) == ROUNDS * CAPACITY  # all distinct
    assert Case.objects.count() == ROUNDS * CAPACITY
    assert SmsOutbox.objects.count() == ROUNDS * CAPACITY  # one confirmation each


@pytest.mark.postgres
def test_cancelling_frees_exactly_one_place(server, window):
    url = f"{server}/api/v1/appointments/"
    slot = future_slots(window)[0]
    results = fire(url, [booking(window, slot, i) for i in range(REQUESTS)])
    assert Counter(status for status, _ in results)[201] == CAPACITY
    reference, token = next(
        (body["reference"], body["token"]) for status, body in results if status == 201
    )

    # Ten simultaneous cancellations of the same booking: one succeeds, the rest are 409.
    cancel_url = f"{url}{reference}/cancel/"
    cancels = fire(cancel_url, [{"token": token}] * 10)
    assert Counter(status for status, _ in cancels) == {200: 1, 409: 9}
    slot.refresh_from_db()
    assert slot.booked == CAPACITY - 1 == booked_in(slot)

    # The freed place goes to exactly one of many who want it.
    results = fire(url, [booking(window, slot, 5000 + i) for i in range(30)])
    assert Counter(status for status, _ in results) == {201: 1, 409: 29}
    slot.refresh_from_db()
    assert slot.booked == CAPACITY == booked_in(slot)


@pytest.mark.postgres
def test_two_identical_reschedules_at_once_move_the_booking_once(server, window):
    """The same move sent twice at the same moment (a double tap): one succeeds, the other
    finds the booking already there, and the person gets one notice of the change."""
    url = f"{server}/api/v1/appointments/"
    first, later = future_slots(window)[:2]
    status, body = post_json(url, booking(window, first, 1))
    assert status == 201
    move = {"token": body["token"], "start": timezone.localtime(later.start).isoformat()}
    results = fire(f"{url}{body['reference']}/reschedule/", [move, move])
    assert sorted(status for status, _ in results) == [200, 400]
    refused = next(answer for status, answer in results if status == 400)
    assert refused["errors"]["start"]
    case = Case.objects.get(reference=body["reference"])
    assert case.slot_id == later.pk
    first.refresh_from_db()
    later.refresh_from_db()
    assert (first.booked, later.booked) == (0, 1) == (booked_in(first), booked_in(later))
    assert Notice.objects.filter(key__startswith=f"rescheduled:{case.reference}:").count() == 1
    assert case.events.filter(action=Action.RESCHEDULE).count() == 1


@pytest.mark.postgres
def test_one_person_cannot_slip_past_the_fair_booking_rules_in_parallel(server, window):
    """One ID document, twelve simultaneous bookings of the same item on one day (different
    slots): the per-person lock lets exactly one through."""
    url = f"{server}/api/v1/appointments/"
    day_slots = future_slots(window)[:12]
    results = fire(url, [booking(window, slot, 7) for slot in day_slots])
    statuses = Counter(status for status, _ in results)
    assert statuses == {201: 1, 409: 11}, statuses
    assert {body["code"] for status, body in results if status == 409} == {"duplicate_booking"}
    assert sum(Slot.objects.filter(window=window).values_list("booked", flat=True)) == 1


@pytest.mark.postgres
def test_simultaneous_first_visits_of_a_day_create_each_slot_once(transactional_db, window):
    day = slots.horizon_days(window, timezone.localdate())[1]
    barrier = threading.Barrier(8)

    def visit(_):
        try:
            own = ServicePoint.objects.get(pk=window.pk)  # this thread's own connection
            barrier.wait()
            return [slot.pk for slot in slots.day_slots(own, day)]
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=8) as pool:
        seen = list(pool.map(visit, range(8)))
    assert len(seen[0]) == 13
    assert all(pks == seen[0] for pks in seen)
    assert Slot.objects.filter(window=window).count() == 13


# The database itself refuses overbooking, whatever the code does -----------------------------


@pytest.mark.django_db
def test_the_database_refuses_more_bookings_than_places():
    slot = SlotFactory(capacity=10, booked=10)
    with pytest.raises(IntegrityError), transaction.atomic():
        Slot.objects.filter(pk=slot.pk).update(booked=slot.capacity + 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Slot.objects.filter(pk=slot.pk).update(capacity=9)  # below what is booked
    slot.refresh_from_db()
    assert (slot.booked, slot.capacity) == (10, 10)


@pytest.mark.django_db
def test_a_claim_on_a_full_slot_changes_nothing():
    slot = SlotFactory(capacity=1, booked=1)
    with pytest.raises(SlotFull):
        services.claim_place(slot)
    slot.refresh_from_db()
    assert slot.booked == 1


def test_rounds_use_distinct_people():
    ids = {person(r * 1000 + i)["id_number"] for r in range(ROUNDS) for i in range(REQUESTS)}
    phones = {person(r * 1000 + i)["phone"] for r in range(ROUNDS) for i in range(REQUESTS)}
    assert len(ids) == len(phones) == ROUNDS * REQUESTS
