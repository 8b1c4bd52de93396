"""Benchmark: the calling display's queue endpoint and call-next on PostgreSQL behind gunicorn.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ipservice_queue_bench \\
        .venv/bin/python bench/queue_bench.py

Loads one window with 16 counters, a clerk signed in at each and a day of waiting tickets,
starts gunicorn as bench/slots_bench.py does (production settings, Redis cache; its loader and
report lines) and measures
  1. GET /api/v1/windows/{id}/queue/ at 20 concurrent clients, and /healthz in the same run
     (the display polls every 1.5 s; the target is at least 0.5 × /healthz);
  2. POST /api/v1/counters/{id}/call-next/ at 16 clients, each the clerk of its own counter with
     an API token, all taking from the same queue (SELECT … FOR UPDATE SKIP LOCKED). The hall
     refuses a call-next (409 counter_busy) while the ticket called before at that counter is
     still called or being served, so each clerk, as at a real counter, clears the ticket it was
     given with POST /api/v1/tickets/{id}/no-show/ (the cheapest way; starting a walk-in takes
     the person's details, then a finish) and calls next again. Throughput, p50 and p95 are of
     the call-nexts only (their throughput per second of the whole run, the no-shows' time
     included); the no-shows are only counted.
It fails (exit status 1, the wrong answers listed) if a call-next answers anything but 200 or
204, a no-show anything but 200, or a ticket is called twice (by the answers and by the tickets'
call events). Every run deletes the tickets of the earlier one first. Not a test: the figures go
into the README.
"""

import datetime as dt
import http.client
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the checkout measured: stats_bench
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ipservice.settings")
os.environ["HALL_WALK_IN_QUOTA"] = "1000000"
os.environ["HALL_LAST_ADMISSION_MINUTES"] = "0"
os.environ.setdefault("AXES_ENABLED", "0")

import slots_bench  # noqa: E402  (gunicorn, the load generator, the report lines)
from stats_bench import ensure_database, setup_django  # noqa: E402

COUNTERS = 16
TICKETS = 40_000  # more than 16 counters call in the run
PASSWORD = "bench-pass-word-123"


def setup_data():
    ensure_database()
    setup_django()
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from appointments.constants import DayKind
    from appointments.models import CalendarDay
    from catalog.models import Category, ServiceItem
    from hall import ordering
    from hall.models import Counter, CounterSession, Ticket
    from ipservice import dates
    from windows.models import District, OpeningPeriod, ServicePoint, StaffMembership

    district, _ = District.objects.get_or_create(code="310104", defaults={"name": "徐汇区"})
    category, _ = Category.objects.get_or_create(code="bench", defaults={"name": "基准测试"})
    item, _ = ServiceItem.objects.get_or_create(
        code="BENCH-Q",
        defaults={
            "name": "叫号基准事项",
            "category": category,
            "ip_type": "patent",
            "level": "district",
            "channels": ["window"],
        },
    )
    window, created = ServicePoint.objects.get_or_create(
        code="bench-hall",
        defaults={
            "name": "叫号基准窗口",
            "kind": "comprehensive",
            "level": "district",
            "district": district,
            "address": "基准路2号",
            "counters": COUNTERS,
        },
    )
    window.items.add(item)
    if created:  # open all day, every day: the benchmark runs whenever it is started
        OpeningPeriod.objects.bulk_create(
            OpeningPeriod(window=window, weekday=d, start=dt.time(0), end=dt.time(23, 59))
            for d in range(7)
        )
    today = dates.today()
    CalendarDay.objects.get_or_create(date=today, defaults={"kind": DayKind.WORKDAY})
    User = get_user_model()
    clerks = []
    for number in range(1, COUNTERS + 1):
        counter, _ = Counter.objects.get_or_create(window=window, number=number)
        user, made = User.objects.get_or_create(username=f"bench-clerk-{number}")
        if made:
            user.set_password(PASSWORD)
            user.save()
        StaffMembership.objects.get_or_create(user=user, window=window)
        CounterSession.objects.filter(user=user).delete()
        CounterSession.objects.create(counter=counter, user=user, day=today)
        clerks.append((counter.pk, user.username))
    Ticket.objects.filter(window=window).delete()
    now = timezone.now()
    Ticket.objects.bulk_create(
        Ticket(
            window=window,
            day=today,
            group="A",
            sequence=n + 1,
            item=item,
            rank=ordering.OTHERS if n % 10 else ordering.FIRST,
            issued_at=now - dt.timedelta(seconds=TICKETS - n),
        )
        for n in range(TICKETS)
    )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) hall_ticket, hall_ticketevent")
    print(f"{TICKETS} waiting tickets, {COUNTERS} counters with a clerk each")
    return window.pk, clerks


