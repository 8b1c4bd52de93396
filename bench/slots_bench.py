"""Benchmark: the slots endpoint and booking POSTs on PostgreSQL behind gunicorn.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ipservice_slots_bench \
        .venv/bin/python bench/slots_bench.py

Loads one window with a month of bookings, starts gunicorn on 127.0.0.1 (loopback only), and
measures requests per second and p50/p95 latency of
  1. GET /api/v1/windows/{id}/slots/ at 20 concurrent clients, and /healthz in the same run;
  2. POST /api/v1/appointments/ spread over many slots at 16 clients, against /healthz measured
     just before and just after (the machine's speed changes within minutes).

Before and after a change, in the same session:

    git worktree add ../before <commit>
    BENCH_CODE=../before DATABASE_URL=postgres://postgres@127.0.0.1:5432/ipservice_before_bench \
        .venv/bin/python bench/slots_bench.py

measures that checkout's code with this script (stats_bench.py says how); alternate the two.
Every loop is bounded in time and count. Not a test: the figures go into the README. Each run
first deletes the bookings of earlier runs, vacuums the tables bookings write and makes a
checkpoint (vacuum()), so that runs start alike.

gunicorn runs as in production: with REDIS_URL set (BENCH_REDIS_URL, default the dedicated
database redis://127.0.0.1:6379/8, flushed at the start and at the end), so the Django cache is
Redis, shared by the workers (the slots cache, rate limits, the working-day calendar), and the
confirmation notices are only enqueued for Celery, not sent inside the request. No Celery worker
is needed: the queued messages are simply dropped with the database at the end.

Workers: BENCH_WORKERS, default 2 per core (4 on a 2-core machine). Measured on 2 cores, in
alternating runs: 3 and 4 workers gave the same figures; gunicorn's usual 2 × cores + 1 (5) was
worse for the slots endpoint (about 700 against 950 requests a second, the ratio to /healthz
about 0.5 against 0.7) and no better for bookings: a request is mostly Python work, so a fifth
process only adds switching, while a second one per core runs when the other waits on
PostgreSQL or Redis. BENCH_GUNICORN_ARGS adds arguments: with `--worker-class gthread --threads 4`
(2 or 4 workers) bookings ran at about the same rate but p95 doubled (195–270 ms against about
140 ms in the same session), threads of one process taking turns at one core.

After the booking run it prints where the CPU of one booking went (web workers, PostgreSQL, Redis
and the load generator itself, from /proc), since all of them share the cores. It counts every
process whose command line names postgres or redis-server: run it on an otherwise idle machine.

PHONE_VERIFICATION=0: the bookings carry no SMS code (as for a deployment that verifies people
upstream); the rate limits and the fair-booking limits are raised out of the way likewise, so
that the figures measure the booking path, not its gates.
"""

import contextlib
import datetime as dt
import http.client
import itertools
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ipservice.settings")
os.environ["BOOKING_RATE_LIMIT"] = "1000000/m"
os.environ["LOOKUP_RATE_LIMIT"] = "1000000/m"
os.environ["MAX_ACTIVE_BOOKINGS_PER_PHONE"] = "1000000"
os.environ["MAX_ACTIVE_BOOKINGS_PER_ID"] = "1000000"
os.environ["PHONE_VERIFICATION"] = "0"

# ROOT: the checkout measured (BENCH_CODE, see stats_bench); the same database set-up.
from stats_bench import CODE, OTHER_CHECKOUT, ROOT, ensure_database, setup_django  # noqa: E402

PORT = int(os.environ.get("BENCH_PORT", "8765"))
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/8")
WORKERS = os.environ.get("BENCH_WORKERS", str(2 * (os.cpu_count() or 1)))
DURATION = float(os.environ.get("BENCH_SECONDS", "10"))
MAX_REQUESTS = 200_000
HEALTH_SECONDS = 4  # /healthz just before and just after the bookings
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def resident_id(n):
    body = (
        f"31{(n // 1000) % 10000:04d}{1970 + n % 40}{1 + n % 12:02d}{1 + n % 28:02d}{n % 1000:03d}"
    )
    check = "10X98765432"[sum(int(c) * w for c, w in zip(body, WEIGHTS, strict=True)) % 11]
    return body + check


