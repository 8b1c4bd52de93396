"""The slots cache (appointments/slots.py): every change of a day's slots or of a window that
commits is seen by the next read, in this process and in others; a change rolled back is not; a
warm read makes no query; what the cache shows never books a place that is not there.

These tests run committed transactions (transaction=True), as the site does: the cache is only
filled and invalidated outside transactions, when changes commit. Each runs with the local
memory cache (one process, as in development) and, marked `redis`, with Redis (as in
production); one test makes its change from a second process.
"""

import datetime as dt
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from appointments import cached_rows, services, slots
from appointments.models import Slot
from tests.appointments.factories import client_address, person, phone_code
from tests.catalog.factories import ServiceItemFactory
from tests.windows.factories import ServicePointFactory
from windows import hours
from windows.services import set_opening_hours

CST = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 9, 29, 10, 0, tzinfo=CST)  # Tuesday
DAY = "2026-09-30"
START = "2026-09-30T09:00:00+08:00"
ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture(
    params=["locmem", pytest.param("redis", marks=pytest.mark.redis)], ids=["locmem", "redis"]
)
def cache_backend(request, settings):
    """A cache of its own for each test: fresh local memory, or Redis under a fresh prefix
    (Redis may be shared with other test runs, so it is never flushed)."""
    if request.param == "redis":
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": settings.REDIS_URL,
                "KEY_PREFIX": f"test-slots-{uuid.uuid4().hex}",
            }
        }
    else:
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": f"test-slots-{uuid.uuid4().hex}",
            }
        }
    yield request.param


@pytest.fixture
def api(cache_backend):
    return APIClient(REMOTE_ADDR=client_address())


@pytest.fixture
def item():
    return ServiceItemFactory(code="PAT-01")


@pytest.fixture
def window(item):
    # Mon–Fri 09:00–12:00 and 13:30–17:00, 30-minute slots, capacity 2.
    window = ServicePointFactory(counters=2, people_per_slot=1)
    window.items.add(item)
    return window


def read(api, window, day=DAY):
    response = api.get(f"/api/v1/windows/{window.pk}/slots/", {"item": "PAT-01", "date": day})
    assert response.status_code == 200, response.json()
    return {entry["start"]: entry for entry in response.json()}


def warm(api, window, day=DAY):
    """Read the day until the cache keeps it: then the read costs no query (so what the next
    read shows after a change comes from the cache unless the change reached it)."""
    read(api, window, day)  # creates the rows on a first visit, and keeps them
    with CaptureQueriesContext(connection) as queries:
        entries = read(api, window, day)
    assert len(queries) == 0
    return entries


