"""Issue 10: the private links of a booking and of a rating. The token in the link of an SMS is
exchanged on first open for a cookie scoped to that booking, with a 303 to the address without
it; the cookie opens that booking's pages and no other; manage links expire when the booking is
over, rating links RATING_TOKEN_DAYS after completion; no log line shows a token.

Time is frozen on Monday 2026-11-23 10:00 in Shanghai; the booking is the next morning 09:00.
"""

import datetime as dt
import io
import logging
import re
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils.http import urlencode

from appointments import services
from appointments.constants import Status
from appointments.models import Case
from ipservice.private_links import RedactTokensFilter, redact
from reviews.models import Rating
from tests.appointments.factories import person, phone_code
from tests.reviews.factories import CompletedCaseFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)  # Monday, a working day
START = dt.datetime(2026, 11, 24, 9, 0, tzinfo=SHANGHAI)
LATER = dt.datetime(2026, 11, 25, 14, 0, tzinfo=SHANGHAI)
COOKIE = "booking_token"
RATING_COOKIE = "rating_token"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def booking(window_a, item):
    return services.book(window=window_a, item=item, start=START, **person(1))


@pytest.fixture
def other_booking(window_a, item):
    return services.book(window=window_a, item=item, start=LATER, **person(2))


def page(name, case):
    return reverse(f"appointments:{name}", args=[case.reference])


def link(name, case, token=None, **params):
    token = services.booking_token(case) if token is None else token
    return f"{page(name, case)}?{urlencode({'token': token, **params})}"


def expires_at(morsel, moment):
    """The cookie expires at `moment` (Django rounds up to the next second)."""
    expires = parsedate_to_datetime(morsel["expires"])
    return dt.timedelta(0) <= expires - moment.replace(microsecond=0) <= dt.timedelta(seconds=1)


def main_part(response):
    """What the page says (its <main>); the header's forms differ with each answer (CSRF)."""
    return re.search(r"<main.*</main>", response.content.decode(), re.S).group(0)


# The exchange -------------------------------------------------------------------------------------


def test_the_link_is_exchanged_for_a_cookie_of_that_booking(client, booking):
    response = client.get(link("manage", booking))
    assert response.status_code == 303
    assert response.url == page("manage", booking)  # the same address, without the token
    cookie = response.cookies[COOKIE]
    assert cookie.value == services.booking_token(booking)
    assert cookie["path"] == f"/booking/{booking.reference}/"
    assert cookie["httponly"] is True and cookie["samesite"] == "Lax"
    # Kept until the booking is over, not longer.
    assert expires_at(cookie, booking.slot.end)
    # The page itself, then, by the cookie alone.
    manage = client.get(response.url)
    assert manage.status_code == 200 and booking.reference in manage.content.decode()


def test_the_cookie_is_secure_where_the_session_cookie_is(client, booking, settings):
    settings.SESSION_COOKIE_SECURE = False  # DJANGO_DEBUG=1: plain http on a developer's machine
    assert not client.get(link("manage", booking)).cookies[COOKIE]["secure"]
    settings.SESSION_COOKIE_SECURE = True  # DJANGO_DEBUG=0 sets it
    assert client.get(link("manage", booking)).cookies[COOKIE]["secure"] is True


@pytest.mark.parametrize("name", ["done", "manage", "cancel", "reschedule", "ics", "qr"])
def test_every_page_of_the_booking_exchanges_its_link(client, booking, name):
    response = client.get(link(name, booking))
    assert response.status_code == 303 and response.url == page(name, booking)
    assert response.cookies[COOKIE]["path"] == page("manage", booking)
    assert client.get(response.url).status_code == 200


def test_the_other_query_parameters_are_kept(client, booking):
    day = LATER.date().isoformat()
    response = client.get(link("reschedule", booking, date=day))
    assert response.status_code == 303
    assert response.url == f"{page('reschedule', booking)}?date={day}"


def test_the_portals_own_links_carry_no_token(client, booking):
    client.get(link("done", booking))
    html = client.get(page("done", booking)).content.decode()
    token = services.booking_token(booking)
    # Only the private link to keep shows it (as text to copy, and its own address).
    assert html.count(token) == 2
    assert f'href="{page("ics", booking)}"' in html and f'src="{page("qr", booking)}"' in html


