"""Appeals (申诉) by the window's supervisor, decided by the bureau (复核)."""

import pytest

from reviews.constants import AppealDecision
from reviews.exceptions import AppealRefused
from reviews.models import Appeal, Rating
from reviews.services.appeals import decide_appeal, file_appeal

from .factories import CompletedCaseFactory, bad_rating, rate_case, supervisor_of
from .feedback_fixtures import *  # noqa: F403
from .feedback_fixtures import login

pytestmark = pytest.mark.django_db


def rating_url(rating, suffix=""):
    return f"/reviews/ratings/{rating.pk}/{suffix}"


def test_an_upheld_appeal_excludes_the_rating(client, english, window_a, supervisor_a, bureau):
    rating = bad_rating(window_a)
    login(client, supervisor_a)
    page = client.get(rating_url(rating))
    assert page.context["can_appeal"]
    response = client.post(
        rating_url(rating, "appeal/"), {"reason": "该群众未到窗口办理，系误评。"}
    )
    assert response.status_code == 302
    appeal = Appeal.objects.get(rating=rating)
    assert appeal.filed_by == supervisor_a and appeal.decision == AppealDecision.PENDING

    login(client, bureau)
    assert client.get(rating_url(rating)).context["can_decide"]
    response = client.post(
        rating_url(rating, "appeal/decide/"),
        {"decision": "upheld", "notes": "经核查录像，属误评。"},
    )
    assert response.status_code == 302
    appeal.refresh_from_db()
    rating.refresh_from_db()
    assert rating.excluded is True
    assert appeal.decision == AppealDecision.UPHELD
    assert appeal.decided_by == bureau and appeal.decided_at and appeal.decision_notes

    # Both the appeal and the decision are shown, with who and when.
    login(english, supervisor_a)
    html = english.get(rating_url(rating)).content.decode()
    assert "Upheld: rating excluded" in html
    assert supervisor_a.username in html and bureau.username in html
    assert "该群众未到窗口办理，系误评。" in html and "经核查录像，属误评。" in html
    assert "Excluded from the statistics" in html


def test_a_dismissed_appeal_leaves_the_rating_standing(window_a, supervisor_a, bureau):
    rating = bad_rating(window_a)
    appeal = file_appeal(rating, supervisor_a, "恶意差评")
    decide_appeal(appeal, bureau, False, "证据不足，维持评价。")
    rating.refresh_from_db()
    appeal.refresh_from_db()
    assert rating.excluded is False and appeal.decision == AppealDecision.DISMISSED
    # Decided once.
    with pytest.raises(AppealRefused) as refusal:
        decide_appeal(appeal, bureau, True, "改判")
    assert refusal.value.code == "already_decided"


def test_only_the_supervisor_files_and_only_the_bureau_decides(
    client, window_a, staff_a, supervisor_a, bureau
):
    rating = bad_rating(window_a)
    login(client, staff_a)
    assert not client.get(rating_url(rating)).context["can_appeal"]
    assert client.post(rating_url(rating, "appeal/"), {"reason": "x"}).status_code == 403
    login(client, bureau)
    assert client.post(rating_url(rating, "appeal/"), {"reason": "x"}).status_code == 403
    assert not Appeal.objects.exists()

    file_appeal(rating, supervisor_a, "误评")
    login(client, supervisor_a)
    response = client.post(
        rating_url(rating, "appeal/decide/"), {"decision": "upheld", "notes": "x"}
    )
    assert response.status_code == 403
    assert not Rating.objects.get(pk=rating.pk).excluded


def test_one_appeal_per_rating_and_only_for_bad_ratings(english, window_a, supervisor_a):
    good = rate_case(CompletedCaseFactory(window=window_a), score=3)
    with pytest.raises(AppealRefused):
        file_appeal(good, supervisor_a, "不公平")
    login(english, supervisor_a)
    assert not english.get(rating_url(good)).context["can_appeal"]

    rating = bad_rating(window_a)
    file_appeal(rating, supervisor_a, "误评")
    response = english.post(rating_url(rating, "appeal/"), {"reason": "再次申诉"}, follow=True)
    assert "This rating has already been appealed." in response.content.decode()
    assert Appeal.objects.filter(rating=rating).count() == 1


def test_an_appeal_needs_a_reason(english, window_a, supervisor_a):
    rating = bad_rating(window_a)
    login(english, supervisor_a)
    response = english.post(rating_url(rating, "appeal/"), {"reason": "  "})
    assert "reason" in response.context["appeal_form"].errors
    assert not Appeal.objects.exists()


def test_a_supervisor_of_another_window_sees_nothing(client, window_a, window_b, bureau):
    rating = bad_rating(window_a)
    other = supervisor_of(window_b)
    login(client, other)
    assert client.get(rating_url(rating)).status_code == 404
    assert client.post(rating_url(rating, "appeal/"), {"reason": "x"}).status_code == 404


def test_the_appeal_list_puts_pending_first(client, window_a, supervisor_a, bureau):
    decided = file_appeal(bad_rating(window_a), supervisor_a, "一")
    decide_appeal(decided, bureau, False, "维持")
    pending = file_appeal(bad_rating(window_a), supervisor_a, "二")
    login(client, bureau)
    rows = list(client.get("/reviews/appeals/").context["page"].object_list)
    assert [a.pk for a in rows] == [pending.pk, decided.pk]
