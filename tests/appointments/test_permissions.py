"""Every case endpoint and every staff page against the whole cast (STYLE habit 3):
anonymous, a citizen holding the booking's manage token, staff of the case's window (A), staff
of another window (B), and the bureau; plus the wrong HTTP method.

Expected answers (documented in appointments/api/case_views.py):
- anonymous and the citizen: API 403, pages redirect to the login page;
- staff B: the case does not exist for them (404); their lists do not include it;
- the bureau reads everything, but handles nothing: API actions 403, page actions 403, and
  registering a case for a window they do not work at is refused (400 in the API, 403 page).
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from appointments.constants import Status
from appointments.models import Case
from appointments.services import booking_token
from tests.appointments.factories import CaseFactory, SlotFactory, resident_id
from tests.catalog.factories import MaterialFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 9, 24, 9, 0, tzinfo=SHANGHAI)
PERSONAS = ["anonymous", "citizen", "staff_a", "staff_b", "bureau"]

pytestmark = pytest.mark.django_db

# The state each action starts from, and the one it leads to.
ACTIONS = {
    "check-in": (Status.BOOKED, Status.CHECKED_IN),
    "accept": (Status.CHECKED_IN, Status.ACCEPTED),
    "accept-pending": (Status.CHECKED_IN, Status.PENDING),
    "reject": (Status.CHECKED_IN, Status.REJECTED),
    "complete": (Status.ACCEPTED, Status.COMPLETED),
}


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    # The cast is made for every one of ~100 tests; a deliberately slow hasher is not the subject.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def cast(staff_a, staff_b, bureau):
    return {"staff_a": staff_a, "staff_b": staff_b, "bureau": bureau}


def client_for(persona, cast, case, *, api=False):
    """A logged-in client for staff and bureau; for the citizen, the booking's manage token in
    an Authorization header (API) — it is not an API token and opens nothing here."""
    client = APIClient() if api else Client()
    if persona in cast:
        client.force_login(cast[persona])
    elif persona == "citizen" and api:
        client.credentials(HTTP_AUTHORIZATION=f"Token {booking_token(case)}")
    return client


def citizen_query(persona, case):
    return {"token": booking_token(case)} if persona == "citizen" else {}


@pytest.fixture
def case(window_a, item):
    start = NOW + dt.timedelta(hours=1)
    slot = SlotFactory(window=window_a, start=start, booked=1)
    return CaseFactory(
        window=window_a, item=item, booking=True, slot=slot, start=start, id_number=WHOLE_ID
    )


WHOLE_ID = "310101199001011237"


def case_in(case, status):
    Case.objects.filter(pk=case.pk).update(status=status)
    case.refresh_from_db()
    return case


def action_body(action, item):
    if action == "accept-pending":
        material = MaterialFactory(item=item, tolerable=True)
        return {"materials": [material.pk], "materials_due": "2026-10-09"}
    if action == "reject":
        return {"reason": "材料不齐"}
    if action in ("accept", "complete"):
        return {f"{action}-confirm": "on"}
    return {}


def login_redirect(response):
    return response.status_code == 302 and response.url.startswith(reverse("login"))


# API ---------------------------------------------------------------------------------------

API_LIST = "/api/v1/cases/"


@pytest.mark.parametrize(
    ("persona", "status", "sees_case"),
    [
        ("anonymous", 403, False),
        ("citizen", 403, False),
        ("staff_a", 200, True),
        ("staff_b", 200, False),
        ("bureau", 200, True),
    ],
)
def test_api_list(cast, case, persona, status, sees_case):
    response = client_for(persona, cast, case, api=True).get(API_LIST, citizen_query(persona, case))
    assert response.status_code == status
    if status == 200:
        ids = [row["id"] for row in response.json()["results"]]
        assert (case.pk in ids) == sees_case
        assert WHOLE_ID not in response.content.decode()


@pytest.mark.parametrize(
    ("persona", "status"),
    [("anonymous", 403), ("citizen", 403), ("staff_a", 200), ("staff_b", 404), ("bureau", 200)],
)
def test_api_detail(cast, case, persona, status):
    client = client_for(persona, cast, case, api=True)
    response = client.get(f"{API_LIST}{case.pk}/", citizen_query(persona, case))
    assert response.status_code == status
    assert (WHOLE_ID in response.content.decode()) == (status == 200)
    assert "code" in response.json() or status == 200


@pytest.mark.parametrize(
    ("persona", "status"),
    [("anonymous", 403), ("citizen", 403), ("staff_a", 201), ("staff_b", 400), ("bureau", 400)],
)
def test_api_create(cast, case, window_a, item, persona, status):
    body = {
        "window": window_a.pk,
        "item": item.code,
        "channel": "walk_in",
        "name": "李四",
        "phone": "13912345678",
        "id_type": "resident_id",
        "id_number": resident_id(seq=9),
    }
    response = client_for(persona, cast, case, api=True).post(API_LIST, body, format="json")
    assert response.status_code == status
    assert Case.objects.count() == (2 if status == 201 else 1)
    if status == 400:
        assert "window" in response.json()["errors"]


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize(
    ("persona", "status"),
    [("anonymous", 403), ("citizen", 403), ("staff_a", 200), ("staff_b", 404), ("bureau", 403)],
)
def test_api_actions(cast, case, item, action, persona, status):
    before, after = ACTIONS[action]
    case = case_in(case, before)
    client = client_for(persona, cast, case, api=True)
    url = f"{API_LIST}{case.pk}/{action}/"
    response = client.post(url, action_body(action, item), format="json")
    assert response.status_code == status
    assert Case.objects.get(pk=case.pk).status == (after if status == 200 else before)


@pytest.mark.parametrize("persona", ["staff_a", "bureau"])
def test_api_wrong_methods(cast, case, persona):
    client = client_for(persona, cast, case, api=True)
    assert client.get(f"{API_LIST}{case.pk}/check-in/").status_code == 405
    assert client.delete(f"{API_LIST}{case.pk}/").status_code == 405
    assert client.put(f"{API_LIST}{case.pk}/", {}, format="json").status_code == 405
    assert client.patch(API_LIST, {}, format="json").status_code == 405
    assert Case.objects.get(pk=case.pk).status == Status.BOOKED


# Pages -------------------------------------------------------------------------------------


def page_url(name, case=None, action=None):
    args = [case.pk] if case and not action else [case.pk, action] if action else []
    return reverse(f"appointments:{name}", args=args)


@pytest.mark.parametrize(
    ("persona", "outcome"),
    [
        ("anonymous", "login"),
        ("citizen", "login"),
        ("staff_a", "listed"),
        ("staff_b", "unlisted"),
        ("bureau", "listed"),
    ],
)
@pytest.mark.parametrize("page", ["workbench", "case_list"])
def test_list_pages(cast, case, persona, outcome, page):
    client = client_for(persona, cast, case)
    response = client.get(page_url(page), citizen_query(persona, case))
    if outcome == "login":
        assert login_redirect(response)
        return
    assert response.status_code == 200
    content = response.content.decode()
    assert (case.reference in content) == (outcome == "listed")
    assert WHOLE_ID not in content


@pytest.mark.parametrize(
    ("persona", "outcome"),
    [
        ("anonymous", "login"),
        ("citizen", "login"),
        ("staff_a", "rows"),
        ("staff_b", "empty"),
        ("bureau", "rows"),
    ],
)
@pytest.mark.parametrize("export", ["csv", "xlsx"])
def test_export(cast, case, persona, outcome, export):
    client = client_for(persona, cast, case)
    response = client.get(page_url("case_list"), {"export": export, **citizen_query(persona, case)})
    if outcome == "login":
        assert login_redirect(response)
        return
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    if export == "csv":
        text = body.decode("utf-8-sig")
        assert (case.reference in text) == (outcome == "rows")
        assert WHOLE_ID not in text


@pytest.mark.parametrize(
    ("persona", "status"),
    [("anonymous", 302), ("citizen", 302), ("staff_a", 200), ("staff_b", 404), ("bureau", 200)],
)
def test_case_page(cast, case, persona, status):
    client = client_for(persona, cast, case)
    response = client.get(page_url("case_detail", case), citizen_query(persona, case))
    if status == 302:
        assert login_redirect(response)
        return
    assert response.status_code == status
    assert (WHOLE_ID in response.content.decode()) == (status == 200)


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize(
    ("persona", "outcome"),
    [
        ("anonymous", "login"),
        ("citizen", "login"),
        ("staff_a", "moved"),
        ("staff_b", 404),
        ("bureau", 403),
    ],
)
def test_page_actions(cast, case, item, action, persona, outcome):
    before, after = ACTIONS[action]
    case = case_in(case, before)
    client = client_for(persona, cast, case)
    url = page_url("case_action", case, action)
    if persona == "citizen":
        url += f"?token={booking_token(case)}"
    response = client.post(url, action_body(action, item))
    if outcome == "login":
        assert login_redirect(response)
    elif outcome == "moved":
        assert response.status_code == 302
        assert response.url == page_url("case_detail", case)
    else:
        assert response.status_code == outcome
    assert Case.objects.get(pk=case.pk).status == (after if outcome == "moved" else before)


@pytest.mark.parametrize(
    ("persona", "get_status", "post_outcome"),
    [
        ("anonymous", "login", "login"),
        ("citizen", "login", "login"),
        ("staff_a", 200, "created"),
        ("staff_b", 200, 400),  # their form offers only window B: window A is not a choice
        ("bureau", 403, 403),
    ],
)
def test_walk_in_page(cast, case, window_a, item, persona, get_status, post_outcome):
    client = client_for(persona, cast, case)
    url = page_url("walk_in")
    response = client.get(url)
    if get_status == "login":
        assert login_redirect(response)
    else:
        assert response.status_code == get_status
    data = {
        "window": window_a.pk,
        "item": item.pk,
        "channel": "mail",
        "name": "李四",
        "phone": "13912345678",
        "id_type": "resident_id",
        "id_number": resident_id(seq=3),
    }
    response = client.post(url, data)
    if post_outcome == "login":
        assert login_redirect(response)
    elif post_outcome == "created":
        assert response.status_code == 302
    else:
        assert response.status_code == post_outcome
    assert Case.objects.count() == (2 if post_outcome == "created" else 1)


@pytest.mark.parametrize(
    ("persona", "outcome"),
    [
        ("anonymous", "login"),
        ("citizen", "login"),
        ("staff_a", "checked_in"),
        ("staff_b", "not_found"),
        ("bureau", "opened"),
    ],
)
def test_check_in_lookup(cast, case, persona, outcome):
    client = client_for(persona, cast, case)
    url = page_url("check_in_lookup")
    get = client.get(url)
    assert login_redirect(get) if outcome == "login" else get.status_code == 200
    response = client.post(url, {"reference": case.reference})
    status = Case.objects.get(pk=case.pk).status
    if outcome == "login":
        assert login_redirect(response)
    elif outcome == "not_found":
        assert response.status_code == 400
    else:
        assert response.status_code == 302
        assert response.url == page_url("case_detail", case)
    assert status == (Status.CHECKED_IN if outcome == "checked_in" else Status.BOOKED)


@pytest.mark.parametrize("persona", ["staff_a", "bureau"])
def test_page_wrong_methods(cast, case, persona):
    client = client_for(persona, cast, case)
    assert client.post(page_url("workbench")).status_code == 405
    assert client.post(page_url("case_list")).status_code == 405
    assert client.post(page_url("case_detail", case)).status_code == 405
    assert client.get(page_url("case_action", case, "check-in")).status_code == 405
    assert client.put(page_url("check_in_lookup")).status_code == 405
    assert client.delete(page_url("walk_in")).status_code == 405
    assert Case.objects.get(pk=case.pk).status == Status.BOOKED
