"""Hostile input answers 400 with a message, never 500 (issue 10)."""

import json

import pytest

pytestmark = pytest.mark.django_db

ERROR_KEYS = {"code", "message", "errors"}


def assert_api_400(response):
    assert response.status_code == 400, response.content[:300]
    body = response.json()
    assert ERROR_KEYS <= set(body), body
    assert body["message"]
    return body


@pytest.fixture
def api_bureau(api, bureau):
    api.force_authenticate(bureau)
    return api


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/appointments/YY26%00AB/?token=x",
        "/api/v1/items/A%00B/",
        "/api/v1/windows/?district=31%0004",
        "/api/v1/items/?q=%00",
        "/api/v1/calendar/due-date/?start=2026-01-05%00&days=3",
    ],
)
def test_nul_byte_in_api_path_or_query_is_400(api, url):
    assert_api_400(api.get(url))


@pytest.mark.parametrize("url", ["/rate/%00/", "/booking/YY%00/", "/catalog/items/A%00B/"])
def test_nul_byte_in_a_page_path_is_a_readable_400(client, url):
    response = client.get(url)
    assert response.status_code == 400
    page = response.content.decode()
    assert "<html" in page and "请求中含有空字符" in page


def test_nul_byte_in_a_cookie_is_a_readable_400(client, bureau):
    client.force_login(bureau)
    client.cookies["sessionid"] = "abcdefgh\x00ijkl"
    response = client.get("/staff/")
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/booking/lookup/?reference=%00", 200),
        ("/catalog/?q=%00", 200),
        ("/staff/cases/?reference=%00", 400),  # the staff list answers a bad filter with 400
        ("/reviews/complaints/?status=%00&q=%00", 200),
        ("/book/?district=%00&item=%00", 200),
    ],
)
def test_nul_byte_in_a_page_query_is_no_error(client, bureau, url, status):
    # Pages read their query strings through forms: the field says what is wrong, or the
    # booking steps lead back to a step.
    client.force_login(bureau)
    response = client.get(url)
    assert response.status_code == status
    if status == 400:
        assert "field-error" in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/appointments/",
        "/api/v1/auth/token/",
        "/api/v1/reviews/",
        "/api/v1/cases/",
        "/api/v1/reports/annual/",
    ],
)
def test_deeply_nested_json_is_400(api_bureau, url):
    body = "[" * 1100 + "]" * 1100
    body = assert_api_400(api_bureau.post(url, data=body, content_type="application/json"))
    assert body["code"] == "too_deep"


@pytest.mark.parametrize(
    "url", ["/api/v1/appointments/", "/api/v1/auth/token/", "/api/v1/reviews/"]
)
def test_nul_byte_in_a_json_string_is_400(api, url):
    body = json.dumps(
        {
            "username": "bu\u0000reau",
            "password": "x",
            "reference": "A\u0000",
            "token": "\u0000",
            "name": "张\u0000三",
        }
    )
    body = assert_api_400(api.post(url, data=body, content_type="application/json"))
    assert body["code"] == "invalid" and body["errors"]  # said by the field that holds it


@pytest.mark.parametrize(
    "url", ["/api/v1/cases/?date=9999-12-31", "/api/v1/cases/?date=0001-01-01"]
)
def test_date_out_of_range_on_the_cases_api_is_400(api_bureau, url):
    body = assert_api_400(api_bureau.get(url))
    assert "2199-12-31" in body["errors"]["date"][0]


@pytest.mark.parametrize("url", ["/staff/cases/?date=9999-12-31", "/staff/cases/?date=0001-01-01"])
def test_date_out_of_range_on_the_cases_page_is_400_with_a_field_error(client, bureau, url):
    # The page shows its filter form again with the message, as for any bad filter: a 400.
    client.force_login(bureau)
    response = client.get(url)
    assert response.status_code == 400
    page = response.content.decode()
    assert "field-error" in page and "1900-01-01" in page and "2199-12-31" in page


@pytest.mark.parametrize(
    "path", ["/api/v1/cases/", "/api/v1/rectifications/", "/api/v1/complaints/"]
)
@pytest.mark.parametrize(
    "query", ["limit=18446744073709551616", "offset=18446744073709551616", "limit=1000"]
)
def test_huge_limit_or_offset_is_400(api_bureau, path, query):
    body = assert_api_400(api_bureau.get(f"{path}?{query}"))
    assert body["code"] == "invalid"


@pytest.mark.parametrize(
    "url, data",
    [
        ("/accounts/login/", {"username": "bu\x00reau", "password": "x\x00"}),
        ("/booking/lookup/", {"reference": "YY26\x00AB", "phone": "138\x0012345678"}),
        ("/complaints/new/", {"name": "张\x00三", "phone": "13812345678", "content": "a\x00b"}),
    ],
)
def test_nul_byte_in_a_public_form_field_is_a_field_error(client, url, data):
    response = client.post(url, data)
    assert response.status_code == 200
    assert "不允许是用空字符串" in response.content.decode()  # Django's own translation


def test_the_lookup_rate_limit_counts_get_and_post_together(api, settings):
    from tests.appointments.factories import client_address

    settings.LOOKUP_RATE_LIMIT = "3/m"
    address = client_address()
    url = "/api/v1/appointments/YY26NOSUCH/"
    assert api.get(url, {"token": "x"}, REMOTE_ADDR=address).status_code == 404
    assert api.get(url, {"token": "x"}, REMOTE_ADDR=address).status_code == 404
    cancel = api.post(url + "cancel/", {"token": "x"}, format="json", REMOTE_ADDR=address)
    assert cancel.status_code == 404
    # The fourth lookup from the address, whichever its method, is one too many.
    assert api.get(url, {"token": "x"}, REMOTE_ADDR=address).status_code == 429
