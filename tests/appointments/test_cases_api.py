"""GET/POST /api/v1/cases/, GET /api/v1/cases/{id}/ and POST /api/v1/cases/{id}/{action}/."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from appointments import workdays
from appointments.constants import Channel, Status
from appointments.models import Case, CaseEvent
from tests.appointments.factories import CaseFactory, resident_id
from tests.catalog.factories import MaterialFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
THURSDAY = dt.datetime(2026, 9, 24, 10, 0, tzinfo=SHANGHAI)
LIST = "/api/v1/cases/"

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
def as_a(api, staff_a):
    api.force_login(staff_a)
    return api


def detail(case):
    return f"{LIST}{case.pk}/"


def action_url(case, action):
    return f"{LIST}{case.pk}/{action}/"


# List ------------------------------------------------------------------------------------


def test_list_shows_own_windows_only_with_masked_personal_data(as_a, window_a, window_b, item):
    mine = CaseFactory(
        window=window_a,
        item=item,
        name="欧阳娜娜",
        phone="13812345678",
        id_number="310101199001011237",
    )
    CaseFactory(window=window_b, item=item)
    body = as_a.get(LIST).json()
    assert body["count"] == 1
    (row,) = body["results"]
    assert row["id"] == mine.pk
    assert row["reference"] == mine.reference
    assert row["window"] == window_a.pk
    assert row["item"] == item.code
    assert row["channel"] == "walk_in"
    assert row["status"] == "checked_in"
    assert row["name"] == "欧阳**"
    assert row["phone"] == "138****5678"
    assert row["id_number"] == "3101**********1237"
    for key in ("start", "accepted_on", "legal_due", "promised_due", "deadline_state"):
        assert key in row


def test_bureau_lists_every_window(api, bureau, window_a, window_b, item):
    CaseFactory(window=window_a, item=item)
    CaseFactory(window=window_b, item=item)
    api.force_login(bureau)
    assert api.get(LIST).json()["count"] == 2


def test_list_filters(as_a, window_a, item, staff_a):
    booked = CaseFactory(
        window=window_a,
        item=item,
        booking=True,
        start=dt.datetime(2026, 9, 28, 9, tzinfo=SHANGHAI),
    )
    walk_in = CaseFactory(window=window_a, item=item)
    assert [r["id"] for r in as_a.get(LIST, {"status": "booked"}).json()["results"]] == [booked.pk]
    found = as_a.get(LIST, {"reference": booked.reference.lower()}).json()["results"]
    assert [r["id"] for r in found] == [booked.pk]
    on_day = as_a.get(LIST, {"date": "2026-09-28"}).json()["results"]
    assert [r["id"] for r in on_day] == [booked.pk]
    today = as_a.get(LIST, {"date": "2026-09-24"}).json()["results"]
    assert [r["id"] for r in today] == [walk_in.pk]
    assert as_a.get(LIST, {"window": window_a.pk}).json()["count"] == 2
    assert as_a.get(LIST, {"channel": "booking"}).json()["count"] == 1


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "done"}, "status"),
        ({"date": "24/09/2026"}, "date"),
        ({"window": "abc"}, "window"),
        ({"channel": "fax"}, "channel"),
    ],
)
def test_bad_filters_answer_400_with_the_error_shape(as_a, window_a, params, field):
    response = as_a.get(LIST, params)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["message"]
    assert field in body["errors"]


def test_a_window_the_user_cannot_see_is_a_bad_filter(as_a, window_b):
    assert as_a.get(LIST, {"window": window_b.pk}).status_code == 400


def test_list_deadline_states_and_due_first_order(as_a, window_a, item):
    ok = CaseFactory(
        window=window_a, item=item, status=Status.ACCEPTED, promised_due=dt.date(2026, 10, 20)
    )
    near = CaseFactory(
        window=window_a, item=item, status=Status.ACCEPTED, promised_due=dt.date(2026, 9, 29)
    )
    late = CaseFactory(
        window=window_a, item=item, status=Status.PENDING, promised_due=dt.date(2026, 9, 22)
    )
    rows = as_a.get(LIST).json()["results"]
    assert [(r["id"], r["deadline_state"]) for r in rows] == [
        (late.pk, "overdue"),
        (near.pk, "near_due"),
        (ok.pk, "ok"),
    ]


def test_list_is_paginated(as_a, window_a, item):
    CaseFactory.create_batch(3, window=window_a, item=item)
    body = as_a.get(LIST, {"limit": 2}).json()
    assert body["count"] == 3
    assert len(body["results"]) == 2
    assert body["next"]


@pytest.mark.parametrize("rows", [5, 50])
def test_list_query_count_does_not_grow_with_rows(
    as_a, window_a, item, rows, django_assert_num_queries
):
    CaseFactory.create_batch(rows, window=window_a, item=item, status=Status.ACCEPTED)
    workdays.add_working_days(dt.date(2026, 9, 24), 3)  # the calendar cache is per process
    as_a.get(LIST)  # warm the session
    # 1 session, 2 user, 3 bureau group check, 4 count, 5 page of cases joined with their item.
    with django_assert_num_queries(5):
        response = as_a.get(LIST)
    assert len(response.json()["results"]) == rows


# Detail -----------------------------------------------------------------------------------


def test_detail_shows_whole_personal_data_and_the_timeline(as_a, window_a, item, staff_a):
    case = CaseFactory(
        window=window_a, item=item, name="欧阳娜娜", phone="13812345678", booking=True
    )
    as_a.post(action_url(case, "check-in"))
    body = as_a.get(detail(case)).json()
    assert body["name"] == "欧阳娜娜"
    assert body["phone"] == "13812345678"
    assert body["id_number"] == case.id_number
    assert body["status"] == "checked_in"
    assert body["allowed_actions"] == ["accept", "accept-pending", "reject"]
    (event,) = body["events"]
    assert event["action"] == "check-in"
    assert event["from_status"] == "booked"
    assert event["to_status"] == "checked_in"
    assert event["by"] == staff_a.username


def test_detail_of_another_windows_case_is_404(api, staff_b, window_a, item):
    case = CaseFactory(window=window_a, item=item)
    api.force_login(staff_b)
    response = api.get(detail(case))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_detail_of_a_missing_case_is_404(as_a):
    assert as_a.get(f"{LIST}999999/").status_code == 404


# Create -------------------------------------------------------------------------------------


def walk_in_body(window, service_item, /, **overrides):
    return {
        "window": window.pk,
        "item": service_item.code,
        "channel": "walk_in",
        "name": "李四",
        "phone": "+86 139 1234 5678",
        "id_type": "resident_id",
        "id_number": resident_id(seq=7).lower(),
        **overrides,
    }


def test_create_walk_in(as_a, window_a, item, staff_a):
    response = as_a.post(LIST, walk_in_body(window_a, item, channel="mail"), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "checked_in"
    assert body["channel"] == "mail"
    assert body["reference"].startswith("YJ260924")
    # The form normalised the mobile number; the creator sees the whole data.
    assert body["phone"] == "13912345678"
    case = Case.objects.get(pk=body["id"])
    assert case.window == window_a
    assert case.handled_by == staff_a


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"id_number": "310101199001011230"}, "id_number"),  # wrong checksum
        ({"phone": "12345"}, "phone"),
        ({"name": "张"}, "name"),
        ({"channel": "booking"}, "channel"),
        ({"item": "NO-SUCH-ITEM"}, "item"),
        ({"window": 999999}, "window"),
    ],
)
def test_create_refuses_bad_input_per_field(as_a, window_a, item, overrides, field):
    response = as_a.post(LIST, walk_in_body(window_a, item, **overrides), format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Case.objects.exists()


def test_create_at_another_window_is_400_on_window(as_a, window_b, item):
    response = as_a.post(LIST, walk_in_body(window_b, item), format="json")
    assert response.status_code == 400
    assert "window" in response.json()["errors"]


def test_create_an_item_the_window_does_not_offer(as_a, window_a):
    other = MaterialFactory().item
    response = as_a.post(LIST, walk_in_body(window_a, other), format="json")
    assert response.status_code == 400
    assert "item" in response.json()["errors"]


# Actions -------------------------------------------------------------------------------------


def test_a_booking_through_its_whole_life(as_a, window_a, item):
    item.promised_limit_days = 3
    item.save()
    case = CaseFactory(window=window_a, item=item, booking=True)
    for action, status in [("check-in", "checked_in"), ("accept", "accepted")]:
        response = as_a.post(action_url(case, action))
        assert response.status_code == 200
        assert response.json()["status"] == status
    body = response.json()
    assert body["accepted_on"] == "2026-09-24"
    assert body["promised_due"] == "2026-09-30"
    assert body["deadline_state"] == "ok"
    response = as_a.post(action_url(case, "complete"))
    assert response.json()["status"] == "completed"
    assert [e["action"] for e in response.json()["events"]] == ["check-in", "accept", "complete"]


def test_accept_pending_with_ids_or_names(as_a, window_a, item):
    first = MaterialFactory(item=item, name="委托书", tolerable=True)
    second = MaterialFactory(item=item, name="身份证复印件", tolerable=True)
    case = CaseFactory(window=window_a, item=item)
    body = {"materials": [first.pk, "身份证复印件"], "materials_due": "2026-10-09"}
    response = as_a.post(action_url(case, "accept-pending"), body, format="json")
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["status"] == "pending"
    assert data["materials_due"] == "2026-10-09"
    assert {m["name"] for m in data["missing_materials"]} == {first.name, second.name}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"materials": [], "materials_due": "2026-10-09"}, "materials"),
        ({"materials": ["申请书"], "materials_due": "2026-10-09"}, "materials"),
        ({"materials": ["委托书"], "materials_due": "2026-09-20"}, "materials_due"),
        ({"materials": ["委托书"], "materials_due": "soon"}, "materials_due"),
        ({"materials_due": "2026-10-09"}, "materials"),
    ],
)
def test_accept_pending_refuses_bad_bodies(as_a, window_a, item, body, field):
    MaterialFactory(item=item, name="委托书", tolerable=True)
    MaterialFactory(item=item, name="申请书", tolerable=False)
    case = CaseFactory(window=window_a, item=item)
    response = as_a.post(action_url(case, "accept-pending"), body, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert Case.objects.get(pk=case.pk).status == Status.CHECKED_IN


def test_reject_needs_a_reason(as_a, window_a, item):
    case = CaseFactory(window=window_a, item=item)
    response = as_a.post(action_url(case, "reject"), {"reason": " "}, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()["errors"]
    response = as_a.post(action_url(case, "reject"), {"reason": "材料不符"}, format="json")
    assert response.status_code == 200
    assert response.json()["reject_reason"] == "材料不符"


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (Status.BOOKED, "accept"),
        (Status.BOOKED, "complete"),
        (Status.CHECKED_IN, "check-in"),
        (Status.CHECKED_IN, "complete"),
        (Status.ACCEPTED, "reject"),
        (Status.ACCEPTED, "accept-pending"),
        (Status.PENDING, "complete"),
        (Status.COMPLETED, "accept"),
        (Status.REJECTED, "accept"),
        (Status.CANCELLED, "check-in"),
        (Status.NO_SHOW, "check-in"),
    ],
)
def test_wrong_state_answers_409(as_a, window_a, item, status, action):
    case = CaseFactory(window=window_a, item=item, status=status)
    # Even an empty body: the state is what is wrong.
    response = as_a.post(action_url(case, action), {}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "wrong_state"
    assert response.json()["message"]
    assert Case.objects.get(pk=case.pk).status == status
    assert not CaseEvent.objects.filter(case=case).exists()


def test_unknown_action_is_404(as_a, window_a, item):
    case = CaseFactory(window=window_a, item=item)
    assert as_a.post(action_url(case, "cancel")).status_code == 404
    assert as_a.post(action_url(case, "explode")).status_code == 404


def test_action_on_another_windows_case_is_404(api, staff_b, window_a, item):
    case = CaseFactory(window=window_a, item=item, booking=True)
    api.force_login(staff_b)
    assert api.post(action_url(case, "check-in")).status_code == 404
    assert Case.objects.get(pk=case.pk).status == Status.BOOKED


def test_token_authentication(api, staff_a, window_a, item):
    case = CaseFactory(window=window_a, item=item, booking=True)
    response = api.post(
        "/api/v1/auth/token/",
        {"username": staff_a.username, "password": "pass-word-123"},
        format="json",  # the API takes JSON only (issue 10)
    )
    token = response.json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get(LIST).json()["count"] == 1
    response = api.post(action_url(case, "check-in"))
    assert response.status_code == 200
    assert response.json()["status"] == "checked_in"


def test_a_wrong_token_is_refused(api, window_a, item):
    CaseFactory(window=window_a, item=item)
    api.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    response = api.get(LIST)
    # 403 rather than 401: session authentication comes first and sends no WWW-Authenticate.
    assert response.status_code == 403
    assert response.json()["code"] == "authentication_failed"


def test_schema_documents_the_case_endpoints(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    assert "/api/v1/cases/" in schema["paths"]
    assert "/api/v1/cases/{id}/{action}/" in schema["paths"] or any(
        p.startswith("/api/v1/cases/{") and p.endswith("{action}/") for p in schema["paths"]
    )


def test_created_walk_in_channel_is_kept(as_a, window_a, item):
    response = as_a.post(LIST, walk_in_body(window_a, item, channel="online"), format="json")
    assert Case.objects.get(pk=response.json()["id"]).channel == Channel.ONLINE
