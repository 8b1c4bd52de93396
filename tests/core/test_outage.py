"""A bad day: Redis unreachable. The portal keeps serving (issue 10).

gunicorn runs in a subprocess whose REDIS_URL names a port where nothing listens (settings are
read at import, so overriding them in this process would prove nothing), against this test's
database. Every page and API a person or the staff use answers, none with a 500: the cache
answers as empty (ipservice/cache.py), rate limits let requests through (RATELIMIT_FAIL_OPEN),
and a booking's notice stays queued in the database (appointments/outbox.py). Then, Redis being
back, the stale-notice sweep sends it.

The server runs with DJANGO_DEBUG=1 only so that pages need no collected static files; the cache
and broker settings under test do not depend on it.
"""

import datetime as dt
import io
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.management import call_command

from appointments import tasks, workdays
from appointments.constants import NoticeStatus
from appointments.models import Case, Notice, SmsOutbox
from ipservice import dates
from reviews.models import Complaint
from tests.appointments.factories import person
from tests.catalog.factories import CategoryFactory, ServiceItemFactory
from tests.conftest_worker import _database_url
from tests.windows.factories import (
    DistrictFactory,
    ServicePointFactory,
    StaffMembershipFactory,
    UserFactory,
)
from windows.constants import BUREAU_GROUP

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

NOWHERE = "redis://127.0.0.1:1/0"  # port 1: nothing listens, the connection is refused
PASSWORD = "outage-pass-1"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, log_path):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        env = {
            **os.environ,
            "DATABASE_URL": _database_url(),
            "REDIS_URL": NOWHERE,
            "DJANGO_DEBUG": "1",
            "DJANGO_LOG_LEVEL": "WARNING",
            "DATABASE_CONN_MAX_AGE": "0",  # no connection left open when the test ends
        }
        gunicorn = Path(sys.executable).parent / "gunicorn"
        self.log = open(log_path, "w")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
            [str(gunicorn), "ipservice.wsgi", "--bind", f"127.0.0.1:{self.port}"]
            + ["--workers", "1", "--timeout", "60"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout=30.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.url}/healthz", timeout=5).status_code == 200:
                    return
            except (requests.ConnectionError, requests.Timeout):  # not up yet, or a busy machine
                time.sleep(0.2)
        raise AssertionError(f"gunicorn did not start:\n{self.output()}")

    def output(self):
        self.log.flush()
        return Path(self.log_path).read_text(errors="replace")

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
        self.log.close()


@pytest.fixture
def server(transactional_db, tmp_path):
    server = Server(tmp_path / "gunicorn.log")
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


def _with_password(user):
    # The server checks passwords with the project's hashers; this process uses a fast one.
    hasher = PBKDF2PasswordHasher()
    user.password = hasher.encode(PASSWORD, hasher.salt(), iterations=1000)
    user.save(update_fields=["password"])
    return user


@pytest.fixture
def office(transactional_db):
    """A window open every day 09:00–17:00, one item, its staff member and a bureau user."""
    from django.contrib.auth.models import Group

    item = ServiceItemFactory(category=CategoryFactory())
    hours = [(day, (9, 0), (17, 0)) for day in range(7)]
    window = ServicePointFactory(district=DistrictFactory(code="310104"), hours=hours)
    window.items.add(item)
    staff = _with_password(StaffMembershipFactory(window=window).user)
    bureau = _with_password(UserFactory(username="bureau-outage", is_staff=True))
    bureau.groups.add(Group.objects.get_or_create(name=BUREAU_GROUP)[0])
    day = workdays.add_working_days(dates.today(), 1)  # the next working day: open, bookable
    return {"window": window, "item": item, "staff": staff, "bureau": bureau, "day": day}


def _at(day, hour):
    return dt.datetime.combine(day, dt.time(hour), tzinfo=SHANGHAI).isoformat()


def _csrf(session, url):
    """GET a page with a form; the CSRF token for the POST that follows."""
    response = session.get(url, timeout=30)
    assert response.status_code == 200, (url, response.status_code)
    return session.cookies["csrftoken"]


