"""Every citizen journey of issue 11, from the link the person receives, each person in a fresh
browser context, against the portal served as in production (`visit`, tests/conftest.py):
booking (then served by the clerk and rated from the SMS invitation), the manage link
(reschedule, cancel), the booking lookup and the 办不成事 report with its lookup."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from appointments import services, workdays
from appointments.constants import Status
from appointments.models import Case
from ipservice import dates
from reviews.models import Complaint, Rating
from tests.appointments.factories import person
from tests.browser import journeys as steps
from tests.browser.journeys import link_in, outbox_mark, sms_to
from tests.catalog.factories import CategoryFactory, ServiceItemFactory
from tests.production import DESK_SCREEN, PASSWORD, with_server_password
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

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def office(site):
    """A window open every day 09:00–17:00 with one item, its clerk and a bureau analyst
    (passwords the server knows)."""
    item = ServiceItemFactory(
        category=CategoryFactory(), name="专利实施许可合同备案", name_en="Patent licence filing"
    )
    hours = [(day, (9, 0), (17, 0)) for day in range(7)]
    window = ServicePointFactory(
        district=DistrictFactory(code="310104", name="徐汇区", name_en="Xuhui"),
        name="徐汇区知识产权窗口",
        name_en="Xuhui IP window",
        hours=hours,
    )
    window.items.add(item)
    clerk = with_server_password(
        StaffMembershipFactory(window=window, user=UserFactory(username="clerk")).user
    )
    analyst = with_server_password(UserFactory(username="analyst", is_staff=True))
    analyst.groups.add(Group.objects.get_or_create(name=BUREAU_GROUP)[0])
    return {"item": item, "window": window, "clerk": clerk, "analyst": analyst}


def booked_by_sms(office, seq, hour):
    """A booking made as the pages make it, at `hour` on the next working day; returns it, the
    path of the manage link its confirmation SMS carries (sent from this process, eager), and
    the person's fields."""
    day = workdays.add_working_days(dates.today(), 1)
    start = dt.datetime.combine(day, dt.time(hour), tzinfo=SHANGHAI)
    mark = outbox_mark()
    fields = person(seq)
    case = services.book(window=office["window"], item=office["item"], start=start, **fields)
    return case, link_in(sms_to(fields["phone"], case.reference, after=mark)), fields


def test_a_person_books_is_served_and_rates_from_the_sms(visit, office):
    item, window = office["item"], office["window"]

    # On a phone, in Chinese (the default): catalog item → window → day → time → details.
    citizen = visit()
    mark = outbox_mark()
    steps.open_item_and_start_booking(citizen, item, steps.CHINESE["book"])
    steps.choose_window(citizen, window, steps.CHINESE["choose_window"])
    steps.choose_first_day(citizen)
    time = steps.choose_first_time(citizen)
    steps.fill_details(citizen, steps.CHINESE)
    assert time in citizen.content()  # the summary before confirming
    reference = steps.confirm_booking(citizen, steps.CHINESE["confirm"])
    assert steps.heading(citizen) == "预约成功"
    assert steps.MASKED_PHONE in citizen.content()
    assert steps.fits_the_screen(citizen)
    case = Case.objects.get(reference=reference)
    assert case.status == Status.BOOKED and case.window == window and case.item == item

    # The confirmation SMS carries the manage link; opened later in another browser.
    sms = sms_to(steps.PHONE, reference, after=mark)
    later = visit()
    steps.open_manage_link(later, link_in(sms), reference)
    assert "已预约" in later.content() or case.get_status_display() in later.content()

    # The clerk, at a desk in English: log in, the workbench, check-in, accept, complete.
    desk = visit(language="en", screen=DESK_SCREEN)
    steps.log_in(desk, office["clerk"], PASSWORD)
    assert steps.heading(desk).startswith("Workbench")
    steps.check_in_by_reference(desk, reference)
    assert steps.heading(desk).startswith(f"Case {reference}")
    # The clerk of that window sees the person whole.
    assert steps.ID_NUMBER in desk.content() and steps.PHONE in desk.content()
    steps.case_action(desk, "Accept")
    steps.expect_status(desk, "Accepted")
    mark = outbox_mark()
    steps.case_action(desk, "Complete")
    steps.expect_status(desk, "Completed")
    case.refresh_from_db()
    assert case.status == Status.COMPLETED
    assert list(case.events.values_list("action", flat=True)) == [
        "create",
        "check-in",
        "accept",
        "complete",
    ]

    # The invitation to rate reaches the person's phone; they rate from its link.
    invite = sms_to(steps.PHONE, "/rate/", after=mark)
    rating_page = visit(language="en")
    rating_page.goto(link_in(invite))
    assert rating_page.url.endswith(f"/rate/{reference}/")  # the token left the address
    assert item.name_en in rating_page.content() and reference in rating_page.content()
    steps.rate(rating_page, 5, "Quick and clear.")
    assert Rating.objects.get(case=case).score == 5
    expect(rating_page.get_by_role("status").first).to_contain_text("Thank you")
    assert 'name="score"' not in rating_page.content()
    assert steps.fits_the_screen(rating_page)


def test_the_manage_link_reschedules_then_cancels(visit, office):
    case, link, fields = booked_by_sms(office, 7, 10)

    page = visit(language="en")
    steps.open_manage_link(page, link, case.reference)
    assert "10:00" in page.content()
    cookie = next(c for c in page.context.cookies() if c["name"] == "booking_token")
    assert cookie["secure"] and cookie["httpOnly"]

    mark = outbox_mark()
    new_time = steps.reschedule_to_another_time(page)
    assert page.url.endswith(f"/booking/{case.reference}/")
    assert new_time.split("–")[0] in page.content()
    case.refresh_from_db()
    assert f"{case.start.astimezone(SHANGHAI):%H:%M}" == new_time.split("–")[0]
    sms_to(fields["phone"], case.reference, after=mark)  # the person is told the new time

    steps.cancel_booking(page)
    assert page.url.endswith(f"/booking/{case.reference}/")
    assert "Your booking has been cancelled." in page.content()
    assert Case.objects.get(pk=case.pk).status == Status.CANCELLED
    assert page.get_by_role("link", name="Cancel the booking").count() == 0


def test_a_person_who_lost_the_link_gets_it_again_by_sms(visit, office):
    case, _link, fields = booked_by_sms(office, 8, 11)

    page = visit(language="en")
    mark = outbox_mark()
    steps.look_up_booking(page, case.reference, fields["phone"])
    assert re.search("sent|SMS", page.content())
    link = link_in(sms_to(fields["phone"], "/booking/", after=mark))

    other_phone = visit(language="en")  # the link opened on the phone that received it
    steps.open_manage_link(other_phone, link, case.reference)
    assert "11:00" in other_phone.content()


def test_a_person_reports_a_matter_and_looks_it_up(visit, office):
    page = visit(language="en")
    phone = "13912345678"
    reference = steps.report_a_matter(
        page, "李四", phone, "专利实施许可合同备案", "The window said my papers were incomplete."
    )
    complaint = Complaint.objects.get(reference=reference)
    assert complaint.phone == phone and complaint.matter == "专利实施许可合同备案"
    sms_to(phone, reference)  # the reference reaches the phone too

    later = visit(language="en")
    steps.look_up_report(later, reference, phone)
    status = later.get_by_role("status").first
    expect(status).to_contain_text(reference)
    expect(status).to_contain_text("专利实施许可合同备案")
    assert re.search(r"Status\s+Received\s", status.inner_text())