def setup_data():
    ensure_database()
    setup_django()
    from appointments import slots as slot_rules
    from appointments.models import Case, Slot
    from catalog.models import Category, ServiceItem
    from windows.models import District, OpeningPeriod, ServicePoint

    district, _ = District.objects.get_or_create(code="310104", defaults={"name": "徐汇区"})
    category, _ = Category.objects.get_or_create(code="bench", defaults={"name": "基准测试"})
    item, _ = ServiceItem.objects.get_or_create(
        code="BENCH-1",
        defaults={
            "name": "基准事项",
            "category": category,
            "ip_type": "patent",
            "level": "district",
            "channels": ["window"],
        },
    )
    window, created = ServicePoint.objects.get_or_create(
        code="bench-window",
        defaults={
            "name": "基准窗口",
            "kind": "comprehensive",
            "level": "district",
            "district": district,
            "address": "基准路1号",
            "counters": 50,
            "people_per_slot": 2,
            "slot_minutes": 15,
            "horizon_days": 22,
        },
    )
    window.items.add(item)
    if created:
        OpeningPeriod.objects.bulk_create(
            OpeningPeriod(window=window, weekday=d, start=s, end=e)
            for d in range(7)
            for s, e in ((dt.time(9), dt.time(12)), (dt.time(13, 30), dt.time(17)))
        )
    today = dt.date.today()
    days = slot_rules.bookable_days(window, today)
    # A month of bookings: fill each slot of the bookable days to about half its capacity.
    if not Case.objects.filter(window=window).exists():
        n = 0
        for day in days:
            for slot in slot_rules.day_slots(window, day):
                take = slot.capacity // 2
                Case.objects.bulk_create(
                    Case(
                        reference=f"BN{slot.pk:07d}{k:03d}",
                        window=window,
                        item=item,
                        channel="booking",
                        status="booked",
                        slot_id=slot.pk,
                        start=slot.start,
                        name="测试",
                        phone=f"139{n + k:08d}",
                        id_type="resident_id",
                        id_number=resident_id(n + k),
                    )
                    for k in range(take)
                )
                Slot.objects.filter(pk=slot.pk).update(booked=take)
                n += take
        print(f"loaded {n} bookings over {len(days)} days")
    forget_earlier_runs(window)
    return window.pk, item.code, [d.isoformat() for d in days]


BENCH_NAME = "基准测试"  # the name the booking run books under


def forget_earlier_runs(window):
    """Delete the bookings earlier runs made and give their places back, so that every run
    books into the same half-full month (and never into full slots)."""
    from django.db import transaction
    from django.db.models import Count, OuterRef, Subquery
    from django.db.models.functions import Coalesce

    from appointments.models import Case, Notice, Slot

    with transaction.atomic():
        deleted, _by_model = Case.objects.filter(window=window, name=BENCH_NAME).delete()
        Notice.objects.filter(key__startswith="booked:").delete()  # only bookings make them here
        taken = (
            Case.objects.filter(slot=OuterRef("pk"), status="booked")
            .order_by()
            .values("slot")
            .annotate(n=Count("pk"))
            .values("n")
        )
        Slot.objects.filter(window=window).update(booked=Coalesce(Subquery(taken), 0))
    print(f"forgot {deleted} rows of earlier runs")
    vacuum()


