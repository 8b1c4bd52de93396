"""Complaints (办不成事反映): the public form, the lookup by reference and phone, and the
bureau's handling with steps, a link to a case or window, and the reply that closes it."""

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from appointments import deadlines
from appointments.models import Notice
from reviews.constants import ComplaintStatus, StepKind
from reviews.models import Complaint, Step
from reviews.services.complaints import submit_complaint
from tests.appointments.factories import phone_code

from .factories import ComplaintFactory, CompletedCaseFactory
from .feedback_fixtures import *  # noqa: F403
from .feedback_fixtures import login, shanghai

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]  # rate limits

FORM = {
    "name": "李四",
    "phone": "139 1234 5678",
    "matter": "专利实施许可合同备案",
    "description": "窗口说材料不全，但没说缺什么，跑了两次。",
}


def coded(**changes):
    """The form with a right SMS code for its phone (issue 10), made through the real path."""
    return {**FORM, "phone_code": phone_code("13912345678", "complaint"), **changes}


def lookup(client, reference, phone):
    return client.post("/complaints/lookup/", {"reference": reference, "phone": phone})


def test_the_form_gives_a_reference_and_tells_the_person(client, english, window_a, item):
    page = client.get("/complaints/new/")
    assert page.status_code == 200
    html = page.content.decode()
    for name in ("name", "phone", "matter", "window", "item", "description"):
        assert f'<label for="id_{name}">' in html
    with time_machine.travel(shanghai(2026, 9, 24, 10), tick=False):
        response = client.post("/complaints/new/", coded(window=window_a.pk, item=item.pk))
        assert response.status_code == 302
        complaint = Complaint.objects.get()
        assert complaint.phone == "13912345678" and complaint.window == window_a
        assert complaint.status == ComplaintStatus.RECEIVED
        # Five working days from Thursday 09-24: 28, 29, 30, (National Day), 10-08, 10-09.
        assert complaint.due == dt.date(2026, 10, 9)
        confirmation = client.get(response.url)
    assert complaint.reference in confirmation.content.decode()
    assert complaint.reference.startswith("F")
    notice = Notice.objects.get(key=f"complaint-received:{complaint.reference}")
    assert notice.recipient == "13912345678" and complaint.reference in notice.body
    # The confirmation is only for the browser that sent it.
    assert english.get("/complaints/received/").status_code == 302


def test_bad_reports_are_refused_with_messages(client):
    response = client.post("/complaints/new/", {**FORM, "phone": "12345", "description": ""})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"phone", "description"}
    response = client.post("/complaints/new/", {**FORM, "window": "999999"})
    assert "window" in response.context["form"].errors
    assert not Complaint.objects.exists()


def test_every_field_names_its_help_and_its_error(client):
    """The report form renders its fields with the project's one-field include: the ids that
    aria-describedby names (Django's <id>_helptext and <id>_error) are on the page, so the
    help text and the message of a refused field are read with the field."""
    response = client.post("/complaints/new/", {**FORM, "phone": "12345", "description": ""})
    html = response.content.decode()
    assert response.status_code == 200
    ids = set(re.findall(r'\bid="([^"]+)"', html))
    named = {n for v in re.findall(r'aria-describedby="([^"]+)"', html) for n in v.split()}
    assert {"id_phone_helptext", "id_phone_error", "id_description_error"} <= named
    assert named <= ids
    assert '_help"' not in html


def test_lookup_by_reference_and_phone(english):
    complaint = submit_complaint(
        name="李四", phone="13912345678", matter="商标变更", description="没办成"
    )
    response = lookup(english, complaint.reference.lower(), "139-1234-5678")
    assert response.status_code == 200
    assert response.context["complaint"] == complaint
    assert "Received" in response.content.decode()
    # A wrong number (or a wrong reference) finds nothing, with the same message.
    wrong_phone = lookup(english, complaint.reference, "13900000000")
    wrong_reference = lookup(english, "FNOSUCH123", "13912345678")
    for response in (wrong_phone, wrong_reference):
        assert response.context["complaint"] is None
        assert "No report matches this reference and mobile number." in response.content.decode()