def book(api, window, seq, start=START, code=None):
    data = {"window": window.pk, "item": "PAT-01", "start": start, **person(seq)}
    data["phone_code"] = code or phone_code(data["phone"])
    response = api.post("/api/v1/appointments/", data, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


# The cache is really used ---------------------------------------------------------------------


def test_a_warm_read_makes_no_query(api, window, django_assert_num_queries):
    first = read(api, window)  # creates the day's rows and keeps them
    with django_assert_num_queries(0):
        again = read(api, window)
    assert again == first
    assert len(again) == 13


def test_a_booking_on_a_day_seen_before_reads_nothing_but_its_own_rules(api, window):
    """The booking API finds the slot in the cache, and the window and the item the first
    booking read (appointments.cached_rows): its queries are the phone code's and its
    transaction's own (the person's locks, the fair-booking counts, the claim, the case, its
    event, the notice in a savepoint). The slot's end, for the confirmation and the answer, comes
    with the slot the form found: the row is not read again."""
    warm(api, window)
    book(api, window, 1, start="2026-09-30T10:00:00+08:00")  # the day's value is now forgotten
    warm(api, window)
    code = phone_code(person(2)["phone"])
    with CaptureQueriesContext(connection) as queries:
        book(api, window, 2, code=code)
    sql = [q["sql"] for q in queries.captured_queries]
    commit = next(i for i, q in enumerate(sql) if q.upper().startswith("COMMIT"))
    booking = sql[:commit]
    reads = [q for q in booking if q.startswith("SELECT") and "pg_advisory" not in q]
    assert [q.split(" FROM ")[1].split()[0] for q in reads] == [
        '"appointments_phonecode"',  # the newest code of the phone
        '"appointments_case"',  # the fair-booking counts
    ]
    updates = [q.split()[1] for q in booking if q.startswith("UPDATE")]
    # The code's guess counted, the code spent, the place claimed.
    assert updates == [
        '"appointments_phonecode"',
        '"appointments_phonecode"',
        '"appointments_slot"',
    ]
    inserted = [q.split()[2] for q in booking if q.startswith("INSERT")]
    assert inserted == ['"appointments_case"', '"appointments_caseevent"', '"appointments_notice"']


# The window and the item a booking names (appointments.cached_rows) ----------------------------


@pytest.mark.parametrize("withdrawn", ["window", "item"])
def test_a_window_closed_or_an_item_withdrawn_refuses_the_next_booking_at_once(
    api, window, item, withdrawn
):
    book(api, window, 1)  # the window's and the item's rows are now kept
    row = window if withdrawn == "window" else item
    row.active = False
    row.save()
    data = {"window": window.pk, "item": "PAT-01", "start": START, **person(2)}
    data["phone_code"] = phone_code(data["phone"])
    response = api.post("/api/v1/appointments/", data, format="json")
    assert response.status_code == 400
    # The form's own answer (the row read again), not the day's "not offered".
    assert response.json()["errors"][withdrawn] == [
        "该窗口不存在或不接受预约。" if withdrawn == "window" else "该服务事项不存在。"
    ]
    assert Slot.objects.get(start=dt.datetime(2026, 9, 30, 9, tzinfo=CST)).booked == 1


def test_the_next_confirmation_names_the_window_and_the_item_as_they_are_now(api, window, item):
    book(api, window, 1)
    window.name = "徐汇区知识产权服务站（新址）"
    window.address = "漕溪北路1号"
    window.save()
    item.name = "专利权质押登记（更名）"
    item.save()
    answer = book(api, window, 2)
    assert answer["window_name"] == "徐汇区知识产权服务站（新址）"
    assert answer["address"] == "漕溪北路1号"
    assert answer["item_name"] == "专利权质押登记（更名）"


def test_a_change_rolled_back_leaves_the_kept_rows_alone(api, window):
    book(api, window, 1)
    with pytest.raises(RuntimeError), transaction.atomic():
        window.active = False
        window.save()
        # Inside the transaction the database is read: its own change is seen...
        assert cached_rows.active_window(window.pk) is None
        raise RuntimeError("rolled back")
    # ...and, rolled back, nothing was forgotten or kept wrongly: the window books.
    assert cached_rows.active_window(window.pk).active is True
    book(api, window, 2)


def test_a_hostile_item_code_makes_no_cache_key(api, window):
    data = {"window": window.pk, "item": "PAT 01\t", "start": START, **person(1)}
    data["phone_code"] = phone_code(data["phone"])
    response = api.post("/api/v1/appointments/", data, format="json")
    assert response.status_code == 400
    assert "item" in response.json()["errors"]
    assert cached_rows.published_item("PAT 01\t") is None


def test_a_slot_filled_since_this_process_saw_it_is_still_full(api, window, item):
    """The ids a booking uses may be older than the last booking: the claim decides."""
    warm(api, window)
    start = dt.datetime(2026, 9, 30, 9, tzinfo=CST)
    Slot.objects.filter(start=start).update(booked=2)  # filled elsewhere, the cache not told
    data = {"window": window.pk, "item": "PAT-01", "start": START, **person(1)}
    data["phone_code"] = phone_code(data["phone"])
    response = api.post("/api/v1/appointments/", data, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "slot_full"
    assert Slot.objects.get(start=start).booked == 2


def test_a_booking_after_a_change_of_capacity_claims_under_the_new_one(api, window):
    book(api, window, 1)
    book(api, window, 2)  # 09:00 full at capacity 2
    warm(api, window)
    window.counters = 3
    window.save()
    book(api, window, 3)  # the day is read again under the new capacity
    assert Slot.objects.get(start=dt.datetime(2026, 9, 30, 9, tzinfo=CST)).booked == 3


def test_slot_rows_made_again_are_found_again(api, window):
    """The cache keeps the ids of a day's slots; if the rows are ever made again (a restore, a
    clean-up) without the cache being told, the claim finds its id gone and claims the row
    that is there now."""
    warm(api, window)
    kept = {s.pk for s in Slot.objects.filter(window=window)}
    Slot.objects.filter(window=window).delete()
    fresh = Slot.objects.bulk_create(
        Slot(window=window, start=p.start, end=p.end, capacity=2)
        for p in slots.day_periods(window, dt.date(2026, 9, 30))
    )
    assert kept.isdisjoint(s.pk for s in fresh)
    book(api, window, 1)
    claimed = Slot.objects.get(start=dt.datetime(2026, 9, 30, 9, tzinfo=CST))
    assert claimed.pk in {s.pk for s in fresh} and claimed.booked == 1


def test_a_kept_id_now_another_windows_slot_is_never_claimed(api, window, item):
    """Ids reused after the rows were removed (e.g. a restored database): the claim matches
    the window and the time too, so it never takes a place of another window's slot."""
    warm(api, window)
    nine = dt.datetime(2026, 9, 30, 9, tzinfo=CST)
    kept_id = Slot.objects.get(window=window, start=nine).pk
    other = ServicePointFactory(counters=2, people_per_slot=1)
    Slot.objects.filter(window=window).delete()
    Slot.objects.create(
        id=kept_id, window=other, start=nine, end=nine + dt.timedelta(minutes=30), capacity=2
    )
    book(api, window, 1)
    assert Slot.objects.get(pk=kept_id).booked == 0
    assert Slot.objects.get(window=window, start=nine).booked == 1


def test_the_same_refusal_whatever_the_cache_kept(api, window):
    """A day that became a holiday after the cache kept its slots is refused as on a cold
    cache."""
    from appointments.models import CalendarDay

    warm(api, window)
    CalendarDay.objects.create(date=dt.date(2026, 9, 30), kind="holiday", name="临时休息")
    warm_answer = api.post(
        "/api/v1/appointments/",
        {"window": window.pk, "item": "PAT-01", "start": START, **person(1)},
        format="json",
    )
    cache.delete(slots.DAY_KEY.format(window_id=window.pk, day=dt.date(2026, 9, 30)))
    cold_answer = api.post(
        "/api/v1/appointments/",
        {"window": window.pk, "item": "PAT-01", "start": START, **person(1)},
        format="json",
    )
    assert warm_answer.status_code == cold_answer.status_code == 400
    assert warm_answer.json() == cold_answer.json()


# Bookings, cancellations, moves ---------------------------------------------------------------


def test_a_booking_shows_at_once_as_one_place_less(api, window):
    before = warm(api, window)
    assert before[START]["available"] == 2
    book(api, window, 1)
    after = read(api, window)
    assert after[START]["available"] == 1
    assert {s: e for s, e in after.items() if s != START} == {
        s: e for s, e in before.items() if s != START
    }
    warm(api, window)
    book(api, window, 2)
    assert read(api, window)[START] == {**before[START], "available": 0, "bookable": False}


def test_a_cancellation_shows_at_once_as_one_place_more(api, window):
    booking = book(api, window, 1)
    assert warm(api, window)[START]["available"] == 1
    response = api.post(
        f"/api/v1/appointments/{booking['reference']}/cancel/",
        {"token": booking["token"]},
        format="json",
    )
    assert response.status_code == 200
    assert read(api, window)[START]["available"] == 2


def test_a_move_shows_on_both_days(api, window):
    booking = book(api, window, 1)
    later = "2026-10-08T10:00:00+08:00"
    assert warm(api, window)[START]["available"] == 1
    assert warm(api, window, "2026-10-08")[later]["available"] == 2
    response = api.post(
        f"/api/v1/appointments/{booking['reference']}/reschedule/",
        {"token": booking["token"], "start": later},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert read(api, window)[START]["available"] == 2
    assert read(api, window, "2026-10-08")[later]["available"] == 1


def test_a_booking_made_in_code_shows_too(api, window, item):
    warm(api, window)
    services.book(
        window=window, item=item, start=dt.datetime(2026, 9, 30, 9, tzinfo=CST), **person(1)
    )
    assert read(api, window)[START]["available"] == 1


# Window edits -----------------------------------------------------------------------------------


def test_more_counters_show_at_once_as_more_capacity(api, window):
    book(api, window, 1)
    assert warm(api, window)[START] == {
        "start": START,
        "end": "2026-09-30T09:30:00+08:00",
        "capacity": 2,
        "available": 1,
        "bookable": True,
    }
    window.counters = 5
    window.save()
    entry = read(api, window)[START]
    assert (entry["capacity"], entry["available"]) == (5, 4)
    assert Slot.objects.get(start=dt.datetime(2026, 9, 30, 9, tzinfo=CST)).capacity == 5


def test_fewer_counters_never_leave_room_that_is_not_there(api, window):
    book(api, window, 1)
    book(api, window, 2)  # 09:00 full
    warm(api, window)
    window.counters = 1
    window.save()
    after = read(api, window)
    assert after[START]["available"] == 0  # keeps its 2 places for the 2 bookings
    assert {e["capacity"] for s, e in after.items() if s != START} == {1}
    assert {e["available"] for s, e in after.items() if s != START} == {1}


def test_a_change_of_opening_hours_shows_at_once(api, window):
    assert len(warm(api, window)) == 13
    set_opening_hours(window, [hours.Period(2, dt.time(9), dt.time(10))])  # Wednesdays 9–10
    assert list(read(api, window)) == [START, "2026-09-30T09:30:00+08:00"]


def test_an_item_no_longer_offered_is_refused_at_once(api, window, item):
    warm(api, window)
    window.items.remove(item)
    response = api.get(f"/api/v1/windows/{window.pk}/slots/", {"item": "PAT-01", "date": DAY})
    assert response.status_code == 400
    assert "item" in response.json()["errors"]


def test_a_closed_window_is_404_at_once(api, window):
    warm(api, window)
    window.active = False
    window.save()
    response = api.get(f"/api/v1/windows/{window.pk}/slots/", {"item": "PAT-01", "date": DAY})
    assert response.status_code == 404


def test_bulk_changes_show_after_window_changed(api, window):
    warm(api, window)
    type(window).objects.filter(pk=window.pk).update(counters=3)  # sends no signal
    slots.window_changed(window.pk)
    assert read(api, window)[START]["capacity"] == 3


# Transactions and races -------------------------------------------------------------------------


def test_nothing_is_kept_from_a_transaction_that_rolls_back(api, window, item):
    warm(api, window)
    with pytest.raises(RuntimeError), transaction.atomic():
        start = dt.datetime(2026, 9, 30, 9, tzinfo=CST)
        services.book(window=window, item=item, start=start, **person(1))
        # Inside the transaction its own booking shows (read from the database).
        assert slots.find_slot(window, start).booked == 1
        raise RuntimeError("roll back")
    assert read(api, window)[START]["available"] == 2


@pytest.mark.parametrize("cache_backend", ["locmem"], indirect=True)  # its clock is ours
def test_a_read_that_raced_a_booking_is_kept_for_seconds_only(api, window, item, monkeypatch):
    """A reader reads the rows, a booking commits (and forgets the day), then the reader keeps
    what it read: that value shows one place too many for PLACES_SECONDS at most (the claim still
    refuses what is not there)."""
    warm(api, window)
    ten = dt.datetime(2026, 9, 30, 10, tzinfo=CST)
    services.book(window=window, item=item, start=ten, **person(9))  # the next read is a miss
    real_read, raced = slots._read_places, []

    def read_then_book(window_id, day):
        rows = real_read(window_id, day)
        if not raced:  # once, between the reader's query and its keeping the rows
            raced.append(True)
            start = dt.datetime(2026, 9, 30, 9, tzinfo=CST)
            services.book(window=window, item=item, start=start, **person(1))
        return rows

    monkeypatch.setattr(slots, "_read_places", read_then_book)
    assert read(api, window)[START]["available"] == 2  # read before the booking committed
    assert raced
    with time_machine.travel(NOW + dt.timedelta(seconds=slots.PLACES_SECONDS + 1), tick=False):
        assert read(api, window)[START]["available"] == 1


# Another process --------------------------------------------------------------------------------

OTHER_PROCESS = """
import datetime as dt, json, sys
import django, time_machine
django.setup()
from django.test.utils import override_settings
from ipservice.celery import app
from appointments import services
from catalog.models import ServiceItem
from windows.models import ServicePoint

args = json.loads(sys.argv[1])
app.conf.task_always_eager = True  # the notice is sent here, not queued in a shared Redis
with time_machine.travel(dt.datetime.fromisoformat(args["now"]), tick=False), \\
        override_settings(CACHES=args["caches"]):
    window = ServicePoint.objects.get(pk=args["window"])
    item = ServiceItem.objects.get(code="PAT-01")
    start = dt.datetime.fromisoformat(args["start"])
    services.book(window=window, item=item, start=start, **args["person"])
"""


def database_url():
    db = django_settings.DATABASES["default"]
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = f"{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}"
    return f"postgresql://{db['USER']}{password}@{host}/{db['NAME']}"


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.parametrize("cache_backend", ["redis"], indirect=True)  # local memory is not shared
def test_a_booking_in_another_process_shows_here_at_once(api, window):
    warm(api, window)
    args = {
        "now": NOW.isoformat(),
        "caches": django_settings.CACHES,
        "window": window.pk,
        "start": START,
        "person": person(1),
    }
    env = {**os.environ, "DATABASE_URL": database_url(), "REDIS_URL": django_settings.REDIS_URL}
    env["DJANGO_SETTINGS_MODULE"] = "ipservice.settings"
    subprocess.run(
        [sys.executable, "-c", OTHER_PROCESS, json.dumps(args)],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
    )
    assert Slot.objects.get(start=dt.datetime(2026, 9, 30, 9, tzinfo=CST)).booked == 1
    assert read(api, window)[START]["available"] == 1
