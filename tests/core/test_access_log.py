"""Issue 10: access logs never contain a token. gunicorn is started as docker-compose.yml starts
it (the repo's gunicorn.conf.py, DJANGO_DEBUG=0: tests/production.py), on the test database;
links with a token are requested (a booking's pages, its .ics, the API, the rating page), with a
token in the referrer too; then neither the access log nor the error log (Django's logging
included) holds one."""

from pathlib import Path

import pytest

from appointments.services import booking_token
from tests.appointments.factories import CaseFactory, SlotFactory
from tests.production import Gunicorn, compose_gunicorn_args
from tests.reviews.factories import CompletedCaseFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


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


@pytest.fixture
def gunicorn(tmp_path, collected_static):
    server = Gunicorn(tmp_path, collected_static, DJANGO_LOG_LEVEL="INFO")
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
        Referer=f"{gunicorn.url}/booking/{ref}/?token={token}",
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
        assert secret not in gunicorn.output()
    assert "token=" not in access
