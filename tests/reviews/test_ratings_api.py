"""POST /api/v1/reviews/ (docs/architecture.md, "The HTTP contract") with every refusal."""

import pytest
from rest_framework.test import APIClient

from appointments.constants import Status
from appointments.services import booking_token
from reviews.constants import RatingChannel
from reviews.models import Rating, Rectification
from tests.appointments.factories import CaseFactory

from .feedback_fixtures import *  # noqa: F403

pytestmark = pytest.mark.django_db

URL = "/api/v1/reviews/"


def body(case, **values):
    return {"reference": case.reference, "token": booking_token(case), "score": 5, **values}


def test_rating_through_the_api(api, completed_a, staff_a):
    response = api.post(
        URL,
        body(
            completed_a,
            score=4,
            comment="还不错",
            efficiency=5,
            competence=4,
            attitude=3,
            tags=["quick", "clear_guidance"],
        ),
        format="json",
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["reference"] == completed_a.reference
    assert data["score"] == 4 and data["comment"] == "还不错"
    assert data["tags"] == ["quick", "clear_guidance"]
    assert data["channel"] == "link"
    assert data["window"] == completed_a.window_id and data["item"] == completed_a.item.code
    rating = Rating.objects.get(case=completed_a)
    assert rating.staff == staff_a and rating.channel == RatingChannel.LINK


def test_only_the_documented_fields_are_needed(api, completed_a):
    response = api.post(URL, body(completed_a, score=1, comment="态度差"), format="json")
    assert response.status_code == 201
    assert Rectification.objects.filter(rating__case=completed_a).exists()


def test_form_encoded_bodies_are_415(api, completed_a):
    """JSON only (issue 10): a hostile page can post a form cross-site, never a JSON body."""
    data = {**body(completed_a), "score": "5", "tags": ["friendly"]}
    response = api.post(URL, data)
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
    assert not completed_a.__class__.objects.filter(
        pk=completed_a.pk, rating__isnull=False
    ).exists()


@pytest.mark.parametrize(
    "values, field",
    [
        ({"score": 0}, "score"),
        ({"score": 6}, "score"),
        ({"score": "five"}, "score"),
        ({"score": None}, "score"),
        ({"score": 4.5}, "score"),
        ({"efficiency": 7}, "efficiency"),
        ({"tags": ["bribe"]}, "tags"),
        ({"tags": "quick"}, "tags"),
        ({"comment": ["a", "b"]}, "comment"),
        ({"comment": "长" * 1001}, "comment"),
    ],
)
def test_bad_bodies_give_400_per_field(api, completed_a, values, field):
    response = api.post(URL, body(completed_a, **values), format="json")
    assert response.status_code == 400
    data = response.json()
    assert data["code"] == "invalid"
    assert field in data["errors"] and data["message"]
    assert not Rating.objects.exists()


def test_a_missing_score_or_reference_is_400(api, completed_a):
    response = api.post(URL, {"reference": completed_a.reference}, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) >= {"token", "score"}


def test_the_score_message_is_the_pages_message(api, client, completed_a):
    api_message = api.post(URL, body(completed_a, score=9), format="json").json()["errors"]
    from .factories import open_rating_page

    page_form = client.post(open_rating_page(client, completed_a), {"score": "9"}).context["form"]
    assert api_message["score"] == page_form.errors["score"]


def test_wrong_token_and_unknown_reference_look_the_same(api, completed_a):
    wrong = api.post(URL, body(completed_a, token="0" * 32), format="json")
    unknown = api.post(URL, {**body(completed_a), "reference": "NOSUCH1234"}, format="json")
    assert wrong.status_code == unknown.status_code == 403
    assert wrong.json() == unknown.json()
    assert wrong.json()["code"] == "bad_token"
    assert not Rating.objects.exists()


def test_a_case_not_completed_is_409(api, window_a, item):
    case = CaseFactory(window=window_a, item=item, status=Status.ACCEPTED)
    response = api.post(URL, body(case), format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "not_completed"


def test_a_second_rating_is_409(api, completed_a):
    assert api.post(URL, body(completed_a), format="json").status_code == 201
    response = api.post(URL, body(completed_a, score=1), format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "already_rated"
    assert Rating.objects.get().score == 5
    assert not Rectification.objects.exists()


def test_a_logged_in_staff_session_is_not_a_way_around_the_token(completed_a, staff_a):
    # The endpoint ignores sessions: no CSRF trouble for staff browsers, and no staff rating.
    api = APIClient(enforce_csrf_checks=True)
    api.force_login(staff_a)
    assert api.post(URL, body(completed_a, token=""), format="json").status_code == 400
    assert api.post(URL, body(completed_a), format="json").status_code == 201
    assert Rating.objects.get().entered_by is None


def test_malformed_json_is_400_not_500(api):
    response = api.post(URL, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"]


@pytest.mark.parametrize(
    "payload",
    [
        [],
        "score=5",
        {"reference": {"a": 1}, "token": ["x"], "score": True},
        {"reference": "A" * 500},
    ],
)
def test_odd_bodies_are_400(api, payload):
    response = api.post(URL, payload, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_wrong_method(api):
    assert api.get(URL).status_code == 405
