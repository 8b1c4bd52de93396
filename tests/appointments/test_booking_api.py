"""The public booking API of docs/architecture.md: slots, create, read and cancel with the token."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from appointments import services
from appointments.api.booking_serializers import (
    BookingRequestSerializer,
    BookingSerializer,
    NewBookingSerializer,
)
from appointments.forms import BookingForm
from appointments.models import Case, Slot
from tests.appointments.factories import client_address, person, phone_code, uscc
from tests.catalog.factories import ServiceItemFactory
from tests.windows.factories import ServicePointFactory

CST = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 9, 29, 10, 0, tzinfo=CST)  # Tuesday; National Day 1–7 October
DAY = dt.date(2026, 9, 30)
START = "2026-09-30T09:00:00+08:00"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def api():
    # CSRF enforced as for a browser: the public endpoints must not need it.
    return APIClient(enforce_csrf_checks=True, REMOTE_ADDR=client_address())


@pytest.fixture
def item():
    return ServiceItemFactory(code="PAT-01")


@pytest.fixture
def window(item):
    window = ServicePointFactory(counters=2, people_per_slot=1)
    window.items.add(item)
    return window


def slots_url(window):
    return f"/api/v1/windows/{window.pk}/slots/"


def body(window, seq=0, /, **changes):
    data = {"window": window.pk, "item": "PAT-01", "start": START, **person(seq)}
    return {**data, "phone_code": phone_code(data["phone"]), **changes}


def post(api, data, **kwargs):
    return api.post("/api/v1/appointments/", data, format="json", **kwargs)


# Slots -------------------------------------------------------------------------------------


def test_slots_of_a_day(api, window, django_assert_max_num_queries):
    api.get(slots_url(window), {"item": "PAT-01", "date": "2026-09-30"})  # creates the rows
    # window with its hours (2), item offered (1), the day's slots (1)
    with django_assert_max_num_queries(4):
        response = api.get(slots_url(window), {"item": "PAT-01", "date": "2026-09-30"})
    assert response.status_code == 200
    data = response.json()
    assert len(data) == 13
    assert data[0] == {
        "start": "2026-09-30T09:00:00+08:00",
        "end": "2026-09-30T09:30:00+08:00",
        "capacity": 2,
        "available": 2,
        "bookable": True,
    }


def test_slots_show_bookings_and_today_past_or_cut_off_slots_as_unavailable(api, window, item):
    services.book(
        window=window, item=item, start=dt.datetime(2026, 9, 29, 14, tzinfo=CST), **person(1)
    )
    data = api.get(slots_url(window), {"item": "PAT-01", "date": "2026-09-29"}).json()
    by_start = {entry["start"][11:16]: entry for entry in data}
    assert by_start["09:00"]["available"] == 0  # past
    assert by_start["10:30"]["available"] == 0  # within the 60-minute cut-off
    assert not by_start["10:30"]["bookable"]
    assert by_start["11:00"]["available"] == 2
    assert by_start["14:00"]["available"] == 1


def test_a_holiday_within_the_booking_period_has_no_slots(api, window):
    response = api.get(slots_url(window), {"item": "PAT-01", "date": "2026-10-01"})
    assert response.status_code == 200
    assert response.json() == []


def test_an_adjusted_working_day_has_slots(api, window):
    response = api.get(slots_url(window), {"item": "PAT-01", "date": "2026-10-10"})
    assert len(response.json()) == 13


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"date": "2026-09-30"}, "item"),
        ({"item": "PAT-01"}, "date"),
        ({"item": "PAT-01", "date": "30/09/2026"}, "date"),
        ({"item": "PAT-01", "date": "2026-02-30"}, "date"),
        ({"item": "PAT-01", "date": "2026-09-28"}, "date"),  # past
        ({"item": "PAT-01", "date": "2026-10-20"}, "date"),  # beyond 10 working days
        ({"item": "NOPE", "date": "2026-09-30"}, "item"),
    ],
)
def test_bad_slot_queries_are_400_with_the_field(api, window, query, field):
    response = api.get(slots_url(window), query)
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert response.json()["message"]


def test_an_item_the_window_does_not_offer_is_400(api, window):
    ServiceItemFactory(code="TM-01")
    response = api.get(slots_url(window), {"item": "TM-01", "date": "2026-09-30"})
    assert response.status_code == 400
    assert "item" in response.json()["errors"]


@pytest.mark.parametrize("pk", [0, 999999, 10**30])
def test_an_unknown_window_is_404(api, window, pk):
    response = api.get(f"/api/v1/windows/{pk}/slots/", {"item": "PAT-01", "date": "2026-09-30"})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_an_inactive_window_is_404(api, window):
    window.active = False
    window.save()
    assert api.get(slots_url(window), {"item": "PAT-01", "date": "2026-09-30"}).status_code == 404


# Create ------------------------------------------------------------------------------------


def test_booking_answers_201_with_reference_and_token(api, window):
    response = post(api, body(window, 1))
    assert response.status_code == 201, response.json()
    data = response.json()
    case = Case.objects.get()
    assert data["reference"] == case.reference
    assert data["token"] == services.booking_token(case)
    assert data["status"] == "booked"
    assert (data["window"], data["item"]) == (window.pk, "PAT-01")
    assert (data["start"], data["end"]) == (START, "2026-09-30T09:30:00+08:00")
    assert data["manage_url"].endswith(f"/{case.reference}/?token={data['token']}")
    assert data["phone"] == "139****0001"
    assert "*" in data["id_number"]


def test_the_answer_has_exactly_the_documented_fields(api, window, booked_detail_fields):
    """booking_data writes the answers; the serializers document them (OpenAPI)."""
    created = post(api, body(window, 1)).json()
    assert set(created) == set(NewBookingSerializer().fields)
    case = Case.objects.get()
    shown = api.get(f"/api/v1/appointments/{case.reference}/", {"token": created["token"]})
    assert set(shown.json()) == set(BookingSerializer().fields) == booked_detail_fields
    assert {k: v for k, v in created.items() if k != "token"} == shown.json()


@pytest.fixture
def booked_detail_fields():
    return {
        "reference", "status", "status_display", "window", "window_name", "address", "item",
        "item_name", "start", "end", "name", "phone", "id_type", "id_number", "manage_url",
    }  # fmt: skip


def test_the_documented_request_is_the_validated_one():
    """BookingForm validates what BookingRequestSerializer documents."""
    assert list(BookingRequestSerializer().fields) == list(BookingForm().fields)


def test_a_company_can_book_with_its_credit_code(api, window):
    response = post(api, body(window, 1, id_type="uscc", id_number=uscc(7).lower()))
    assert response.status_code == 201
    assert Case.objects.get().id_number == uscc(7)


def test_a_full_slot_answers_409(api, window):
    assert post(api, body(window, 1)).status_code == 201
    assert post(api, body(window, 2)).status_code == 201
    response = post(api, body(window, 3))
    assert response.status_code == 409
    assert response.json()["code"] == "slot_full"
    assert response.json()["message"]
    assert Slot.objects.get(start=dt.datetime(2026, 9, 30, 9, tzinfo=CST)).booked == 2


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "王"}, "name"),
        ({"name": 123}, "name"),
        ({"phone": "12345678901"}, "phone"),
        ({"phone": 13912345678}, "phone"),  # a number, not a string
        ({"id_number": "310104199003071230"}, "id_number"),  # wrong checksum
        ({"id_type": "uscc"}, "id_number"),
        ({"id_type": "driving_licence"}, "id_type"),
        ({"window": "abc"}, "window"),
        ({"window": 999999}, "window"),
        ({"window": [1]}, "window"),
        ({"window": True}, "window"),
        ({"window": 10**30}, "window"),
        ({"item": "NOPE"}, "item"),
        ({"item": None}, "item"),
        ({"start": "2026-09-30T09:15:00+08:00"}, "start"),  # not a slot start
        ({"start": "2026-09-29T09:00:00+08:00"}, "start"),  # past
        ({"start": "2026-10-01T09:00:00+08:00"}, "start"),  # National Day
        ({"start": "2026-10-20T09:00:00+08:00"}, "start"),  # beyond the horizon
        ({"start": "tomorrow"}, "start"),
        ({"email": "not-an-email"}, "email"),
        ({"name": "张三\x00"}, "name"),
    ],
)
def test_bad_input_is_400_with_per_field_errors(api, window, changes, field):
    response = post(api, body(window, 1, **changes))
    assert response.status_code == 400, response.json()
    data = response.json()
    assert data["code"] == "invalid"
    assert field in data["errors"], data
    assert all(isinstance(m, str) and m for m in data["errors"][field])
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    "start", ["2026-09-30T09:00:00", "2026-09-30T01:00:00Z", "2026-09-30 09:00"], ids=str
)
def test_a_start_without_offset_is_shanghai_time_and_utc_is_understood(api, window, start):
    response = post(api, body(window, 1, start=start))
    assert response.status_code == 201, response.json()
    assert response.json()["start"] == START


def test_email_may_be_null_or_empty(api, window):
    assert post(api, body(window, 1, email=None)).status_code == 201
    assert post(api, body(window, 2, email="")).status_code == 201


def test_missing_fields_are_each_reported(api, window):
    response = post(api, {})
    assert response.status_code == 400
    assert {"window", "item", "start", "name", "phone", "id_type", "id_number"} <= set(
        response.json()["errors"]
    )


def test_an_item_the_window_does_not_offer_cannot_be_booked(api, window):
    ServiceItemFactory(code="TM-01")
    response = post(api, body(window, 1, item="TM-01"))
    assert response.status_code == 400
    assert "item" in response.json()["errors"]


@pytest.mark.parametrize(
    ("payload", "content_type"),
    [
        (b'{"window": 1, "name": ', "application/json"),
        (b"\xff\xfe", "application/json"),
        (b"[1, 2]", "application/json"),
        (b'"text"', "application/json"),
        (b"null", "application/json"),
    ],
)
def test_malformed_bodies_are_400_never_500(api, window, payload, content_type):
    response = api.post("/api/v1/appointments/", payload, content_type=content_type)
    assert response.status_code == 400
    assert response.json()["code"] in ("parse_error", "invalid")
    assert response.json()["message"]


@pytest.mark.parametrize("payload", [b"[1, 2]", b'"text"', b"null", b"42"])
def test_a_body_that_is_not_an_object_is_told_so_in_chinese(api, window, payload):
    response = api.post("/api/v1/appointments/", payload, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["message"] == "请求内容必须是一个 JSON 对象。"
    assert not Case.objects.exists()


@pytest.mark.parametrize("field", ["name", "phone", "id_number", "item", "start", "email"])
@pytest.mark.parametrize("value", [13912345678, ["张三"], {"a": 1}, True])
def test_a_field_given_as_anything_but_text_is_400_at_that_field(api, window, field, value):
    response = post(api, body(window, 1, **{field: value}))
    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"]
    assert not Case.objects.exists()


@pytest.mark.parametrize("start", ["9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00"])
def test_a_time_at_the_edge_of_the_calendar_is_400_not_500(api, window, start):
    response = post(api, body(window, 1, start=start))
    assert response.status_code == 400
    assert "start" in response.json()["errors"]


def test_a_time_years_ahead_creates_no_slot_rows(api, window):
    response = post(api, body(window, 1, start="2031-09-30T09:00:00+08:00"))
    assert response.status_code == 400
    assert "start" in response.json()["errors"]
    assert not Slot.objects.filter(start__year=2031).exists()


@pytest.mark.parametrize("value", ["12abc", 1.5, True])
def test_a_window_that_is_not_a_whole_number_is_told_so(api, window, value):
    response = post(api, body(window, 1, window=value))
    assert response.status_code == 400
    assert response.json()["errors"]["window"] == ["请以整数（窗口编号）填写窗口。"]


def test_the_text_type_message_is_chinese(api, window):
    response = post(api, body(window, 1, phone=13912345678))
    assert response.json()["errors"]["phone"] == ["请以文本（JSON 字符串）填写。"]


@pytest.mark.parametrize("send_as", ["multipart", "form-urlencoded"])
def test_a_form_posted_booking_is_415(api, window, send_as):
    """JSON only (issue 10): a hostile page can make its visitors' browsers post a form to the
    API cross-site, never a JSON body."""
    data = body(window, 1)
    if send_as == "multipart":
        response = api.post("/api/v1/appointments/", data)
    else:
        encoded = "&".join(f"{key}={value}" for key, value in data.items())
        response = api.post(
            "/api/v1/appointments/", encoded, content_type="application/x-www-form-urlencoded"
        )
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
    assert not Case.objects.exists()


def test_get_on_the_collection_is_405(api):
    assert api.get("/api/v1/appointments/").status_code == 405


# Read and cancel with the token --------------------------------------------------------------


@pytest.fixture
def booked(api, window):
    data = post(api, body(window, 1)).json()
    return data["reference"], data["token"]


def test_the_booking_is_shown_with_its_token_and_masked(api, booked):
    reference, token = booked
    response = api.get(f"/api/v1/appointments/{reference}/", {"token": token})
    assert response.status_code == 200
    data = response.json()
    assert data["reference"] == reference
    assert data["status"] == "booked"
    assert data["name"] == "张*"
    assert data["phone"] == "139****0001"
    assert data["id_number"].startswith("3101") and "*" in data["id_number"]
    assert "token" not in data


@pytest.mark.parametrize(
    "query", [{}, {"token": ""}, {"token": "0" * 32}, {"token": "x" * 1000}], ids=str
)
def test_a_wrong_or_missing_token_is_404_like_an_unknown_reference(api, booked, query):
    reference, _token = booked
    response = api.get(f"/api/v1/appointments/{reference}/", query)
    unknown = api.get("/api/v1/appointments/YY000000AAAA/", query)
    assert response.status_code == unknown.status_code == 404
    assert response.json() == unknown.json()


def test_cancelling_frees_the_place_and_twice_is_409(api, window, booked):
    reference, token = booked
    slot = Slot.objects.get(start=dt.datetime(2026, 9, 30, 9, tzinfo=CST))
    assert slot.booked == 1
    response = api.post(
        f"/api/v1/appointments/{reference}/cancel/", {"token": token}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    slot.refresh_from_db()
    assert slot.booked == 0
    again = api.post(f"/api/v1/appointments/{reference}/cancel/", {"token": token}, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "wrong_state"
    slot.refresh_from_db()
    assert slot.booked == 0


@pytest.mark.parametrize("payload", [{}, {"token": "0" * 32}, {"token": ["x"]}, [1]], ids=str)
def test_cancelling_without_the_token_is_404(api, booked, payload):
    reference, _token = booked
    response = api.post(f"/api/v1/appointments/{reference}/cancel/", payload, format="json")
    assert response.status_code == 404
    assert Case.objects.get().status == "booked"


def test_rescheduling_through_the_api(api, booked):
    reference, token = booked
    url = f"/api/v1/appointments/{reference}/reschedule/"
    response = api.post(url, {"token": token, "start": "2026-10-08T10:00:00+08:00"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["start"] == "2026-10-08T10:00:00+08:00"
    bad = api.post(url, {"token": token, "start": "2026-10-08T12:00:00+08:00"}, format="json")
    assert bad.status_code == 400
    assert "start" in bad.json()["errors"]


# Fair-booking refusals ------------------------------------------------------------------------


def test_the_fourth_booking_of_one_id_is_409_limit_reached(api, window, settings):
    settings.MAX_ACTIVE_BOOKINGS_PER_ID = 1
    assert post(api, body(window, 1)).status_code == 201
    response = post(api, body(window, 1, start="2026-10-08T09:00:00+08:00"))
    assert response.status_code == 409
    assert response.json()["code"] == "limit_reached"


def test_a_suspended_id_is_403_and_told_until_when(api, window, time_machine):
    id_number = person(1)["id_number"]
    item = window.items.get()
    for day in (dt.date(2026, 9, 30), dt.date(2026, 10, 8), dt.date(2026, 10, 9)):
        time_machine.move_to(dt.datetime.combine(day, dt.time(8), tzinfo=CST), tick=False)
        start = dt.datetime.combine(day, dt.time(9), tzinfo=CST)
        services.book(window=window, item=item, start=start, **person(1))
        time_machine.move_to(dt.datetime.combine(day, dt.time(18), tzinfo=CST), tick=False)
        services.mark_no_shows()
    assert services.suspension_until(id_number) == dt.date(2026, 11, 8)
    response = post(api, body(window, 1, start="2026-10-12T09:00:00+08:00"))
    assert response.status_code == 403
    assert response.json()["code"] == "suspended"
    assert "2026-11-08" in response.json()["message"]


# Rate limits ---------------------------------------------------------------------------------


def test_booking_is_rate_limited_per_address(api, window, settings):
    settings.BOOKING_RATE_LIMIT = "2/m"
    assert post(api, body(window, 1)).status_code == 201
    assert post(api, body(window, 2)).status_code == 201
    response = post(api, body(window, 3))
    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    assert response["Retry-After"]
    other = post(api, body(window, 4), REMOTE_ADDR="192.0.2.77")
    assert other.status_code == 409  # another address is not limited (the slot is full)


def test_lookups_are_rate_limited(api, booked, settings):
    settings.LOOKUP_RATE_LIMIT = "3/m"
    reference, token = booked
    for _ in range(3):
        assert api.get(f"/api/v1/appointments/{reference}/", {"token": "bad"}).status_code == 404
    response = api.get(f"/api/v1/appointments/{reference}/", {"token": token})
    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"


def test_slots_are_not_rate_limited(api, window, settings):
    settings.LOOKUP_RATE_LIMIT = "1/m"
    settings.BOOKING_RATE_LIMIT = "1/m"
    for _ in range(3):
        response = api.get(slots_url(window), {"item": "PAT-01", "date": "2026-09-30"})
        assert response.status_code == 200


# Language ------------------------------------------------------------------------------------


def test_messages_follow_the_language_cookie(api, window, settings):
    api.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = post(api, body(window, 1, phone="123"))
    assert "mobile number" in response.json()["errors"]["phone"][0]
