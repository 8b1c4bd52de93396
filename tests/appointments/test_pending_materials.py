"""Issue 11, 容缺受理: the person is told which materials are missing and by when, is reminded
the working day before, and the workbench flags commitments due or overdue."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from appointments import cases, tasks
from appointments.constants import Status
from appointments.models import Notice, SmsOutbox
from tests.appointments.factories import CaseFactory
from tests.catalog.factories import MaterialFactory

pytestmark = pytest.mark.django_db

CST = dt.timezone(dt.timedelta(hours=8))
THURSDAY = dt.datetime(2026, 11, 19, 10, 0, tzinfo=CST)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(THURSDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def power_of_attorney(item):
    return MaterialFactory(
        item=item, name="授权委托书", name_en="Power of attorney", tolerable=True
    )


def accept_pending(case, staff, material, due, capture):
    with capture(execute=True):
        return cases.accept_pending(case, staff, [material], due)


def test_accepting_pending_texts_the_missing_materials_and_date(
    window_a, item, staff_a, power_of_attorney, django_capture_on_commit_callbacks
):
    case = CaseFactory(window=window_a, item=item, status=Status.CHECKED_IN)
    monday = dt.date(2026, 11, 23)
    accept_pending(case, staff_a, power_of_attorney, monday, django_capture_on_commit_callbacks)
    sms = SmsOutbox.objects.get()
    assert sms.phone == case.phone
    assert "授权委托书" in sms.body and "2026-11-23" in sms.body and case.reference in sms.body


def test_the_reminder_goes_the_working_day_before_once(
    window_a, item, staff_a, power_of_attorney, frozen, django_capture_on_commit_callbacks
):
    case = CaseFactory(window=window_a, item=item, status=Status.CHECKED_IN)
    monday = dt.date(2026, 11, 23)
    accept_pending(case, staff_a, power_of_attorney, monday, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.send_material_reminders.delay().get() == 0  # Thursday: not yet
        # Friday evening: Monday is the next working day.
        assert tasks.send_material_reminders.delay("2026-11-20").get() == 1
        assert tasks.send_material_reminders.delay("2026-11-20").get() == 0  # idempotent
        assert tasks.send_material_reminders.delay("2026-11-21").get() == 0  # Saturday re-run
    reminder = Notice.objects.get(template="materials_remind")
    assert "授权委托书" in reminder.body and "2026-11-23" in reminder.body
    # Brought in and accepted: no reminder for a case no longer pending.
    cases.accept(case, staff_a)
    assert tasks.send_material_reminders.delay("2026-11-20").get() == 0


def test_the_workbench_flags_commitments_due_or_overdue(client, window_a, item, staff_a):
    due_soon = CaseFactory(
        window=window_a, item=item, status=Status.PENDING, materials_due=dt.date(2026, 11, 20)
    )
    overdue = CaseFactory(
        window=window_a, item=item, status=Status.PENDING, materials_due=dt.date(2026, 11, 17)
    )
    later = CaseFactory(
        window=window_a, item=item, status=Status.PENDING, materials_due=dt.date(2026, 12, 18)
    )
    client.force_login(staff_a)
    client.cookies["django_language"] = "en"
    response = client.get(reverse("appointments:workbench"))
    assert [c.reference for c in response.context["commitments"]] == [
        overdue.reference,
        due_soon.reference,
    ]
    html = response.content.decode()
    section = html[html.index('id="commitments-heading"') : html.index('id="open-heading"')]
    assert "Overdue" in section and "Due soon" in section
    assert later.reference not in section
    page = client.get(reverse("appointments:case_detail", args=[overdue.pk])).content.decode()
    assert "Overdue" in page
