"""Issue 13 end to end in real Chromium, against the portal served as in production (`site`,
`visit` in tests/conftest.py): a walk-in takes a ticket at the kiosk, the calling display shows
the call within two seconds, the clerk starts and finishes the service at the counter page, and
the counter's rating pad takes the rating. No page breaks the CSP."""

import datetime as dt
import re
import time

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from appointments import workdays
from appointments.constants import DayKind
from appointments.models import CalendarDay
from hall import pads
from hall.models import Ticket
from ipservice import dates
from reviews.models import Rating
from tests.browser import journeys as steps
from tests.production import DESK_SCREEN, PASSWORD, with_server_password
from tests.windows.factories import StaffMembershipFactory, UserFactory
from windows.constants import Role
from windows.models import OpeningPeriod

from .factories import CounterFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]

TV_SCREEN = {"width": 1920, "height": 1080}
KIOSK_SCREEN = {"width": 1080, "height": 1920}
PAD_SCREEN = {"width": 1280, "height": 800}


# A generous bound on the journey below (it takes about JOURNEY_SECONDS / 6 on a quiet machine):
# a ticket belongs to its Shanghai day, so the journey must not cross midnight there.
JOURNEY_SECONDS = 120


def not_across_midnight():
    """Start the journey on a day it can finish in: within JOURNEY_SECONDS of midnight in
    Shanghai, wait for the next day (at most JOURNEY_SECONDS) rather than skip. A ticket is
    issued, called and served on one day (its `day`; call-next takes today's tickets only), and
    the kiosk gives none in the last second of the day (the window closes at 23:59:59)."""
    now = timezone.localtime(timezone.now(), timezone.get_default_timezone())
    _, midnight = dates.day_bounds(dates.local_day(now))
    left = (midnight - now).total_seconds()
    if left < JOURNEY_SECONDS:
        time.sleep(left + 1)


def open_all_day_today(window):
    """The served portal runs on the real clock, in its own process: make the real now
    admissible. The window opens all day on every weekday, and today (in Shanghai) is a
    working day (a 调休 entry of the calendar, which the server reads when its Redis, emptied
    for this test, holds no calendar version yet). The served portal gives tickets until the
    closing time (HALL_LAST_ADMISSION_MINUTES=0 in `production_site`, tests/conftest.py)."""
    window.opening_periods.all().delete()
    OpeningPeriod.objects.bulk_create(
        OpeningPeriod(window=window, weekday=day, start=dt.time(0, 0), end=dt.time(23, 59, 59))
        for day in range(7)
    )
    CalendarDay.objects.create(date=dates.today(), kind=DayKind.WORKDAY, name="调休")
    workdays.clear_cache()


def test_kiosk_display_counter_and_pad(visit, window_a, item):
    window = window_a
    not_across_midnight()
    open_all_day_today(window)
    counter = CounterFactory(window=window, number=3)
    clerk = with_server_password(
        StaffMembershipFactory(
            window=window, user=UserFactory(username="clerk"), role=Role.SUPERVISOR
        ).user
    )

    # The display, on a 1920×1080 TV, before anyone is called.
    tv = visit(language="en", screen=TV_SCREEN)
    tv.goto(f"/windows/{window.pk}/display/")

    # The kiosk: a walk-in chooses the item and gets A001 with the QR of its status link.
    kiosk = visit(language="en", screen=KIOSK_SCREEN)
    kiosk.goto(f"/windows/{window.pk}/kiosk/")
    kiosk.get_by_role("button", name=item.name_en).click()
    assert kiosk.locator("[data-ticket-number]").inner_text() == "A001"
    kiosk.wait_for_function("() => document.querySelector('img.receipt-qr')?.naturalWidth > 0")
    tv.locator("[data-waiting]").filter(has_text="A").wait_for()

    # The clerk signs in to counter 3 and calls.
    desk = visit(language="en", screen=DESK_SCREEN)
    steps.log_in(desk, clerk, PASSWORD)
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
    expect(desk.locator("[data-finish-complete]")).to_have_count(0)
    ticket = Ticket.objects.get()
    assert ticket.status == "done" and ticket.case.status == "completed"

    # The supervisor connects the counter's pad; the tablet opens the link once.
    desk.get_by_role("button", name="Connect a new pad").click()
    link = desk.locator("[data-pad-link]").inner_text().strip()
    counter.refresh_from_db()
    assert link.endswith(f"?token={pads.pad_token(counter)}")
    pad = visit(language="en", screen=PAD_SCREEN)
    pad.goto(re.sub(r"^https?://[^/]+", "", link))
    assert "token" not in pad.url
    pad.get_by_role("button", name="Very satisfied").click()
    pad.locator("[data-pad-thanks]").wait_for()
    rating = Rating.objects.get()
    assert rating.case_id == ticket.case_id and rating.channel == "pad" and rating.score == 5
    # CSP violations and 5xx answers of any of the four screens fail the test (`visit`).