def test_a_booking_made_in_the_browser_gets_its_cookie_at_once(client, window_a, item):
    params = {
        "item": item.code,
        "window": window_a.pk,
        "date": START.date().isoformat(),
        "start": START.isoformat(),
    }
    details = {**person(3), "email": ""}
    details["phone_code"] = phone_code(details["phone"])
    client.post(f"{reverse('appointments:book')}?{urlencode(params)}", details)
    response = client.post(reverse("appointments:confirm"), params)
    case = Case.objects.get()
    assert response.status_code == 302 and response.url == page("done", case)
    assert response.cookies[COOKIE].value == services.booking_token(case)
    assert client.get(response.url).status_code == 200


# A bad link, another booking ---------------------------------------------------------------------


def bad_link_page(client, case):
    """The answer to a wrong token today: the 404 page."""
    response = client.get(link("manage", case, token="0" * 32))
    assert response.status_code == 404
    return main_part(response)


def test_the_cookie_opens_that_booking_only(client, booking, other_booking):
    client.get(link("manage", booking))
    bad = bad_link_page(Client(), other_booking)
    for name in ("manage", "done", "cancel", "reschedule", "ics", "qr"):
        response = client.get(page(name, other_booking))
        assert response.status_code == 404, name
    assert main_part(client.get(page("manage", other_booking))) == bad
    # Nor can it cancel the other booking.
    assert client.post(page("cancel", other_booking)).status_code == 404
    assert Case.objects.get(pk=other_booking.pk).status == Status.BOOKED
    # Its own pages still open.
    assert client.get(page("manage", booking)).status_code == 200


def test_a_wrong_token_is_the_bad_link_page_whether_or_not_the_booking_exists(client, booking):
    bad = bad_link_page(client, booking)
    unknown = client.get(f"/booking/YY261123ZZZZ/?token={'0' * 32}")
    assert unknown.status_code == 404 and main_part(unknown) == bad
    assert COOKIE not in unknown.cookies


def test_a_form_post_goes_by_the_cookie(client, booking):
    client.get(link("cancel", booking))
    response = client.post(page("cancel", booking))
    assert response.status_code == 302 and response.url == page("manage", booking)
    assert Case.objects.get(pk=booking.pk).status == Status.CANCELLED


def test_a_post_with_a_token_in_the_address_only_exchanges_it(client, booking):
    response = client.post(link("cancel", booking))
    assert response.status_code == 303 and response.url == page("cancel", booking)
    assert Case.objects.get(pk=booking.pk).status == Status.BOOKED


def test_the_pages_may_send_a_referrer_to_the_portal_itself(client, booking):
    """With `no-referrer` Chromium sends `Origin: null` on the form posts, and CSRF fails."""
    response = client.get(link("manage", booking), follow=True)
    assert response["Referrer-Policy"] == "same-origin"
    assert 'name="referrer"' not in response.content.decode()


# Expiry -----------------------------------------------------------------------------------------


def test_the_manage_link_works_until_the_booking_is_over(client, booking, frozen, api):
    client.get(link("manage", booking))
    frozen.move_to(booking.slot.end - dt.timedelta(seconds=1))
    assert client.get(page("manage", booking)).status_code == 200
    assert client.get(link("manage", booking)).status_code == 303

    frozen.move_to(booking.slot.end)
    bad = bad_link_page(Client(), booking)
    assert main_part(client.get(page("manage", booking))) == bad  # the cookie
    assert client.get(link("manage", booking)).status_code == 404  # the link itself
    api_url = reverse("api-appointment-detail", args=[booking.reference])
    token = services.booking_token(booking)
    assert api.get(api_url, {"token": token}).status_code == 404  # and for programs


def test_a_cancelled_booking_shows_until_its_time_is_over(client, booking, frozen):
    services.cancel(booking)
    client.get(link("manage", booking))
    assert client.get(page("manage", booking)).status_code == 200
    frozen.move_to(booking.slot.end + dt.timedelta(minutes=1))
    assert client.get(page("manage", booking)).status_code == 404


def test_a_reschedule_moves_the_expiry_with_the_booking(client, booking, frozen):
    client.get(link("reschedule", booking))
    response = client.post(
        page("reschedule", booking), {"start": LATER.isoformat(), "confirm": "1"}
    )
    assert response.status_code == 302
    moved = Case.objects.select_related("slot").get(pk=booking.pk)
    assert expires_at(response.cookies[COOKIE], moved.slot.end)
    frozen.move_to(START + dt.timedelta(hours=2))  # the old time is over, the new one is not
    assert client.get(page("manage", booking)).status_code == 200


