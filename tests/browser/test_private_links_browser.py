"""Issue 10 in real Chromium, on the portal served as in production (DJANGO_DEBUG=0: Secure
cookies, the security headers; `visit` in tests/conftest.py): the SMS link of a booking lands on
an address without the token, the Secure cookie it was exchanged for opens the pages and their
form posts (CSRF passes: the pages send their origin), and no page breaks the
Content-Security-Policy."""

import re

import pytest

from appointments.constants import Status
from appointments.models import Case
from appointments.services import booking_token
from tests.appointments.factories import CaseFactory, SlotFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def booking(db):
    slot = SlotFactory(booked=1)  # tomorrow 09:00, its place taken by this booking
    return CaseFactory(booking=True, window=slot.window, slot=slot, start=slot.start)


def test_the_sms_link_opens_the_booking_and_its_forms_by_the_cookie(visit, site, booking):
    # What Chromium refuses under the policy fails the test (the `visit` fixture).
    page = visit(language="en")
    context = page.context
    token = booking_token(booking)

    page.goto(f"/booking/{booking.reference}/?token={token}")
    assert page.url == f"{site.url}/booking/{booking.reference}/"  # no token left
    assert booking.reference in page.locator("h1").inner_text()
    cookie = next(c for c in context.cookies() if c["name"] == "booking_token")
    assert cookie["secure"] and cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert cookie["path"] == f"/booking/{booking.reference}/"
    assert "booking_token" not in page.evaluate("document.cookie")  # out of scripts' reach

    page.get_by_role("link", name="Cancel the booking").click()
    page.get_by_role("button", name="Yes, cancel the booking").click()
    page.wait_for_load_state()
    assert page.url == f"{site.url}/booking/{booking.reference}/"
    assert "Your booking has been cancelled." in page.content()
    assert Case.objects.get(pk=booking.pk).status == Status.CANCELLED

    # Another booking's page is the bad-link page in this browser.
    other = CaseFactory(booking=True, window=booking.window, slot=booking.slot, start=booking.start)
    response = page.goto(f"/booking/{other.reference}/")
    assert response.status == 404


def test_pages_with_scripts_run_them_under_the_policy(page, item):
    page.goto(f"/catalog/{item.code}/checklist/")
    # print.js reveals the Print button: the static script ran.
    assert page.locator("[data-print]").is_visible()
    page.goto("/")
    page.goto("/api/docs/")
    # Swagger UI starts from its own script file and shows the API's title.
    page.wait_for_selector(".swagger-ui .info .title", timeout=15_000)
    assert re.search("API", page.locator(".swagger-ui .info .title").inner_text())
