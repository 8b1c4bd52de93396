"""GET /api/v1/stats/ against the whole cast: bureau, own-window staff, another window's staff,
a user with no window, anonymous; and every kind of bad parameter."""

import pytest
from rest_framework.authtoken.models import Token

from tests.windows.factories import UserFactory

from .stats_fixtures import *  # noqa: F403

URL = "/api/v1/stats/"
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


def test_bureau_gets_the_headline_figures(api, bureau, known):
    api.force_authenticate(bureau)

    response = api.get(URL, {"year": 2025})

    assert response.status_code == 200
    body = response.json()
    for key in (
        "bookings",
        "no_shows",
        "cases",
        "completed",
        "on_time_rate",
        "avg_working_days",
        "ratings",
        "good_rate",
        "avg_score",
        "bad_reviews",
        "rectification_rate",
        "rectification_on_time_rate",
        "complaints",
    ):
        assert key in body, key
    assert body["year"] == 2025
    assert body["bookings"] == 2
    assert body["cases"]["completed"] == 3
    assert body["good_rate"] == 0.6667
    assert body["rectification_rate"] == 0.0
    assert body["rectification_on_time_rate"] is None
    assert body["filters"] == {"district": None, "window": None, "item": None}
    assert "rows" not in body


def test_bureau_filters_by_district_window_and_item(api, bureau, known):
    api.force_authenticate(bureau)

    pudong = api.get(URL, {"year": 2025, "district": "310115"}).json()
    window_a = api.get(URL, {"year": 2025, "window": known.window_a.pk}).json()
    item2 = api.get(URL, {"year": 2025, "item": known.item2.code}).json()

    assert (pudong["cases_total"], pudong["avg_working_days"]) == (1, 3.0)
    assert (window_a["cases_total"], window_a["good_rate"]) == (4, 1.0)
    assert (item2["on_time_rate"], item2["bad_reviews"]) == (0.0, 1)
    assert window_a["filters"]["window"] == known.window_a.pk


def test_bureau_breakdowns(api, bureau, known):
    api.force_authenticate(bureau)

    months = api.get(URL, {"year": 2025, "breakdown": "month"}).json()
    staff = api.get(URL, {"year": 2025, "breakdown": "staff"}).json()

    assert months["breakdown"] == "month"
    assert [row["key"] for row in months["rows"]] == list(range(1, 13))
    assert months["rows"][2]["bookings"] == 2
    by_staff = {row["key"]: row for row in staff["rows"]}
    assert by_staff[known.staff_b.pk]["bad_reviews"] == 1


def test_window_staff_see_their_own_window_without_asking(api, known):
    api.force_authenticate(known.staff_a)

    implicit = api.get(URL, {"year": 2025}).json()
    explicit = api.get(URL, {"year": 2025, "window": known.window_a.pk}).json()

    assert implicit["cases_total"] == explicit["cases_total"] == 4
    assert implicit["ratings"] == 2


def test_complaints_are_the_bureaus_window_staff_get_none(api, bureau, known):
    """A complaint about window A counts for the bureau, never for window A's staff (the
    dashboard agrees: tests/reviews/test_stats_dashboard.py)."""
    api.force_authenticate(known.staff_a)
    own = api.get(URL, {"year": 2025}).json()
    months = api.get(URL, {"year": 2025, "breakdown": "month"}).json()
    api.force_authenticate(bureau)
    bureaus = api.get(URL, {"year": 2025, "window": known.window_a.pk}).json()

    assert own["complaints"] is None and own["complaints_closed"] is None
    assert {row["complaints"] for row in months["rows"]} == {None}
    assert "complaints" in own  # the key of the contract stays, null
    assert bureaus["complaints"] == 1


def test_window_staff_break_down_their_own_window_only(api, known):
    api.force_authenticate(known.staff_a)

    rows = api.get(URL, {"year": 2025, "breakdown": "window"}).json()["rows"]

    assert [row["key"] for row in rows] == [known.window_a.pk]


def test_another_windows_figures_are_not_found(api, known):
    api.force_authenticate(known.staff_a)

    response = api.get(URL, {"year": 2025, "window": known.window_b.pk})

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_window_staff_do_not_see_figures_per_staff_member(api, known):
    api.force_authenticate(known.staff_a)

    response = api.get(URL, {"year": 2025, "breakdown": "staff"})

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_a_user_with_no_window_is_refused(api, known):
    api.force_authenticate(UserFactory(username="nobody"))

    response = api.get(URL, {"year": 2025})

    assert response.status_code == 403


def test_anonymous_is_refused(api, known):
    response = api.get(URL, {"year": 2025})

    assert response.status_code in (401, 403)
    assert response.json()["code"] == "not_authenticated"


def test_token_authentication(api, known):
    token = Token.objects.create(user=known.staff_a)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    response = api.get(URL, {"year": 2025})

    assert response.status_code == 200
    assert response.json()["cases_total"] == 4


@pytest.mark.parametrize(
    "params, field",
    [
        ({}, "year"),
        ({"year": ""}, "year"),
        ({"year": "abc"}, "year"),
        ({"year": "2025.5"}, "year"),
        ({"year": "1999"}, "year"),
        ({"year": "2028"}, "year"),  # frozen in January 2026: next year is the last
        ({"year": "99999999999999999999"}, "year"),
        ({"year": "2025", "district": "999999"}, "district"),
        ({"year": "2025", "district": "x" * 300}, "district"),
        ({"year": "2025", "window": "abc"}, "window"),
        ({"year": "2025", "window": "987654"}, "window"),
        ({"year": "2025", "item": "NO-SUCH-ITEM"}, "item"),
        ({"year": "2025", "breakdown": "week"}, "breakdown"),
    ],
)
def test_bad_parameters_are_400_with_a_message(api, bureau, params, field):
    api.force_authenticate(bureau)

    response = api.get(URL, params)

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["message"]
    assert field in body["errors"]


def test_messages_are_chinese_by_default(api, bureau):
    api.force_authenticate(bureau)

    body = api.get(URL, {"year": "abc"}).json()

    assert body["message"] == "年份须为整数，例如 2025。"
    assert body["errors"]["year"] == ["年份须为整数，例如 2025。"]


def test_next_year_is_allowed(api, bureau):
    api.force_authenticate(bureau)

    response = api.get(URL, {"year": 2027})

    assert response.status_code == 200
    assert response.json()["cases_total"] == 0


def test_only_get(api, bureau):
    api.force_authenticate(bureau)

    assert api.post(URL, {"year": 2025}).status_code == 405


def test_the_schema_documents_the_endpoint(api):
    response = api.get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    operation = response.json()["paths"]["/api/v1/stats/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"year", "district", "window", "item"}