def token_for(username):
    conn = http.client.HTTPConnection("127.0.0.1", slots_bench.PORT, timeout=10)
    body = json.dumps({"username": username, "password": PASSWORD})
    conn.request("POST", "/api/v1/auth/token/", body, {"Content-Type": "application/json"})
    response = conn.getresponse()
    return json.loads(response.read())["token"]


class Clerks:
    """One clerk a client, each at its own counter: call-next, then the ticket called cleared as
    a no-show (the cheapest way to free the counter: start needs a walk-in's person, then
    finish), then call-next again. Only the call-nexts go into the figures. Every call-next
    must answer 200 (a ticket) or 204 (nobody waits), every no-show 200, and no ticket may come
    twice; anything else is kept in `failures`."""

    def __init__(self, tokens):
        self.tokens = tokens  # [(counter id, API token)], one a client
        self.in_front = [None] * len(tokens)  # the ticket each clerk is to clear next
        self.called = set()
        self.cleared = {}  # the no-shows' statuses
        self.failures = []

    def request(self, index, counter):
        pk, token = self.tokens[index]
        auth = {"Authorization": f"Token {token}"}
        ticket = self.in_front[index]
        if ticket is None:
            return "POST", f"/api/v1/counters/{pk}/call-next/", "{}", auth
        return "POST", f"/api/v1/tickets/{ticket}/no-show/", "{}", auth

    def response(self, index, path, status, data):
        """(the loader's on_response) True for a call-next: it goes into the figures."""
        if path.endswith("/call-next/"):
            if status == 200:
                ticket = json.loads(data)["id"]
                if ticket in self.called:
                    self.failures.append(f"ticket {ticket} called twice ({path})")
                self.called.add(ticket)
                self.in_front[index] = ticket
            elif status != 204:
                self.failures.append(f"{path} answered {status}: {data[:200]!r}")
            return True
        self.cleared[status] = self.cleared.get(status, 0) + 1
        if status != 200:
            self.failures.append(f"{path} answered {status}: {data[:200]!r}")
        self.in_front[index] = None
        return False


def main():
    window_id, clerks = setup_data()
    with slots_bench.server():

        def queue_request(index, counter):
            return "GET", f"/api/v1/windows/{window_id}/queue/", None

        _queue, health = slots_bench.against_healthz("queue", queue_request)

        work = Clerks([(pk, token_for(username)) for pk, username in clerks])
        calls = slots_bench.load(
            COUNTERS, work.request, seconds=min(slots_bench.DURATION, 8), on_response=work.response
        )
        slots_bench.show(f"POST call-next ({COUNTERS} counters)", calls)
        print(
            f"  and {calls['uncounted']} no-shows clearing the tickets called, not in the "
            f"figures ({work.cleared})"
        )
        print(f"  call-next/healthz throughput ratio: {calls['rps'] / health['rps']:.3f}")
        twice = called_more_than_once(window_id)
        print(f"  tickets called more than once: {twice}")
        if twice:
            work.failures.append(f"{twice} tickets have more than one call event")
        if work.failures:
            shown = "\n  ".join(work.failures[:10])
            more = len(work.failures) - 10
            raise SystemExit(
                f"FAILED: {len(work.failures)} wrong answers or double calls:\n  {shown}"
                + (f"\n  … and {more} more" if more > 0 else "")
            )


def called_more_than_once(window_id):
    """Tickets of the window with more than one call event (none may have)."""
    from django.db.models import Count

    from hall.models import TicketEvent

    return (
        TicketEvent.objects.filter(ticket__window_id=window_id, action="call")
        .values("ticket")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"({time.perf_counter() - started:.0f} s)")
