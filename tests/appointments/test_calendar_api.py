"""GET /api/v1/calendar/due-date/ (docs/architecture.md) and GET /api/v1/calendar/days/."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.urls import include, path
from drf_spectacular.generators import SchemaGenerator

from appointments import workdays
from appointments.constants import DayKind
from appointments.models import CalendarDay
from tests.windows.factories import UserFactory

DUE = "/api/v1/calendar/due-date/"
DAYS = "/api/v1/calendar/days/"
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture(autouse=True)
def fresh_calendar():
    workdays.clear_cache()
    yield
    workdays.clear_cache()


def due(api, **params):
    return api.get(DUE, params)


# Due date ----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "days", "expected", "calendar"),
    [
        # docs/architecture.md, "Where each rule lives": Mid-autumn on Fri 25, then the weekend.
        ("2026-09-24", "3", "2026-09-30", "official"),
        # Sunday 20 Sep is an adjusted working day (调休).
        ("2026-09-18", "2", "2026-09-21", "official"),
        # Into 2027, which has no schedule yet: Mon–Fri, so Fri 1 Jan counts (see test_workdays).
        ("2026-12-30", "5", "2027-01-06", "fallback"),
        # Only the days counted matter: ending on 31 Dec stays within the official 2026.
        ("2026-12-30", "1", "2026-12-31", "official"),
        ("2026-10-01", "0", "2026-10-01", "official"),
        ("2027-03-01", "0", "2027-03-01", "fallback"),
    ],
)
def test_due_date(api, start, days, expected, calendar):
    response = due(api, start=start, days=days)
    assert response.status_code == 200
    assert response.json() == {"due": expected, "calendar": calendar}


@pytest.mark.django_db
def test_due_date_with_the_bureaus_days(api):
    CalendarDay.objects.create(date=dt.date(2027, 1, 1), kind=DayKind.HOLIDAY, name="元旦")
    assert due(api, start="2026-12-30", days=5).json() == {
        "due": "2027-01-07",
        "calendar": "bureau",
    }
    # An override in an official year changes the date, not the source.
    CalendarDay.objects.create(date=dt.date(2026, 9, 29), kind=DayKind.HOLIDAY, name="临时")
    assert due(api, start="2026-09-24", days=3).json() == {
        "due": "2026-10-08",
        "calendar": "official",
    }


@pytest.mark.django_db
def test_a_span_over_a_fallback_year_is_fallback_even_if_it_ends_in_a_bureau_year(api):
    CalendarDay.objects.create(date=dt.date(2028, 1, 3), kind=DayKind.HOLIDAY, name="元旦")
    # From mid-December 2027 (fallback) to January 2028 (bureau).
    body = due(api, start="2027-12-20", days=20).json()
    assert body["calendar"] == "fallback"
    assert body["due"].startswith("2028-01")


@pytest.mark.django_db
def test_due_date_makes_no_query_once_the_years_are_cached(api, django_assert_num_queries):
    due(api, start="2026-12-30", days=5)
    with django_assert_num_queries(0):  # no session, no user, no calendar rows: all cached
        assert due(api, start="2026-12-30", days=5).status_code == 200


BAD_INPUT = [
    # (params, field, message in Chinese, the default language)
    ({"days": "3"}, "start", "该字段是必填项。"),
    ({"start": "2026-09-24"}, "days", "该字段是必填项。"),
    (
        {"start": "2026-13-01", "days": "3"},
        "start",
        "日期格式错误。请从这些格式中选择：YYYY-MM-DD。",
    ),
    (
        {"start": "24/09/2026", "days": "3"},
        "start",
        "日期格式错误。请从这些格式中选择：YYYY-MM-DD。",
    ),
    ({"start": "", "days": "3"}, "start", "日期格式错误。请从这些格式中选择：YYYY-MM-DD。"),
    ({"start": "2026-09-24", "days": "three"}, "days", "请填写合法的整数值。"),
    ({"start": "2026-09-24", "days": "1.5"}, "days", "请填写合法的整数值。"),
    ({"start": "2026-09-24", "days": "-1"}, "days", "请确保该值大于或者等于 0。"),
    ({"start": "2026-09-24", "days": "366"}, "days", "请确保该值小于或者等于 365。"),
    (
        {"start": "2026-09-24", "days": "99999999999999999999"},
        "days",
        "请确保该值小于或者等于 365。",
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("params", "field", "message"), BAD_INPUT)
def test_bad_input_is_a_400_with_the_field_and_a_chinese_message(api, params, field, message):
    response = api.get(DUE, params)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["message"] == "请更正以下错误。"
    assert body["errors"][field] == [message]


@pytest.mark.django_db
def test_both_parameters_missing_reports_both(api):
    body = api.get(DUE).json()
    assert set(body["errors"]) == {"start", "days"}


@pytest.mark.django_db
@pytest.mark.parametrize("start", ["1999-12-31", "2101-01-01", "9999-12-31"])
def test_a_date_outside_the_supported_years_is_a_400_not_an_overflow(api, start):
    api.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = due(api, start=start, days=365)
    assert response.status_code == 400
    assert response.json()["errors"] == {"start": ["Enter a date between the years 2000 and 2100."]}


@pytest.mark.django_db
def test_messages_follow_the_language_switch(api):
    api.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = due(api, start="2026-09-24", days="x").json()
    assert body["message"] == "Please correct the errors below."
    assert body["errors"] == {"days": ["A valid integer is required."]}


@pytest.mark.django_db
def test_anyone_may_call_it(api):
    # Anonymous, logged in, or with a token header that is not even valid: the same answer.
    assert due(api, start="2026-09-24", days=3).status_code == 200
    api.force_login(UserFactory())
    assert due(api, start="2026-09-24", days=3).status_code == 200
    api.logout()
    api.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert due(api, start="2026-09-24", days=3).status_code == 200


@pytest.mark.django_db
def test_only_get(api):
    response = api.post(DUE, {"start": "2026-09-24", "days": 3})
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


# Days of a year ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_days_of_an_official_year(api):
    body = api.get(DAYS, {"year": 2026}).json()
    assert body["year"] == 2026
    assert body["calendar"] == "official"
    days = {day["date"]: day for day in body["days"]}
    assert days["2026-10-01"] == {
        "date": "2026-10-01",
        "kind": "holiday",
        "name": "国庆节",
        "name_en": "National Day",
        "source": "official",
    }
    assert days["2026-09-20"]["kind"] == "workday"  # Sunday, adjusted working day
    assert days["2026-09-25"]["name"] == "中秋"
    # Only exceptions to Monday–Friday: not the holiday weekend, not an ordinary weekday.
    assert "2026-09-26" not in days and "2026-09-24" not in days
    assert list(days) == sorted(days)


@pytest.mark.django_db
def test_days_of_a_year_the_bureau_entered(api):
    CalendarDay.objects.create(date=dt.date(2027, 1, 1), kind=DayKind.HOLIDAY, name="元旦")
    CalendarDay.objects.create(date=dt.date(2027, 2, 6), kind=DayKind.WORKDAY, name="春节调休")
    body = api.get(DAYS, {"year": "2027"}).json()
    assert body["calendar"] == "bureau"
    assert body["days"] == [
        {
            "date": "2027-01-01",
            "kind": "holiday",
            "name": "元旦",
            "name_en": "",
            "source": "bureau",
        },
        {
            "date": "2027-02-06",
            "kind": "workday",
            "name": "春节调休",
            "name_en": "",
            "source": "bureau",
        },
    ]


@time_machine.travel(dt.datetime(2027, 3, 1, 9, tzinfo=SHANGHAI), tick=False)
@pytest.mark.django_db
def test_days_default_to_this_year(api):
    assert api.get(DAYS).json() == {"year": 2027, "calendar": "fallback", "days": []}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("year", "message"),
    [
        ("twenty", "请填写合法的整数值。"),
        ("1999", "请确保该值大于或者等于 2000。"),
        ("2101", "请确保该值小于或者等于 2100。"),
    ],
)
def test_days_with_a_bad_year(api, year, message):
    response = api.get(DAYS, {"year": year})
    assert response.status_code == 400
    assert response.json()["errors"] == {"year": [message]}


@pytest.mark.django_db
def test_days_cost_one_query_cold_and_none_warm(api, django_assert_num_queries):
    with django_assert_num_queries(1):  # the bureau's rows of 2026
        api.get(DAYS, {"year": 2026})
    with django_assert_num_queries(0):
        api.get(DAYS, {"year": 2026})


# OpenAPI -----------------------------------------------------------------------------------

urlpatterns = [path("api/v1/", include("appointments.api.calendar_urls"))]


def test_the_schema_documents_both_endpoints_and_their_parameters():
    schema = SchemaGenerator(patterns=urlpatterns).get_schema(request=None, public=True)
    operation = schema["paths"][DUE]["get"]
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert parameters["start"]["required"] and parameters["start"]["schema"]["format"] == "date"
    assert parameters["days"]["schema"] == {"type": "integer", "maximum": 365, "minimum": 0}
    assert set(operation["responses"]) == {"200", "400"}
    assert "year" in {p["name"] for p in schema["paths"][DAYS]["get"]["parameters"]}
