"""The staff workbench pages: today's bookings, check-in, the case page and its actions,
walk-in registration, the case list and its masked export."""

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from appointments import workdays
from appointments.constants import DayKind, Status
from appointments.models import CalendarDay, Case
from tests.appointments.factories import CaseFactory, SlotFactory, resident_id
from tests.catalog.factories import MaterialFactory
from tests.windows.factories import StaffMembershipFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
THURSDAY = dt.datetime(2026, 9, 24, 8, 30, tzinfo=SHANGHAI)
WHOLE_ID = "310101199001011237"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    # Users are made for almost every test; a deliberately slow hasher is not the subject.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(THURSDAY, tick=False):
        yield


@pytest.fixture
def as_a(client, staff_a):
    client.force_login(staff_a)
    return client


CONFIRM = {"accept": {"accept-confirm": "on"}, "complete": {"complete-confirm": "on"}}


def at(hour, minute=0, day=24):
    return dt.datetime(2026, 9, day, hour, minute, tzinfo=SHANGHAI)


def booking(window, item, start, **fields):
    slot = SlotFactory(window=window, start=start, booked=1)
    return CaseFactory(window=window, item=item, booking=True, slot=slot, start=start, **fields)


def case_url(case, action=None):
    if action:
        return reverse("appointments:case_action", args=[case.pk, action])
    return reverse("appointments:case_detail", args=[case.pk])


def text(response):
    return response.content.decode()


# Workbench -----------------------------------------------------------------------------------


def test_workbench_lists_todays_bookings_in_slot_order_masked(as_a, window_a, window_b, item):
    late = booking(window_a, item, at(14), name="王小明")
    early = booking(window_a, item, at(9), name="欧阳娜娜")
    booking(window_a, item, at(9, day=25), name="明天来")
    booking(window_b, item, at(10), name="别的窗口")
    page = text(as_a.get(reverse("appointments:workbench")))
    assert page.index(early.reference) < page.index(late.reference)
    assert "欧阳**" in page and "王**" in page
    assert "欧阳娜娜" not in page and "王小明" not in page
    assert "明天来" not in page and "明**" not in page
    assert "别的窗口" not in page and "别***" not in page


def test_workbench_lists_open_cases_due_first_with_text_badges(as_a, window_a, item):
    CaseFactory(
        window=window_a,
        item=item,
        status=Status.ACCEPTED,
        promised_due=dt.date(2026, 10, 20),
        reference="CKOK",
    )
    CaseFactory(
        window=window_a,
        item=item,
        status=Status.PENDING,
        promised_due=dt.date(2026, 9, 28),
        reference="CKNEAR",
    )
    CaseFactory(
        window=window_a,
        item=item,
        status=Status.ACCEPTED,
        promised_due=dt.date(2026, 9, 21),
        reference="CKLATE",
    )
    CaseFactory(window=window_a, item=item, status=Status.COMPLETED, reference="CKDONE")
    as_a.cookies["django_language"] = "en"
    page = text(as_a.get(reverse("appointments:workbench")))
    assert page.index("CKLATE") < page.index("CKNEAR") < page.index("CKOK")
    assert "CKDONE" not in page
    assert ">Overdue<" in page and ">Due soon<" in page and ">On time<" in page


def test_workbench_is_chinese_by_default(as_a, window_a, item):
    CaseFactory(
        window=window_a, item=item, status=Status.ACCEPTED, promised_due=dt.date(2026, 9, 1)
    )
    page = text(as_a.get(reverse("appointments:workbench")))
    assert '<html lang="zh-Hans"' in page


def test_calendar_banner_when_next_year_has_no_schedule(as_a):
    assert workdays.calendar_source(2027) == "fallback"
    as_a.cookies["django_language"] = "en"
    page = text(as_a.get(reverse("appointments:workbench")))
    assert "Working-day calendar not published" in page
    assert "2027" in page
    assert "Monday to Friday" in page


def test_no_calendar_banner_once_the_bureau_entered_the_year(as_a):
    CalendarDay.objects.create(date=dt.date(2027, 1, 1), kind=DayKind.HOLIDAY, name="元旦")
    workdays.clear_cache()
    as_a.cookies["django_language"] = "en"
    page = text(as_a.get(reverse("appointments:workbench")))
    assert "Working-day calendar not published" not in page


def test_staff_without_a_window_see_an_explanation(client, django_user_model):
    client.force_login(django_user_model.objects.create(username="nobody"))
    client.cookies["django_language"] = "en"
    response = client.get(reverse("appointments:workbench"))
    assert response.status_code == 200
    assert "not assigned to any window" in text(response)