def _logged_in(server, user):
    session = requests.Session()
    token = _csrf(session, f"{server.url}/accounts/login/")
    response = session.post(
        f"{server.url}/accounts/login/",
        {"username": user.username, "password": PASSWORD, "csrfmiddlewaretoken": token},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 302, response.text[:500]
    return session


def _code(walk, session, phone, purpose="booking"):
    """An SMS code asked of the server: with the broker unreachable the server sends it itself
    (a person is waiting for it), so the outbox has it; read it back as a developer would."""
    sent = walk(session, "POST", "/api/v1/phone-codes/", json={"phone": phone, "purpose": purpose})
    assert sent.status_code == 202, sent.text
    out = io.StringIO()
    call_command("sms_outbox", phone=phone, last=1, stdout=out)
    return re.search(r"(?<!\d)\d{6}(?!\d)", out.getvalue().split("\n", 1)[1]).group()


class Walk:
    """Every answer of the walk, to be checked at the end for 500s."""

    def __init__(self, server):
        self.server = server
        self.answers = []

    def __call__(self, session, method, path, **kwargs):
        response = session.request(
            method, f"{self.server.url}{path}", allow_redirects=False, timeout=30, **kwargs
        )
        self.answers.append((method, path, response.status_code))
        return response

    def errors(self):
        return [answer for answer in self.answers if answer[2] >= 500]


def test_with_redis_unreachable_the_portal_keeps_serving(server, office):
    window, item, day = office["window"], office["item"], office["day"]
    walk = Walk(server)
    public = requests.Session()

    # The APIs: due date, slots, a booking.
    due = walk(public, "GET", f"/api/v1/calendar/due-date/?start={day}&days=3")
    slots = walk(public, "GET", f"/api/v1/windows/{window.pk}/slots/?item={item.code}&date={day}")
    booked = walk(
        public,
        "POST",
        "/api/v1/appointments/",
        json={
            "window": window.pk,
            "item": item.code,
            "start": _at(day, 10),
            **person(1),
            "phone_code": _code(walk, public, person(1)["phone"]),
        },
    )
    assert due.status_code == 200 and due.json()["due"]
    assert slots.status_code == 200 and slots.json()[0]["available"] == window.capacity
    assert booked.status_code == 201, booked.text
    reference = booked.json()["reference"]

    # The booking steps and the booking page, as a browser does them.
    choice = {"item": item.code, "window": window.pk, "date": str(day), "start": _at(day, 11)}
    for step in ({}, {"item": item.code}, {"item": item.code, "window": window.pk}):
        assert walk(public, "GET", "/book/", params=step).status_code == 200
    assert walk(public, "GET", "/book/", params=choice).status_code == 200
    token = public.cookies["csrftoken"]
    details = walk(
        public,
        "POST",
        "/book/",
        params=choice,
        data={
            **person(2),
            "email": "",
            "phone_code": _code(walk, public, person(2)["phone"]),
            "csrfmiddlewaretoken": token,
        },
    )
    assert details.status_code == 302, details.text[:2000]
    confirmed = walk(
        public, "POST", "/book/confirm/", data={**choice, "csrfmiddlewaretoken": token}
    )
    assert confirmed.status_code == 302, confirmed.text[:2000]

    # Lookup, a complaint.
    token = _csrf(public, f"{server.url}/booking/lookup/")
    lookup = {"reference": reference, "phone": person(1)["phone"], "csrfmiddlewaretoken": token}
    assert walk(public, "POST", "/booking/lookup/", data=lookup).status_code == 302
    token = _csrf(public, f"{server.url}/complaints/new/")
    complaint = {
        "name": "李四",
        "phone": "13912345678",
        "matter": "专利实施许可合同备案",
        "description": "窗口说材料不全。",
        "window": window.pk,
        "item": item.pk,
        "phone_code": _code(walk, public, "13912345678", "complaint"),
        "csrfmiddlewaretoken": token,
    }
    assert walk(public, "POST", "/complaints/new/", data=complaint).status_code == 302

    # The workbench and the case list, the statistics (page and API).
    staff = _logged_in(server, office["staff"])
    assert walk(staff, "GET", "/staff/").status_code == 200
    assert walk(staff, "GET", "/staff/cases/").status_code == 200
    assert walk(staff, "GET", "/api/v1/cases/").status_code == 200
    assert walk(staff, "GET", "/bureau/stats/").status_code == 200
    # A walk-in accepted and completed: its rating invitation waits with the other notices.
    headers = {"X-CSRFToken": staff.cookies["csrftoken"]}
    walk_in = walk(
        staff,
        "POST",
        "/api/v1/cases/",
        json={"window": window.pk, "item": item.code, "channel": "walk_in", **person(3)},
        headers=headers,
    )
    assert walk_in.status_code == 201, walk_in.text
    for action in ("accept", "complete"):
        path = f"/api/v1/cases/{walk_in.json()['id']}/{action}/"
        assert walk(staff, "POST", path, headers=headers).status_code == 200
    bureau = _logged_in(server, office["bureau"])
    assert walk(bureau, "GET", "/bureau/stats/").status_code == 200
    stats = walk(bureau, "GET", f"/api/v1/stats/?year={day.year}")
    assert stats.status_code == 200 and stats.json()["complaints"] >= 1

    assert walk.errors() == [], server.output()
    # What was made is in the database; the notices wait there for the broker.
    assert Case.objects.filter(window=window).count() == 3
    assert Complaint.objects.count() == 1
    notices = Notice.objects.filter(key__startswith="booked:")
    assert notices.count() == 2
    assert set(notices.values_list("status", flat=True)) == {NoticeStatus.QUEUED}
    assert Notice.objects.filter(key__startswith="invite:", status=NoticeStatus.QUEUED).exists()
    log = server.output()
    assert "cache unreachable" in log and "stays queued, the broker is unreachable" in log

    # Redis back (this process's REDIS_URL): the sweep sends what waited.
    waiting = Notice.objects.filter(status=NoticeStatus.QUEUED).count()  # lookup, complaint too
    assert tasks.send_stale_notices.delay(older_than=0).get() == waiting
    assert set(Notice.objects.values_list("status", flat=True)) == {NoticeStatus.SENT}
    assert SmsOutbox.objects.filter(phone=person(1)["phone"], body__contains=reference).exists()