def vacuum():
    """Reclaim the rows deleted above and those the bookings' updates left behind, so that every
    run starts from the same tables (as pgbench does before each run). Autovacuum would do it in
    production; a database server with autovacuum off (this machine's was) otherwise lets every
    run leave the tables larger and the next run slower (bookings/s fell 10 % over four runs in
    a row). Then a checkpoint, so that the server's next timed one (every 5 minutes by default)
    is unlikely to fall within the measurement with its burst of writes."""
    from django.db import DatabaseError, connection

    from appointments.models import Case, CaseEvent, Notice, Slot

    tables = ", ".join(
        connection.ops.quote_name(m._meta.db_table) for m in (Case, CaseEvent, Notice, Slot)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {tables}")
        try:
            cursor.execute("CHECKPOINT")
        except DatabaseError as exc:  # a role without pg_checkpoint: measure all the same
            print(f"no checkpoint before the run: {exc}".strip())


def flush_redis():
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


def start_server():
    env = dict(
        os.environ,
        REDIS_URL=REDIS_URL,
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="bench-" + "x" * 50,
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_LOG_LEVEL="WARNING",
    )
    if CODE:  # another checkout's code: without the editable install's finder (stats_bench)
        env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(OTHER_CHECKOUT), env.get("PYTHONPATH")])
        )
    cmd = [
        str(Path(sys.executable).parent / "gunicorn"),  # the running interpreter's virtualenv
        "ipservice.wsgi",
        "--bind",
        f"127.0.0.1:{PORT}",
        "--workers",
        WORKERS,
        "--log-level",
        "warning",
        *os.environ.get("BENCH_GUNICORN_ARGS", "").split(),
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env)
    for _ in range(100):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("gunicorn did not start")


def load(clients, make_request, seconds=DURATION, on_response=None):
    """Run `clients` threads, each on its own keep-alive connection, for `seconds`.

    make_request(index, counter) gives client `index`'s `counter`-th request: (method, path, body)
    and, as a fourth item, more headers. on_response(index, path, status, data), if given, sees
    every answer (under the loader's lock, so it may keep state shared by the clients) and says
    whether the request goes into the figures; the requests it leaves out (queue_bench: the
    clerks' no-shows between two call-nexts) are only counted, in "uncounted"."""
    latencies, statuses, lock = [], {}, threading.Lock()
    uncounted = [0]
    deadline = time.perf_counter() + seconds

    def worker(index):
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
        counter = 0
        while time.perf_counter() < deadline and len(latencies) < MAX_REQUESTS:
            method, path, body, *extra = make_request(index, counter)
            counter += 1
            headers = {"Content-Type": "application/json"} if body else {}
            if extra:  # a fourth item: more headers (queue_bench: each clerk's token)
                headers.update(extra[0])
            began = time.perf_counter()
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            elapsed = time.perf_counter() - began
            with lock:
                if on_response is None or on_response(index, path, response.status, data):
                    latencies.append(elapsed)
                    statuses[response.status] = statuses.get(response.status, 0) + 1
                else:
                    uncounted[0] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - began
    latencies.sort()
    return {
        "requests": len(latencies),
        "rps": len(latencies) / wall,
        "p50_ms": 1000 * statistics.median(latencies),
        "p95_ms": 1000 * latencies[int(0.95 * (len(latencies) - 1))],
        "statuses": statuses,
        "uncounted": uncounted[0],
    }