def test_lookup_is_rate_limited(client, settings):
    settings.LOOKUP_RATE_LIMIT = "3/m"
    codes = [lookup(client, "FNOSUCH123", "13912345678").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def test_the_form_is_rate_limited(client, settings):
    settings.COMPLAINT_RATE_LIMIT = "1/m"
    assert client.post("/complaints/new/", coded()).status_code == 302
    assert client.post("/complaints/new/", coded()).status_code == 429
    assert Complaint.objects.count() == 1


def test_the_bureau_handles_links_and_closes_a_complaint(client, english, bureau, window_a):
    case = CompletedCaseFactory(window=window_a)
    complaint = submit_complaint(
        name="李四", phone="13912345678", matter="专利权质押登记", description="没办成"
    )
    login(client, bureau)
    url = f"/reviews/complaints/{complaint.pk}/"
    assert client.get(url).status_code == 200

    response = client.post(
        f"{url}step/", {"step-kind": "follow_up", "step-method": "phone", "step-notes": "已联系。"}
    )
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.IN_PROGRESS

    response = client.post(f"{url}link/", {"link-case_reference": "NOSUCH"})
    assert "case_reference" in response.context["link_form"].errors
    response = client.post(f"{url}link/", {"link-case_reference": case.reference.lower()})
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.case == case and complaint.window == window_a

    response = client.post(f"{url}close/", {"close-method": "phone", "close-notes": ""})
    assert "notes" in response.context["close_form"].errors
    response = client.post(
        f"{url}close/", {"close-method": "phone", "close-notes": "已协调窗口当日办结。"}
    )
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.CLOSED and complaint.closed_at
    kinds = list(Step.objects.filter(complaint=complaint).values_list("kind", "actor"))
    assert kinds == [
        (StepKind.FOLLOW_UP, bureau.pk),
        (StepKind.NOTE, bureau.pk),
        (StepKind.REPLY, bureau.pk),
    ]
    closed = Notice.objects.get(key=f"complaint-closed:{complaint.reference}")
    assert "已协调窗口当日办结。" in closed.body
    # Closed: no more forms, and further steps are refused.
    page = client.get(url)
    assert page.context["step_form"] is None
    client.post(f"{url}step/", {"step-kind": "note", "step-notes": "补充"})
    assert Step.objects.filter(complaint=complaint).count() == 3

    # The person sees the reply, not the staff names or internal notes.
    html = lookup(english, complaint.reference, "13912345678").content.decode()
    assert "已协调窗口当日办结。" in html and "Replied and closed" in html
    assert bureau.username not in html and "已联系。" not in html


def test_overdue_complaints_in_the_list(english, bureau):
    with time_machine.travel(shanghai(2026, 9, 24, 10), tick=False):
        late = submit_complaint(name="李四", phone="13912345678", matter="甲", description="乙")
    login(english, bureau)
    with time_machine.travel(shanghai(2026, 10, 12, 10), tick=False):
        login(english, bureau)
        page = english.get("/reviews/complaints/")
        row = page.context["page"].object_list[0]
        assert row.deadline == deadlines.OVERDUE
        html = page.content.decode()
        assert "Overdue" in html
        # Lists mask the person.
        assert "李*" in html and "139****5678" in html and "13912345678" not in html
        only = english.get("/reviews/complaints/", {"deadline": "overdue"})
        assert [c.pk for c in only.context["page"].object_list] == [late.pk]
        assert (
            english.get("/reviews/complaints/", {"status": "closed"})
            .context["page"]
            .paginator.count
            == 0
        )


def test_complaints_are_the_bureaus_only(client, staff_a, supervisor_a):
    complaint = ComplaintFactory()
    url = f"/reviews/complaints/{complaint.pk}/"
    assert client.get("/reviews/complaints/").status_code == 302
    assert client.get(url).status_code == 302
    for user in (staff_a, supervisor_a):
        login(client, user)
        assert client.get("/reviews/complaints/").status_code == 403
        assert client.get(url).status_code == 404
        assert (
            client.post(f"{url}close/", {"close-method": "phone", "close-notes": "x"}).status_code
            == 404
        )
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.RECEIVED


def test_complaint_list_query_count_is_constant(client, bureau):
    ComplaintFactory()
    login(client, bureau)
    client.get("/reviews/complaints/")
    with CaptureQueriesContext(connection) as few:
        client.get("/reviews/complaints/")
    ComplaintFactory.create_batch(6)
    with CaptureQueriesContext(connection) as many:
        client.get("/reviews/complaints/")
    assert len(many) == len(few)


# --- GET /api/v1/complaints/ --------------------------------------------------------------------


def test_api_complaints_for_the_bureau_only(api, staff_a, bureau):
    ComplaintFactory(name="王小明", phone="13612345678")
    assert api.get("/api/v1/complaints/").status_code == 401
    api.force_authenticate(staff_a)
    assert api.get("/api/v1/complaints/").status_code == 403
    api.force_authenticate(bureau)
    data = api.get("/api/v1/complaints/").json()
    assert data["count"] == 1
    row = data["results"][0]
    assert row["name"] == "王**" and row["phone"] == "136****5678"
    assert row["status"] == "received" and row["deadline"] in ("ok", "near_due", "overdue")


def test_api_complaints_bad_filter_is_400(bureau):
    api = APIClient()
    api.force_authenticate(bureau)
    response = api.get("/api/v1/complaints/", {"status": "lost"})
    assert response.status_code == 400 and response.json()["code"] == "invalid"


def test_api_complaints_query_count_is_constant(bureau):
    ComplaintFactory()
    api = APIClient()
    api.force_authenticate(bureau)
    api.get("/api/v1/complaints/")
    with CaptureQueriesContext(connection) as few:
        api.get("/api/v1/complaints/")
    ComplaintFactory.create_batch(6, case=CompletedCaseFactory())
    with CaptureQueriesContext(connection) as many:
        assert api.get("/api/v1/complaints/").json()["count"] == 7
    assert len(many) == len(few)