# The rating link --------------------------------------------------------------------------------


@pytest.fixture
def completed(window_a, item, staff_a):
    return CompletedCaseFactory(window=window_a, item=item, handled_by=staff_a)


def rating_link(case, token=None):
    return f"/rate/{case.reference}/?token={token or services.booking_token(case)}"


def test_the_rating_link_is_exchanged_for_a_cookie_of_that_page(client, completed, settings):
    response = client.get(rating_link(completed))
    assert response.status_code == 303 and response.url == f"/rate/{completed.reference}/"
    cookie = response.cookies[RATING_COOKIE]
    assert cookie["path"] == f"/rate/{completed.reference}/"
    assert cookie["httponly"] is True and cookie["samesite"] == "Lax"
    days = dt.timedelta(days=settings.RATING_TOKEN_DAYS)
    assert expires_at(cookie, completed.completed_at + days)
    assert client.post(response.url, {"score": "5"}).status_code == 302
    assert Rating.objects.get(case=completed).score == 5


def test_the_rating_cookie_opens_that_case_only(client, completed, window_a, item, staff_a):
    other = CompletedCaseFactory(window=window_a, item=item, handled_by=staff_a)
    client.get(rating_link(completed))
    assert client.get(f"/rate/{other.reference}/").status_code == 404
    assert client.post(f"/rate/{other.reference}/", {"score": "1"}).status_code == 404
    assert not Rating.objects.exists()


def test_the_rating_link_expires_after_rating_token_days(client, completed, frozen, settings, api):
    settings.RATING_TOKEN_DAYS = 7
    expiry = completed.completed_at + dt.timedelta(days=7)
    client.get(rating_link(completed))
    frozen.move_to(expiry - dt.timedelta(minutes=1))
    assert client.get(f"/rate/{completed.reference}/").status_code == 200

    frozen.move_to(expiry)
    bad = client.get(rating_link(completed, token="0" * 32))
    assert bad.status_code == 404
    assert main_part(client.get(rating_link(completed))) == main_part(bad)  # the link
    assert client.get(f"/rate/{completed.reference}/").status_code == 404  # the cookie
    assert client.post(f"/rate/{completed.reference}/", {"score": "1"}).status_code == 404
    # The API says so to whoever holds the right token.
    body = {"reference": completed.reference, "token": services.booking_token(completed)}
    response = api.post("/api/v1/reviews/", {**body, "score": 5}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "expired_token"
    assert not Rating.objects.exists()


def test_staff_are_told_when_the_code_has_expired(client, completed, staff_a, frozen, settings):
    settings.RATING_TOKEN_DAYS = 3
    frozen.move_to(completed.completed_at + dt.timedelta(days=3, seconds=1))
    client.force_login(staff_a)
    url = reverse("reviews:staff_rate", args=[completed.pk])
    data = {"channel": "hotline", "token": services.booking_token(completed), "score": "4"}
    response = client.post(url, data)
    assert response.status_code == 200
    assert response.context["form"].errors["token"] == ["评价链接或评价码已过期。"]
    assert not Rating.objects.exists()


# Logs -------------------------------------------------------------------------------------------


def test_a_log_line_never_shows_a_token():
    line = '"GET /booking/YY26/?token=0123abcd&date=2026-11-24 HTTP/1.1" 303 0'
    assert redact(line) == '"GET /booking/YY26/?token=[redacted]&date=2026-11-24 HTTP/1.1" 303 0'
    record = logging.LogRecord("django.server", logging.INFO, "", 0, '"%s" %s', (line, 303), None)
    assert RedactTokensFilter().filter(record) is True
    assert "0123abcd" not in record.getMessage() and "303" in record.getMessage()


def test_runservers_request_lines_go_through_the_filter():
    """Django's development server logs each request line with its query string."""
    handler = logging.getLogger("django.server").handlers[0]
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        logging.getLogger("django.server").info(
            '"%s" %s %s', "GET /rate/YY26/?token=0123abcd HTTP/1.1", 303, 0
        )
    finally:
        handler.setStream(previous)
    assert "/rate/YY26/?token=[redacted]" in stream.getvalue()
    assert "0123abcd" not in stream.getvalue()


def test_a_rating_link_that_never_works_is_refused_at_start():
    from tests.core.test_settings import run_manage

    result = run_manage("check", RATING_TOKEN_DAYS="0")
    assert result.returncode != 0 and "RATING_TOKEN_DAYS" in result.stderr