def cpu_seconds(name_parts):
    """CPU time (user + system) used so far by the processes whose command line contains any
    of `name_parts`, from /proc (Linux); None where /proc cannot be read."""
    total, tick = 0.0, os.sysconf("SC_CLK_TCK")
    try:
        pids = [p for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        return None
    for pid in pids:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
            if not any(part in cmdline for part in name_parts):
                continue
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
        except (OSError, IndexError, ValueError):
            continue  # a process that ended meanwhile
    return total


SERVER_PARTS = {
    "gunicorn": ["gunicorn"],
    "postgres": ["postgres"],
    "redis": ["redis-server"],
}


def server_cpu():
    return {name: cpu_seconds(parts) for name, parts in SERVER_PARTS.items()}


def show(name, result):
    print(
        f"{name:<34} {result['rps']:8.1f} req/s  p50 {result['p50_ms']:6.1f} ms  "
        f"p95 {result['p95_ms']:6.1f} ms  ({result['requests']} requests, {result['statuses']})"
    )


def health_request(index, counter):
    return "GET", "/healthz", None


def against_healthz(name, make_request):
    """GET `name` (make_request's) at 20 clients after a short warm-up (connections, rows,
    caches), then /healthz at 20 clients in the same run; both shown with the ratio of their
    throughputs, which says how the endpoint does whatever the machine's state."""
    load(4, make_request, seconds=2)
    result = load(20, make_request)
    health = load(20, health_request)
    show(f"GET {name} (20 clients)", result)
    show("GET /healthz (20 clients)", health)
    print(f"{name}/healthz throughput ratio: {result['rps'] / health['rps']:.2f}")
    return result, health


@contextlib.contextmanager
def server():
    """gunicorn serving for the `with` block, on a flushed Redis database; then stopped (its
    workers finish the requests in hand first) and Redis flushed again."""
    flush_redis()
    proc = start_server()
    print(f"gunicorn: {WORKERS} workers on {os.cpu_count()} cores, cache and broker {REDIS_URL}")
    try:
        yield
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        flush_redis()


def main():
    window_id, item_code, days = setup_data()
    with server():

        def slots_request(index, counter):
            day = days[(index + counter) % len(days)]
            return "GET", f"/api/v1/windows/{window_id}/slots/?item={item_code}&date={day}", None

        against_healthz("slots", slots_request)

        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
        starts = []
        for day in days:
            conn.request("GET", f"/api/v1/windows/{window_id}/slots/?item={item_code}&date={day}")
            starts += [s["start"] for s in json.loads(conn.getresponse().read()) if s["available"]]
        random.Random(7).shuffle(starts)
        # Every request a new person (never refused by the fair-booking rules), in this run and
        # in the next ones on the same database.
        people = itertools.count(random.Random().randrange(10**6) * 1000)

        def booking_request(index, counter):
            n = next(people)
            body = json.dumps(
                {
                    "window": window_id,
                    "item": item_code,
                    "start": starts[n % len(starts)],
                    "name": BENCH_NAME,
                    "phone": f"13{n % 10**9:09d}",
                    "id_type": "resident_id",
                    "id_number": resident_id(n),
                }
            )
            return "POST", "/api/v1/appointments/", body

        load(4, booking_request, seconds=1)  # warm-up: each worker's connections and caches
        # This machine's speed varies, within minutes (/healthz alone ran at 800 to 2,600 req/s
        # in one hour): the ratio says how the booking path does against /healthz, measured
        # just before and just after the bookings, whatever the machine's state.
        health_before = load(20, health_request, seconds=HEALTH_SECONDS)
        client_cpu, before = time.process_time(), server_cpu()
        booking = load(16, booking_request, seconds=min(DURATION, 8))
        after, client_cpu = server_cpu(), time.process_time() - client_cpu
        health_after = load(20, health_request, seconds=HEALTH_SECONDS)
        show("POST appointments (16 clients)", booking)
        health_rps = (health_before["rps"] + health_after["rps"]) / 2
        print(
            f"  GET /healthz just before and after: {health_before['rps']:.1f} and "
            f"{health_after['rps']:.1f} req/s"
        )
        print(f"  bookings/healthz throughput ratio: {booking['rps'] / health_rps:.3f}")
        # Everything shares the two cores: say where the CPU time of one booking went.
        shares = {name: after[name] - before[name] for name in after if before[name] is not None}
        shares["load generator"] = client_cpu
        print(
            "  CPU per booking: "
            + ", ".join(f"{n} {1000 * t / booking['requests']:.1f} ms" for n, t in shares.items())
        )


if __name__ == "__main__":
    main()