def test_workbench_query_count_does_not_grow(as_a, window_a, item):
    def count_queries():
        as_a.get(reverse("appointments:workbench"))  # warm the calendar and session
        with CaptureQueriesContext(connection) as captured:
            as_a.get(reverse("appointments:workbench"))
        return len(captured.captured_queries)

    for hour in (9, 10):
        booking(window_a, item, at(hour))
    CaseFactory.create_batch(3, window=window_a, item=item, status=Status.ACCEPTED)
    few = count_queries()
    for hour in (11, 13, 14, 15, 16):
        booking(window_a, item, at(hour))
    CaseFactory.create_batch(20, window=window_a, item=item, status=Status.ACCEPTED)
    assert count_queries() == few


# Case page --------------------------------------------------------------------------------------


def test_case_page_shows_whole_personal_data_to_its_staff(as_a, window_a, item):
    case = CaseFactory(
        window=window_a, item=item, name="欧阳娜娜", phone="13812345678", id_number=WHOLE_ID
    )
    page = text(as_a.get(case_url(case)))
    assert "欧阳娜娜" in page and "13812345678" in page and WHOLE_ID in page


def test_case_page_shows_whole_data_to_the_bureau_without_action_forms(
    client, bureau, window_a, item
):
    case = CaseFactory(window=window_a, item=item, id_number=WHOLE_ID)
    client.force_login(bureau)
    page = text(client.get(case_url(case)))
    assert WHOLE_ID in page
    assert case_url(case, "accept") not in page


@pytest.mark.parametrize(
    ("status", "forms"),
    [
        (Status.BOOKED, ["check-in"]),
        (Status.CHECKED_IN, ["accept", "accept-pending", "reject"]),
        (Status.PENDING, ["accept", "reject"]),
        (Status.ACCEPTED, ["complete"]),
        (Status.COMPLETED, []),
        (Status.REJECTED, []),
        (Status.CANCELLED, []),
    ],
)
def test_case_page_offers_the_actions_of_its_state(as_a, window_a, item, status, forms):
    MaterialFactory(item=item, tolerable=True)
    case = CaseFactory(window=window_a, item=item, status=status)
    page = text(as_a.get(case_url(case)))
    for action in ["check-in", "accept", "accept-pending", "reject", "complete"]:
        assert (f'action="{case_url(case, action)}"' in page) == (action in forms), action


def test_the_timeline_shows_who_did_what(as_a, window_a, item, staff_a):
    case = booking(window_a, item, at(10))
    as_a.post(case_url(case, "check-in"))
    as_a.post(case_url(case, "accept"), CONFIRM["accept"])
    as_a.cookies["django_language"] = "en"
    page = text(as_a.get(case_url(case)))
    assert page.count(staff_a.username) >= 2
    assert "Booked → Checked in" in page
    assert "Checked in → Accepted" in page


def test_pending_case_page_lists_missing_materials_and_their_date(as_a, window_a, item):
    material = MaterialFactory(item=item, name="授权委托书", tolerable=True)
    case = CaseFactory(
        window=window_a, item=item, status=Status.PENDING, materials_due=dt.date(2026, 10, 9)
    )
    case.missing_materials.add(material)
    page = text(as_a.get(case_url(case)))
    assert "授权委托书" in page and "2026-10-09" in page


# Actions ------------------------------------------------------------------------------------


def test_check_in_accept_complete_through_the_page(as_a, window_a, item):
    item.promised_limit_days = 3
    item.save()
    case = booking(window_a, item, at(10))
    for action, status in [
        ("check-in", Status.CHECKED_IN),
        ("accept", Status.ACCEPTED),
        ("complete", Status.COMPLETED),
    ]:
        response = as_a.post(case_url(case, action), CONFIRM.get(action, {}))
        assert response.status_code == 302
        assert response.url == case_url(case)
        case.refresh_from_db()
        assert case.status == status
    assert case.promised_due == dt.date(2026, 9, 30)


@pytest.mark.parametrize(
    ("status", "action"), [(Status.CHECKED_IN, "accept"), (Status.ACCEPTED, "complete")]
)
def test_accept_and_complete_ask_for_a_confirmation_first(as_a, window_a, item, status, action):
    case = CaseFactory(window=window_a, item=item, status=status)
    page = text(as_a.get(case_url(case)))
    assert f'name="{action}-confirm"' in page
    as_a.cookies["django_language"] = "en"
    response = as_a.post(case_url(case, action))
    assert response.status_code == 400
    assert "Tick the box to confirm" in text(response)
    assert 'class="error-summary"' in text(response)
    assert f'href="#id_{action}-confirm"' in text(response)
    assert Case.objects.get(pk=case.pk).status == status
    assert as_a.post(case_url(case, action), CONFIRM[action]).status_code == 302
    assert Case.objects.get(pk=case.pk).status != status


