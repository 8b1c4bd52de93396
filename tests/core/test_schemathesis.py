"""The API answers what its OpenAPI schema (/api/schema/) says (issue 10).

Schemathesis generates requests for every operation of the schema, anonymous and with a staff
member's token, and checks each answer: never a server error, a documented status code, the
documented content type, a body that matches the documented schema. The number of examples per
operation is bounded and derandomized, so a run is repeatable and takes about a minute or two.

Examples are aimed at real records half of the time (a window with slots, its item, a booking
and its token, a case, a failed report), so that they reach the code behind the 404s.
"""

import datetime as dt

import hypothesis
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.test import Client

from appointments import services
from appointments.constants import Status
from reviews.constants import ReportStatus
from reviews.models import AnnualReport
from tests.appointments.factories import CaseFactory, person
from tests.catalog.factories import MaterialFactory, ServiceItemFactory
from tests.windows.factories import DistrictFactory, ServicePointFactory, StaffMembershipFactory
from windows.constants import Level

CST = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 9, 29, 10, 0, tzinfo=CST)  # a Tuesday
DAY = "2026-09-30"
START = "2026-09-30T09:00:00+08:00"
PASSWORD = "pass-word-123"  # UserFactory's

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

DJANGO_APP = get_wsgi_application()


def APP(environ, start_response):
    """The project's WSGI application, given the client address every WSGI server sets (the
    rate limits count by it; Werkzeug's test client leaves it out)."""
    environ.setdefault("REMOTE_ADDR", "127.0.0.1")
    return DJANGO_APP(environ, start_response)


pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def _generated_schema():
    """The schema /api/schema/ serves, from drf-spectacular's generator (no request needed)."""
    return SchemaGenerator().get_schema(request=None, public=True)


schema = schemathesis.openapi.from_dict(_generated_schema())
# The seeded records of the running test, by operation path (filled by the `seeded` fixture).
REAL_PATH_PARAMETERS = {}
REAL_QUERIES = {}
REAL_BODIES = {}


@pytest.fixture(autouse=True)
def connection_kept():
    """The WSGI handler closes the database connection after each request (request_finished);
    Django's test client disconnects that for the test's transaction to survive, and so do we."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def seeded(time_machine, settings):
    """A window offering an item with slots tomorrow, a city-level one, a booking, a walk-in
    case and a failed annual report."""
    time_machine.move_to(NOW, tick=False)
    # Schemathesis sends hundreds of requests from one address: the per-client limits (which
    # have their own tests) would answer most of them 429 and hide the code behind them.
    settings.BOOKING_RATE_LIMIT = settings.LOOKUP_RATE_LIMIT = "100000/m"
    settings.PHONE_CODE_RATE_LIMIT = "100000/m"
    settings.AXES_FAILURE_LIMIT = 100000
    item = ServiceItemFactory(code="PAT-01")
    MaterialFactory(item=item, tolerable=True)
    window = ServicePointFactory(district=DistrictFactory(), counters=2, people_per_slot=1)
    window.items.add(item)
    # A city-level point has no district: the list shows `district` null.
    ServicePointFactory(district=None, level=Level.CITY).items.add(item)
    booking = services.book(
        window=window, item=item, start=dt.datetime.fromisoformat(START), **person(0), email=""
    )
    case = CaseFactory(window=window, item=item, status=Status.CHECKED_IN)
    report = AnnualReport.objects.create(year=2025, status=ReportStatus.FAILED)
    staff = StaffMembershipFactory(window=window).user
    return {
        "window": window,
        "item": item,
        "booking": booking,
        "token": services.booking_token(booking),
        "case": case,
        "report": report,
        "staff": staff,
    }


def _real_path_parameters(seeded):
    """The path parameters of the seeded records, by operation path."""
    window, case, report = seeded["window"].pk, seeded["case"].pk, seeded["report"].pk
    reference = seeded["booking"].reference
    return {
        "/api/v1/windows/{id}/": {"id": window},
        "/api/v1/windows/{id}/slots/": {"id": window},
        "/api/v1/cases/{id}/": {"id": case},
        "/api/v1/cases/{id}/{action}/": {"id": case},
        "/api/v1/reports/{id}/": {"id": report},
        "/api/v1/reports/{id}/retry/": {"id": report},
        "/api/v1/items/{code}/": {"code": seeded["item"].code},
        "/api/v1/appointments/{reference}/": {"reference": reference},
        "/api/v1/appointments/{reference}/cancel/": {"reference": reference},
        "/api/v1/appointments/{reference}/reschedule/": {"reference": reference},
    }


def _real_queries(seeded):
    return {
        "/api/v1/windows/{id}/slots/": {"item": seeded["item"].code, "date": DAY},
        "/api/v1/appointments/{reference}/": {"token": seeded["token"]},
        "/api/v1/stats/": {"year": 2026},
    }


def _real_bodies(seeded):
    booking = {"window": seeded["window"].pk, "item": seeded["item"].code, "start": START}
    token = {"token": seeded["token"]}
    return {
        # Another person each time: a booking (201) until the slot is full (409).
        "/api/v1/appointments/": {**booking, **person(1)},
        "/api/v1/appointments/{reference}/cancel/": token,
        "/api/v1/appointments/{reference}/reschedule/": {**token, "start": START},
    }


@pytest.fixture(autouse=True)
def real_records(seeded):
    REAL_PATH_PARAMETERS.update(_real_path_parameters(seeded))
    REAL_QUERIES.update(_real_queries(seeded))
    REAL_BODIES.update(_real_bodies(seeded))
    yield
    REAL_PATH_PARAMETERS.clear()
    REAL_QUERIES.clear()
    REAL_BODIES.clear()


@schema.hook
def flatmap_path_parameters(ctx, path_parameters):
    real = REAL_PATH_PARAMETERS.get(ctx.operation.path)
    if real is None:
        return st.just(path_parameters)
    return st.sampled_from([path_parameters, {**path_parameters, **real}])


@schema.hook
def flatmap_query(ctx, query):
    real = REAL_QUERIES.get(ctx.operation.path)
    if real is None:
        return st.just(query)
    return st.sampled_from([query, {**(query or {}), **real}])


@schema.hook
def flatmap_body(ctx, body):
    real = REAL_BODIES.get(ctx.operation.path)
    if real is None:
        return st.just(body)
    return st.sampled_from([body, {**body, **real} if isinstance(body, dict) else real])


@pytest.fixture
def staff_token(seeded):
    """A window staff member's token, from the real endpoint (through the same application as
    the examples: Django's test client would reconnect close_old_connections)."""
    credentials = {"username": seeded["staff"].get_username(), "password": PASSWORD}
    response = Client(APP).post("/api/v1/auth/token/", json=credentials)
    assert response.status_code == 200, response.text
    return response.json["token"]


