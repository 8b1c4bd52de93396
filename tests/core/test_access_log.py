"""Issue 10: access logs never contain a token. gunicorn is started as docker-compose.yml starts
it (the repo's gunicorn.conf.py, DJANGO_DEBUG=0), on the test database; links with a token are
requested (a booking's pages, its .ics, the API, the rating page), with a token in the referrer
too; then neither the access log nor the error log (Django's logging included) holds one."""

import http.client
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from appointments.services import booking_token
from tests.appointments.factories import CaseFactory, SlotFactory
from tests.reviews.factories import CompletedCaseFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


def compose_gunicorn_args():
    """The web service's gunicorn arguments, from docker-compose.yml (`sh -c "… && gunicorn …"`)."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    words = shlex.split(shlex.split(compose["services"]["web"]["command"])[-1])
    return words[words.index("gunicorn") + 1 :]


def replaced(args, option, value):
    index = args.index(option)
    return [*args[: index + 1], value, *args[index + 2 :]]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_compose_and_the_dockerfile_start_gunicorn_with_the_repos_config():
    args = compose_gunicorn_args()
    assert args[args.index("--config") + 1] == "gunicorn.conf.py"
    assert args[args.index("--access-logfile") + 1] == "-"
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert '"--config", "gunicorn.conf.py"' in dockerfile


def test_the_proxys_access_log_has_no_query_strings():
    config = (ROOT / "deploy" / "nginx.conf").read_text()
    assert config.count("access_log /var/log/nginx/access.log portal;") == config.count("listen ")
    log_format = config[
        config.index("log_format portal") : config.index(";", config.index("log_format portal"))
    ]
    assert "$uri" in log_format and "$referer_without_query" in log_format
    for leaky in ("$request ", "$request_uri", "$args", "$query_string", "$http_referer"):
        assert leaky not in log_format


class Gunicorn:
    def __init__(self, tmp_path):
        self.port = free_port()
        self.access_log = tmp_path / "access.log"
        self.error_log = tmp_path / "error.log"
        args = compose_gunicorn_args()
        args = replaced(args, "--bind", f"127.0.0.1:{self.port}")
        args = replaced(args, "--workers", "1")
        args = replaced(args, "--access-logfile", str(self.access_log))
        db = settings.DATABASES["default"]
        password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "REDIS_"))}
        env.update(
            DATABASE_URL=f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            DJANGO_DEBUG="0",
            # The tokens are derived from the secret key: the same as this test's.
            DJANGO_SECRET_KEY=settings.SECRET_KEY,
            DJANGO_ALLOWED_HOSTS="127.0.0.1",
            DJANGO_SECURE_SSL_REDIRECT="0",
            DJANGO_LOG_LEVEL="INFO",
            # gunicorn ≥ 25 opens a control socket there: this server's own, not a shared one.
            XDG_RUNTIME_DIR=str(tmp_path),
        )
        with self.error_log.open("w") as errors:
            self.process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
                [sys.executable, "-m", "gunicorn", *args],
                cwd=ROOT,
                env=env,
                stdout=errors,
                stderr=subprocess.STDOUT,
            )
        self.wait_until_up()

    def wait_until_up(self):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError("gunicorn stopped:\n" + self.error_log.read_text())
            try:
                if self.get("/healthz").status == 200:
                    return
            except OSError:
                time.sleep(0.2)
        raise AssertionError("gunicorn did not answer:\n" + self.error_log.read_text())

    def get(self, path, **headers):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.body = response.read()
            return response
        finally:
            conn.close()

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def gunicorn(tmp_path):
    server = Gunicorn(tmp_path)
    yield server
    server.stop()


@pytest.fixture
def booking(db):
    slot = SlotFactory()  # tomorrow 09:00: the manage link works until its end
    return CaseFactory(booking=True, window=slot.window, slot=slot, start=slot.start)


def test_gunicorn_logs_no_token(gunicorn, booking):
    token = booking_token(booking)
    ref = booking.reference
    opened = gunicorn.get(f"/booking/{ref}/?token={token}")
    assert opened.status == 303 and opened.getheader("Location") == f"/booking/{ref}/"
    cookie = opened.getheader("Set-Cookie")
    assert f"booking_token={token}" in cookie
    assert "Secure" in cookie and "HttpOnly" in cookie and f"Path=/booking/{ref}/" in cookie
    assert gunicorn.get(f"/booking/{ref}/calendar.ics?token={token}").status == 303
    calendar = gunicorn.get(
        f"/booking/{ref}/calendar.ics",
        Cookie=f"booking_token={token}",
        Referer=f"http://127.0.0.1:{gunicorn.port}/booking/{ref}/?token={token}",
    )
    assert calendar.status == 200 and b"BEGIN:VCALENDAR" in calendar.body
    api = gunicorn.get(f"/api/v1/appointments/{ref}/?token={token}")
    assert api.status == 200 and api.getheader("Cache-Control").count("no-store") == 1
    completed = CompletedCaseFactory()
    rating_token = booking_token(completed)
    assert gunicorn.get(f"/rate/{completed.reference}/?token={rating_token}").status == 303
    gunicorn.stop()

    access = gunicorn.access_log.read_text()
    lines = access.splitlines()
    assert len([line for line in lines if f"/booking/{ref}/" in line]) >= 3
    assert any(f'"GET /api/v1/appointments/{ref}/ HTTP/1.1" 200' in line for line in lines)
    for secret in (token, rating_token):
        assert secret not in access
        assert secret not in gunicorn.error_log.read_text()
    assert "token=" not in access