def test_accept_pending_through_the_page(as_a, window_a, item):
    material = MaterialFactory(item=item, tolerable=True)
    case = CaseFactory(window=window_a, item=item)
    response = as_a.post(
        case_url(case, "accept-pending"),
        {"materials": [material.pk], "materials_due": "2026-10-09"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.PENDING
    assert list(case.missing_materials.all()) == [material]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"materials_due": "2026-10-09"}, "Tick the materials to be brought later."),
        ({"materials": ["TOLERABLE"], "materials_due": "2026-09-24"}, "in the future"),
        ({"materials": ["REQUIRED"], "materials_due": "2026-10-09"}, "is not one of"),
    ],
)
def test_accept_pending_form_errors_are_shown(as_a, window_a, item, data, message):
    tolerable = MaterialFactory(item=item, tolerable=True)
    required = MaterialFactory(item=item, tolerable=False)
    ids = {"TOLERABLE": tolerable.pk, "REQUIRED": required.pk}
    if "materials" in data:
        data = {**data, "materials": [ids[m] for m in data["materials"]]}
    case = CaseFactory(window=window_a, item=item)
    as_a.cookies["django_language"] = "en"
    response = as_a.post(case_url(case, "accept-pending"), data)
    assert response.status_code == 400
    assert message in text(response)
    case.refresh_from_db()
    assert case.status == Status.CHECKED_IN


def test_reject_needs_a_reason_on_the_page(as_a, window_a, item):
    case = CaseFactory(window=window_a, item=item)
    response = as_a.post(case_url(case, "reject"), {"reason": ""})
    assert response.status_code == 400
    assert Case.objects.get(pk=case.pk).status == Status.CHECKED_IN
    response = as_a.post(case_url(case, "reject"), {"reason": "申请书未签字"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.reject_reason) == (Status.REJECTED, "申请书未签字")


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (Status.COMPLETED, "accept"),
        (Status.BOOKED, "complete"),
        (Status.CHECKED_IN, "check-in"),
        (Status.ACCEPTED, "reject"),
        (Status.CANCELLED, "accept-pending"),
    ],
)
def test_a_wrong_state_post_shows_a_message(as_a, window_a, item, status, action):
    case = CaseFactory(window=window_a, item=item, status=status)
    as_a.cookies["django_language"] = "en"
    response = as_a.post(case_url(case, action), follow=True)
    assert response.status_code == 200
    assert "not possible in the case&#x27;s current state" in text(response)
    assert Case.objects.get(pk=case.pk).status == status


def test_unknown_action_is_404(as_a, window_a, item):
    case = CaseFactory(window=window_a, item=item)
    assert as_a.post(case_url(case) + "cancel/").status_code == 404


# Check-in lookup ---------------------------------------------------------------------------


def test_check_in_by_scanned_reference(as_a, window_a, item):
    case = booking(window_a, item, at(10))
    # A scanner types the code and Enter; people type lower case and spaces.
    scanned = f" {case.reference[:4].lower()} {case.reference[4:]}\n"
    response = as_a.post(reverse("appointments:check_in_lookup"), {"reference": scanned})
    assert response.status_code == 302
    assert response.url == case_url(case)
    assert Case.objects.get(pk=case.pk).status == Status.CHECKED_IN


def test_check_in_of_another_days_booking_only_opens_it(as_a, window_a, item):
    case = booking(window_a, item, at(10, day=25))
    as_a.cookies["django_language"] = "en"
    response = as_a.post(
        reverse("appointments:check_in_lookup"), {"reference": case.reference}, follow=True
    )
    assert "not today" in text(response)
    assert Case.objects.get(pk=case.pk).status == Status.BOOKED


def test_check_in_of_an_unknown_reference(as_a):
    as_a.cookies["django_language"] = "en"
    response = as_a.post(reverse("appointments:check_in_lookup"), {"reference": "YY000000XXXX"})
    assert response.status_code == 400
    assert "No case with this reference at your windows." in text(response)


def test_check_in_page_has_the_scanner_script_and_a_labelled_field(as_a):
    page = text(as_a.get(reverse("appointments:check_in_lookup")))
    assert "workbench-scan.js" in page
    assert '<label for="id_reference">' in page
    assert "onclick" not in page


# Walk-in -------------------------------------------------------------------------------------


def walk_in_data(window, service_item, /, **overrides):
    return {
        "window": window.pk,
        "item": service_item.pk,
        "channel": "walk_in",
        "name": "李四",
        "phone": "13912345678",
        "id_type": "resident_id",
        "id_number": resident_id(seq=5),
        **overrides,
    }


