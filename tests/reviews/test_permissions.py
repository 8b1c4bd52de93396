"""Who sees what (STYLE habit 3): the owner window's staff, a colleague at another window, the
window's supervisor, the bureau, an anonymous visitor, and the wrong HTTP method."""

import pytest
from rest_framework.test import APIClient

from .factories import ComplaintFactory, bad_rating
from .feedback_fixtures import *  # noqa: F403
from .feedback_fixtures import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(window_a, window_b):
    rating_a = bad_rating(window_a)
    rating_a.comment = "A窗口的评价内容"
    rating_a.save()
    rating_b = bad_rating(window_b)
    rating_b.comment = "B窗口的评价内容"
    rating_b.save()
    return {"a": rating_a, "b": rating_b, "complaint": ComplaintFactory(matter="B窗口的反映")}


def pages(rating):
    rect = rating.rectification
    return [
        f"/reviews/ratings/{rating.pk}/",
        f"/reviews/rectifications/{rect.pk}/",
    ]


@pytest.mark.parametrize("persona", ["staff_a", "supervisor_a"])
def test_window_staff_see_their_window_only(client, request, records, persona):
    login(client, request.getfixturevalue(persona))
    for url in pages(records["a"]):
        assert client.get(url).status_code == 200
    for url in pages(records["b"]):
        assert client.get(url).status_code == 404
    for url in ("/reviews/ratings/", "/reviews/rectifications/", "/reviews/appeals/"):
        html = client.get(url).content.decode()
        assert records["a"].case.reference in html or url == "/reviews/appeals/"
        assert records["b"].case.reference not in html
        assert "B窗口的评价内容" not in html
    rect_b = records["b"].rectification
    assert (
        client.post(
            f"/reviews/rectifications/{rect_b.pk}/steps/note/", {"note-notes": "x"}
        ).status_code
        == 404
    )
    assert client.get(f"/reviews/complaints/{records['complaint'].pk}/").status_code == 404
    assert "B窗口的反映" not in client.get("/reviews/ratings/").content.decode()


def test_window_staff_read_but_only_the_supervisor_works(client, records, staff_a, supervisor_a):
    rect = records["a"].rectification
    url = f"/reviews/rectifications/{rect.pk}/steps/note/"
    login(client, staff_a)
    page = client.get(f"/reviews/rectifications/{rect.pk}/")
    assert page.context["form"] is None and not page.context["can_work"]
    # The staff member who was rated sees the person masked.
    assert records["a"].case.phone not in page.content.decode()
    assert client.post(url, {"note-notes": "x"}).status_code == 403
    login(client, supervisor_a)
    assert client.post(url, {"note-notes": "x"}).status_code == 302


def test_the_bureau_sees_all(client, records, bureau):
    login(client, bureau)
    for rating in (records["a"], records["b"]):
        for url in pages(rating):
            assert client.get(url).status_code == 200
    html = client.get("/reviews/ratings/").content.decode()
    assert "A窗口的评价内容" in html and "B窗口的评价内容" in html
    assert client.get("/reviews/rectifications/").context["page"].paginator.count == 2
    assert client.get(f"/reviews/complaints/{records['complaint'].pk}/").status_code == 200


def test_anonymous_visitors_are_sent_to_the_login(client, records):
    rating = records["a"]
    urls = [
        *pages(rating),
        "/reviews/ratings/",
        "/reviews/rectifications/",
        "/reviews/rectifications/ledger.xlsx",
        "/reviews/appeals/",
        "/reviews/complaints/",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith("/accounts/login/"), url
    response = client.post(f"/reviews/ratings/{rating.pk}/appeal/", {"reason": "x"})
    assert response.status_code == 302


def test_a_user_without_a_window_sees_nothing(client, records):
    from tests.windows.factories import UserFactory

    login(client, UserFactory())
    for url in pages(records["a"]):
        assert client.get(url).status_code == 404
    assert client.get("/reviews/ratings/").context["page"].paginator.count == 0


def test_api_lists_follow_the_same_rules(records, staff_a, staff_b, bureau):
    api = APIClient()
    assert api.get("/api/v1/rectifications/").status_code == 401
    api.force_authenticate(staff_b)
    rows = api.get("/api/v1/rectifications/").json()["results"]
    assert [r["id"] for r in rows] == [records["b"].rectification.pk]
    assert "A窗口的评价内容" not in str(rows)
    api.force_authenticate(bureau)
    assert api.get("/api/v1/rectifications/").json()["count"] == 2


def test_wrong_methods(client, records, bureau):
    login(client, bureau)
    rect = records["a"].rectification
    assert client.post("/reviews/rectifications/").status_code == 405
    assert client.get(f"/reviews/rectifications/{rect.pk}/steps/note/").status_code == 405
    assert client.get(f"/reviews/ratings/{records['a'].pk}/appeal/").status_code == 405
    assert client.get(f"/reviews/complaints/{records['complaint'].pk}/close/").status_code == 405
    assert client.delete("/complaints/new/").status_code == 405
    assert APIClient().put("/api/v1/reviews/", {}).status_code == 405
