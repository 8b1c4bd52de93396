"""Issue 3 end to end, in real Chromium: a citizen books through the pages on a phone, then a
window clerk finds the booking by its reference, checks the person in, accepts and completes."""

import io
import re

import pytest
from django.core.management import call_command

from appointments.constants import Status
from appointments.models import Case
from tests.windows.factories import StaffMembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A valid resident ID (GB 11643 checksum) and a mainland mobile number.
ID_NUMBER = "11010519491231002X"
PHONE = "13812345678"


def english(context, live_server):
    context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])


def code_from_outbox(phone):
    """The code as a developer reads it: `manage.py sms_outbox --phone P --last 1`."""
    out = io.StringIO()
    call_command("sms_outbox", phone=phone, last=1, stdout=out)
    return re.search(r"(?<!\d)\d{6}(?!\d)", out.getvalue().split("\n", 1)[1]).group()


def book_through_the_pages(page, item, window):
    page.goto(f"/catalog/{item.code}/")
    page.get_by_role("link", name="Book an appointment").last.click()
    page.get_by_role("link", name=re.compile("Choose this window")).first.click()
    page.locator(".day-list a").first.click()
    page.locator("a.slot").first.click()
    page.get_by_label("Name").fill("张三")
    page.get_by_label("Mobile number").fill(PHONE)
    page.get_by_label("ID type").select_option("resident_id")
    page.get_by_label("ID number").fill(ID_NUMBER)
    # The code by SMS (issue 10): the page's script asks the API and stays on the page.
    page.get_by_role("button", name="Send the code by SMS").click()
    status = page.locator("#phone-code-status")
    status.filter(has_text="138****5678").wait_for()
    assert page.get_by_label("Name").input_value() == "张三"  # still the same page
    page.get_by_label("SMS code").fill(code_from_outbox(PHONE))
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Confirm the booking").click()
    reference = page.locator(".reference").inner_text().strip()
    assert page.locator("img[src*='qr.png']").count() == 1
    assert page.locator("a[href*='calendar.ics']").count() == 1
    return reference


def test_citizen_books_and_clerk_completes_the_case(browser, live_server, window_a, item):
    clerk = StaffMembershipFactory(window=window_a, user=UserFactory(username="clerk")).user

    citizen = browser.new_context(base_url=live_server.url, viewport={"width": 360, "height": 740})
    english(citizen, live_server)
    page = citizen.new_page()
    reference = book_through_the_pages(page, item, window_a)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    case = Case.objects.get(reference=reference)
    assert case.status == Status.BOOKED and case.window == window_a and case.item == item
    citizen.close()

    desk = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    english(desk, live_server)
    staff = desk.new_page()
    staff.goto("/accounts/login/")
    staff.get_by_label("Username").fill(clerk.username)
    staff.get_by_label("Password").fill("pass-word-123")
    staff.get_by_role("button", name="Log in").click()
    staff.goto("/staff/check-in/")
    staff.get_by_label(re.compile("reference", re.I)).fill(reference)
    staff.get_by_role("button", name="Find and check in").click()
    if staff.get_by_role("button", name="Check in", exact=True).count():
        staff.get_by_role("button", name="Check in", exact=True).click()
    # The case page shows the person whole to the clerk of that window.
    assert ID_NUMBER in staff.content() and PHONE in staff.content()
    # Accept and complete ask for a tick first: the button alone does nothing but explain.
    staff.get_by_role("button", name="Accept", exact=True).click()
    staff.locator(".error-summary").wait_for()
    assert staff.evaluate("document.activeElement.classList.contains('error-summary')")
    assert Case.objects.get(pk=case.pk).status == Status.CHECKED_IN
    staff.get_by_label(re.compile("materials are complete")).check()
    staff.get_by_role("button", name="Accept", exact=True).click()
    staff.get_by_label(re.compile("case is finished")).check()
    staff.get_by_role("button", name="Complete", exact=True).click()
    staff.wait_for_load_state()
    timeline = staff.content()
    desk.close()

    case.refresh_from_db()
    assert case.status == Status.COMPLETED
    assert case.accepted_on is not None and case.completed_at is not None
    actions = list(case.events.values_list("action", flat=True))
    assert actions == ["create", "check-in", "accept", "complete"]
    assert "Completed" in timeline