def test_walk_in_registration(as_a, window_a, item, staff_a):
    response = as_a.post(reverse("appointments:walk_in"), walk_in_data(window_a, item))
    case = Case.objects.get()
    assert response.status_code == 302
    assert response.url == case_url(case)
    assert (case.status, case.channel, case.window) == (Status.CHECKED_IN, "walk_in", window_a)


def test_walk_in_form_shows_the_id_checksum_message(as_a, window_a, item):
    data = walk_in_data(window_a, item, id_number="310101199001011230")
    as_a.cookies["django_language"] = "en"
    response = as_a.post(reverse("appointments:walk_in"), data)
    assert response.status_code == 400
    assert "does not match" in text(response)
    assert not Case.objects.exists()


def test_walk_in_offers_only_the_users_windows(as_a, window_a, window_b, item):
    page = text(as_a.get(reverse("appointments:walk_in")))
    assert window_a.name in page and window_b.name not in page
    response = as_a.post(reverse("appointments:walk_in"), walk_in_data(window_b, item))
    assert response.status_code == 400
    assert not Case.objects.exists()


# Case list and export --------------------------------------------------------------------------


@pytest.fixture
def listed(window_a, window_b, item):
    mine = CaseFactory(
        window=window_a,
        item=item,
        name="欧阳娜娜",
        phone="13812345678",
        id_number=WHOLE_ID,
        reference="CKMINE",
    )
    CaseFactory(window=window_b, item=item, reference="CKTHEIRS")
    return mine


def test_case_list_masks_and_filters(as_a, listed):
    page = text(as_a.get(reverse("appointments:case_list")))
    assert "CKMINE" in page and "CKTHEIRS" not in page
    assert "欧阳**" in page and "138****5678" in page and "3101**********1237" in page
    assert "欧阳娜娜" not in page and "13812345678" not in page and WHOLE_ID not in page
    filtered = text(as_a.get(reverse("appointments:case_list"), {"status": "completed"}))
    assert "CKMINE" not in filtered


def test_case_list_shows_filter_errors(as_a, listed):
    response = as_a.get(reverse("appointments:case_list"), {"status": "bogus"})
    assert response.status_code == 400
    assert "field-error" in text(response)
    assert "CKMINE" not in text(response)


def test_case_list_query_count_does_not_grow(as_a, window_a, item):
    url = reverse("appointments:case_list")

    def count_queries():
        as_a.get(url)  # warm the calendar cache
        with CaptureQueriesContext(connection) as captured:
            as_a.get(url)
        return len(captured.captured_queries)

    CaseFactory.create_batch(5, window=window_a, item=item)
    five = count_queries()
    CaseFactory.create_batch(45, window=window_a, item=item)
    # session, user, bureau group, count, the page of cases with item and window, and the
    # windows of the filter's select: the same for 5 and 50 cases.
    assert count_queries() == five == 6


def test_csv_export_is_streamed_and_masked(as_a, listed):
    response = as_a.get(reverse("appointments:case_list"), {"export": "csv"})
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Disposition"].startswith("attachment;")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert len(rows) == 2
    assert rows[1][0] == "CKMINE"
    assert "欧阳**" in rows[1] and "138****5678" in rows[1] and "3101**********1237" in rows[1]
    assert "欧阳娜娜" not in body and WHOLE_ID not in body and "CKTHEIRS" not in body


def test_xlsx_export_is_masked(as_a, listed):
    response = as_a.get(reverse("appointments:case_list"), {"export": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = [list(r) for r in book.active.iter_rows(values_only=True)]
    assert len(rows) == 2
    assert rows[1][0] == "CKMINE"
    assert "欧阳**" in rows[1] and "3101**********1237" in rows[1]
    assert WHOLE_ID not in str(rows)


def test_export_escapes_formulas(as_a, window_a, item):
    window_a.name = "=HYPERLINK(1)"
    window_a.save()
    CaseFactory(window=window_a, item=item)
    response = as_a.get(reverse("appointments:case_list"), {"export": "csv"})
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert ",=HYPERLINK" not in body
    assert ",'=HYPERLINK(1)," in body


def test_the_bureau_is_not_offered_registering_a_case(client, bureau, staff_a, window_a):
    walk_in_url = reverse("appointments:walk_in")
    client.force_login(bureau)
    for url in (reverse("appointments:workbench"), reverse("appointments:case_list")):
        assert f'href="{walk_in_url}"' not in text(client.get(url))
    assert client.get(walk_in_url).status_code == 403  # the page itself still explains
    # A bureau member who also staffs a window registers there, and is offered the link.
    StaffMembershipFactory(window=window_a, user=bureau)
    assert f'href="{walk_in_url}"' in text(client.get(reverse("appointments:workbench")))
    client.force_login(staff_a)
    assert f'href="{walk_in_url}"' in text(client.get(reverse("appointments:workbench")))
