"""Issue 13 end to end in real Chromium: a walk-in takes a ticket at the kiosk, the calling
display shows the call within two seconds, the clerk starts and finishes the service at the
counter page, and the counter's rating pad takes the rating. No page breaks the CSP."""

import datetime as dt
import re

import pytest
import time_machine
from django.utils import timezone

from hall import pads
from hall.models import Ticket
from reviews.models import Rating
from tests.windows.factories import StaffMembershipFactory, UserFactory
from windows.constants import Role

from .factories import CounterFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def english(context, live_server):
    context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])


def csp_violations(page):
    """What Chromium reports about the policies: a refused script, style or request."""
    found = []
    page.on(
        "console",
        lambda message: (
            found.append(message.text)
            if "Content Security Policy" in message.text or "Permissions policy" in message.text
            else None
        ),
    )
    return found


# A Wednesday morning: the window is open and admits people.
MORNING = dt.datetime(2026, 12, 2, 10, 0, tzinfo=timezone.get_default_timezone())


def test_kiosk_display_counter_and_pad(browser, live_server, window_a, item):
    traveller = time_machine.travel(MORNING, tick=True)
    traveller.start()
    try:
        journey(browser, live_server, window_a, item)
    finally:
        traveller.stop()


def journey(browser, live_server, window, item):
    counter = CounterFactory(window=window, number=3)
    clerk = StaffMembershipFactory(
        window=window, user=UserFactory(username="clerk"), role=Role.SUPERVISOR
    ).user
    contexts = []

    def context(width, height):
        made = browser.new_context(
            base_url=live_server.url, viewport={"width": width, "height": height}
        )
        english(made, live_server)
        contexts.append(made)
        return made.new_page()

    # The display, on a 1920×1080 TV, before anyone is called.
    tv = context(1920, 1080)
    tv_violations = csp_violations(tv)
    tv.goto(f"/windows/{window.pk}/display/")

    # The kiosk: a walk-in chooses the item and gets A001 with the QR of its status link.
    kiosk = context(1080, 1920)
    kiosk_violations = csp_violations(kiosk)
    kiosk.goto(f"/windows/{window.pk}/kiosk/")
    kiosk.get_by_role("button", name=item.name_en).click()
    assert kiosk.locator("[data-ticket-number]").inner_text() == "A001"
    assert kiosk.locator("img.receipt-qr").evaluate("img => img.naturalWidth") > 0
    tv.locator("[data-waiting]").filter(has_text="A").wait_for()

    # The clerk signs in to counter 3 and calls.
    desk = context(1280, 900)
    desk_violations = csp_violations(desk)
    desk.goto("/accounts/login/")
    desk.get_by_label("Username").fill(clerk.username)
    desk.get_by_label("Password").fill("pass-word-123")
    desk.get_by_role("button", name="Log in").click()
    desk.goto(f"/staff/counters/{counter.pk}/")
    desk.get_by_role("button", name="Sign in to this counter").click()
    desk.get_by_role("button", name="Call next").click()
    assert desk.locator("[data-current-number]").inner_text() == "A001"

    # The display shows it within two seconds, without personal data.
    tv.locator('[data-call="A001"]').wait_for(timeout=2500)
    assert "3" in tv.locator('[data-call="A001"]').inner_text()
    tv.set_viewport_size({"width": 1366, "height": 768})
    assert tv.evaluate("document.documentElement.scrollWidth") <= 1366

    # Start (a walk-in: the person's details open the case) and finish, completing it.
    desk.get_by_label("Name").fill("王小明")
    desk.get_by_label("Mobile number").fill("13812345678")
    desk.get_by_label("ID type").select_option("other")
    desk.get_by_label("ID number").fill("E12345678")
    desk.get_by_role("button", name="Start service").click()
    desk.get_by_role("button", name="Finish and complete the case").click()
    ticket = Ticket.objects.get()
    assert ticket.status == "done" and ticket.case.status == "completed"

    # The supervisor connects the counter's pad; the tablet opens the link once.
    desk.get_by_role("button", name="Connect a new pad").click()
    link = desk.locator("[data-pad-link]").inner_text().strip()
    counter.refresh_from_db()
    assert link.endswith(f"?token={pads.pad_token(counter)}")
    pad = context(1280, 800)
    pad_violations = csp_violations(pad)
    pad.goto(re.sub(r"^https?://[^/]+", "", link))
    assert "token" not in pad.url
    pad.get_by_role("button", name="Very satisfied").click()
    pad.locator("[data-pad-thanks]").wait_for()
    rating = Rating.objects.get()
    assert rating.case_id == ticket.case_id and rating.channel == "pad" and rating.score == 5

    assert tv_violations == kiosk_violations == desk_violations == pad_violations == []
    for made in contexts:
        made.close()