EXAMPLES = hypothesis.settings(
    max_examples=15,
    derandomize=True,
    deadline=None,
    database=None,
    # The fixtures hold the seeded records for every example of an operation, on purpose.
    suppress_health_check=list(HealthCheck),
)


@schema.parametrize()
@EXAMPLES
def test_anonymous_requests_get_documented_answers(case):
    case.call_and_validate(app=APP, checks=CHECKS)


@schema.parametrize()
@EXAMPLES
def test_staff_requests_get_documented_answers(case, staff_token):
    token = {"Authorization": f"Token {staff_token}"}
    case.call_and_validate(app=APP, checks=CHECKS, headers=token)


def test_an_overlong_username_for_a_token_is_400_not_500(seeded):
    """Found by schemathesis: a username longer than axes' column (255) was a 500 when axes
    recorded the failed login."""
    response = Client(APP).post(
        "/api/v1/auth/token/", json={"username": "x" * 256, "password": "p"}
    )
    assert response.status_code == 400
    assert response.json["code"] == "invalid"
    assert list(response.json["errors"]) == ["non_field_errors"]


# The schema itself ----------------------------------------------------------------------------


def _operations():
    for path, methods in _generated_schema()["paths"].items():
        for method, operation in methods.items():
            yield path, method.upper(), operation


def test_every_error_answer_has_the_error_body():
    error = {"$ref": "#/components/schemas/Error"}
    for path, method, operation in _operations():
        for status, response in operation["responses"].items():
            if int(status) >= 400:
                body = response["content"]["application/json"]["schema"]
                assert body == error, (method, path, status)


@pytest.mark.parametrize(
    "method, path, statuses",
    [
        ("GET", "/api/v1/districts/", {"403"}),  # a wrong token, with the session first
        ("GET", "/api/v1/windows/{id}/", {"403", "404"}),
        ("POST", "/api/v1/appointments/", {"400", "403", "409", "429"}),
        ("GET", "/api/v1/calendar/due-date/", {"400"}),
        ("POST", "/api/v1/cases/{id}/{action}/", {"400", "403", "404", "409"}),
        ("GET", "/api/v1/rectifications/", {"400", "401"}),
        ("POST", "/api/v1/reports/annual/", {"400", "401", "403", "409"}),
    ],
)
def test_the_errors_that_apply_are_documented(method, path, statuses):
    operation = _generated_schema()["paths"][path][method.lower()]
    errors = {status for status in operation["responses"] if int(status) >= 400}
    assert errors == statuses
