"""axe-core (the npm package of package.json, installed by `make setup`: `npm ci`) checks the
citizen pages, the workbench, the case page and the statistics dashboard on the portal served
as in production (issue 11): no serious or critical violation, on a phone and at a desk.

axe is injected as a script tag; the pages' Content-Security-Policy refuses inline scripts,
so the contexts that audit bypass it (`bypass_csp`); the journeys of the other test files keep
it and fail on any violation of it.
"""

import datetime as dt
import json
import os
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group

from appointments import services, workdays
from ipservice import dates
from tests.appointments.factories import person
from tests.browser import journeys as steps
from tests.browser.journeys import link_in, outbox_mark, sms_to
from tests.catalog.factories import CategoryFactory, MaterialFactory, ServiceItemFactory
from tests.production import DESK_SCREEN, PASSWORD, ROOT, with_server_password
from tests.reviews.factories import CompletedCaseFactory
from tests.windows.factories import (
    DistrictFactory,
    ServicePointFactory,
    StaffMembershipFactory,
    UserFactory,
)
from windows.constants import BUREAU_GROUP

pytestmark = [
    pytest.mark.browser,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SHANGHAI = ZoneInfo("Asia/Shanghai")
BLOCKING = {"serious", "critical"}


@pytest.fixture(scope="module")
def axe_path():
    if not AXE.exists():
        message = "axe-core is not installed: run `npm ci` (make setup does)"
        if os.environ.get("REQUIRE_REAL_SERVICES") == "1":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return Path(AXE)


class Audit:
    """Runs axe on each page it is given; collects the serious and critical violations."""

    def __init__(self, axe_path):
        self.axe_path = axe_path
        self.found = {}

    def __call__(self, page, name=None):
        page.wait_for_load_state()
        page.add_script_tag(path=str(self.axe_path))
        result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
        blocking = [
            {
                "rule": v["id"],
                "impact": v["impact"],
                "help": v["help"],
                "nodes": [n["target"] for n in v["nodes"]][:5],
                "summary": v["nodes"][0].get("failureSummary", "")[:300],
            }
            for v in result["violations"]
            if v["impact"] in BLOCKING
        ]
        if blocking:
            self.found[name or page.url] = blocking

    def report(self):
        return json.dumps(self.found, ensure_ascii=False, indent=1)


@pytest.fixture
def audit(axe_path):
    return Audit(axe_path)


@pytest.fixture
def office(site):
    item = ServiceItemFactory(
        category=CategoryFactory(), name="专利实施许可合同备案", name_en="Patent licence filing"
    )
    MaterialFactory(item=item, name="专利实施许可合同", required=True)
    window = ServicePointFactory(
        district=DistrictFactory(code="310104", name="徐汇区", name_en="Xuhui"),
        name="徐汇区知识产权窗口",
        hours=[(day, (9, 0), (17, 0)) for day in range(7)],
    )
    window.items.add(item)
    clerk = with_server_password(StaffMembershipFactory(window=window).user)
    analyst = with_server_password(UserFactory(username="analyst", is_staff=True))
    analyst.groups.add(Group.objects.get_or_create(name=BUREAU_GROUP)[0])
    day = workdays.add_working_days(dates.today(), 1)
    mark = outbox_mark()
    fields = person(3)
    booking = services.book(
        window=window,
        item=item,
        start=dt.datetime.combine(day, dt.time(10), tzinfo=SHANGHAI),
        **fields,
    )
    manage_link = link_in(sms_to(fields["phone"], booking.reference, after=mark))
    return {
        "item": item,
        "window": window,
        "clerk": clerk,
        "analyst": analyst,
        "booking": booking,
        "manage_link": manage_link,
    }


def citizen(visit, **options):
    return visit(bypass_csp=True, **options)


def test_the_citizen_pages_have_no_serious_violation(visit, audit, office):
    item, window = office["item"], office["window"]
    page = citizen(visit)
    for path in ("/", "/catalog/", f"/catalog/{item.code}/", "/windows/", f"/windows/{window.pk}/"):
        page.goto(path)
        audit(page)

    # The booking's steps, as a person goes through them.
    page.goto("/book/")
    audit(page, "booking: item")
    page.goto(f"/book/?item={item.code}")
    audit(page, "booking: window")
    steps.choose_window(page, window, "选择此窗口")
    audit(page, "booking: day")
    steps.choose_first_day(page)
    audit(page, "booking: time")
    steps.choose_first_time(page)
    audit(page, "booking: details")
    page.locator("main form button[type=submit]").first.click()  # sent empty: the errors
    audit(page, "booking: details with errors")
    steps.fill_details(page, steps.CHINESE)
    audit(page, "booking: confirm")
    steps.confirm_booking(page, steps.CHINESE["confirm"])
    audit(page, "booking: confirmed")

    for path in ("/booking/lookup/", "/complaints/new/", "/complaints/lookup/", "/nowhere/"):
        page.goto(path)
        audit(page)

    # The private links: the booking (and its pages), the rating.
    mine = citizen(visit)
    mine.goto(office["manage_link"])
    audit(mine, "manage")
    reference = office["booking"].reference
    for suffix in ("done/", "reschedule/", "cancel/"):
        mine.goto(f"/booking/{reference}/{suffix}")
        audit(mine, f"manage: {suffix}")
    mine.goto(f"/booking/{reference}/reschedule/")
    mine.locator(".day-list a").first.click()
    audit(mine, "manage: reschedule times")

    served = CompletedCaseFactory(window=window, item=item)
    rating = citizen(visit)
    rating.goto(f"/rate/{served.reference}/?token={services.booking_token(served)}")
    audit(rating, "rating")

    assert audit.found == {}, audit.report()


def test_english_and_the_accessibility_modes_have_no_serious_violation(visit, audit, office):
    item = office["item"]
    page = citizen(visit, language="en")
    page.goto(f"/catalog/{item.code}/")
    audit(page, "item (en)")
    page.goto("/booking/lookup/")
    page.context.clear_cookies(name="csrftoken")
    page.locator("main form button[type=submit]").first.click()
    assert steps.heading(page) == "The form could not be sent"
    audit(page, "CSRF failure (en)")
    page.context.add_cookies([{"name": "a11y", "value": "large.contrast", "url": page.url}])
    for path in ("/", f"/catalog/{item.code}/", "/complaints/new/"):
        page.goto(path)
        audit(page, f"{path} (large, contrast)")
    assert audit.found == {}, audit.report()


def test_the_staff_pages_have_no_serious_violation(visit, audit, office):
    desk = visit(bypass_csp=True, screen=DESK_SCREEN)
    steps.log_in(desk, office["clerk"], PASSWORD)
    audit(desk, "workbench")
    desk.goto(f"/staff/cases/{office['booking'].pk}/")
    audit(desk, "case page")
    desk.goto("/staff/cases/")
    audit(desk, "cases")

    bureau = visit(bypass_csp=True, screen=DESK_SCREEN)
    steps.log_in(bureau, office["analyst"], PASSWORD, next_path="/bureau/stats/")
    audit(bureau, "dashboard")
    bureau.goto("/bureau/reports/")
    audit(bureau, "reports")

    phone = visit(bypass_csp=True)
    steps.log_in(phone, office["clerk"], PASSWORD)
    audit(phone, "workbench (phone)")
    assert audit.found == {}, audit.report()
