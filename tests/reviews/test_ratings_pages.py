"""The person's rating page, staff entry for the pad or the hotline, and the invitation."""

import pytest
from django.db import transaction
from django.utils import timezone

from appointments import cases
from appointments.constants import Status
from appointments.models import Notice
from appointments.services import booking_token
from reviews.constants import RatingChannel
from reviews.exceptions import RatingRefused
from reviews.models import Rating, Rectification
from reviews.receivers import invite_rating
from reviews.services.ratings import RATING_TAGS, rate
from tests.appointments.factories import CaseFactory

from .factories import CompletedCaseFactory, open_rating_page, rate_case, rate_url
from .feedback_fixtures import *  # noqa: F403
from .feedback_fixtures import login

pytestmark = pytest.mark.django_db

GOOD = {"score": "5", "efficiency": "5", "competence": "4", "attitude": "5", "tags": ["quick"]}


def test_rating_page_shows_the_case_in_chinese(client, completed_a):
    response = client.get(rate_url(completed_a), follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="zh-Hans"' in html
    assert completed_a.item.name in html
    assert completed_a.window.name in html
    assert (
        completed_a.completed_at.astimezone(timezone.get_default_timezone()).strftime("%Y-%m-%d")
        in html
    )
    # Five levels, the three in-person questions, the tags, a comment box; all labelled.
    assert html.count('name="score"') == 5
    for name in ("efficiency", "competence", "attitude"):
        assert html.count(f'name="{name}"') == 5
    assert html.count('name="tags"') == len(RATING_TAGS)
    assert 'name="comment"' in html
    assert "<legend>" in html
    assert "noindex" in html


def test_the_person_rates_once(client, english, completed_a, staff_a):
    url = open_rating_page(client, completed_a)
    response = client.post(url, {**GOOD, "comment": "指引清楚，谢谢"})
    assert response.status_code == 302 and response.url == url
    rating = Rating.objects.get(case=completed_a)
    assert (rating.score, rating.efficiency, rating.competence, rating.attitude) == (5, 5, 4, 5)
    assert rating.tags == ["quick"] and rating.comment == "指引清楚，谢谢"
    assert rating.channel == RatingChannel.LINK and rating.entered_by is None
    # The rating belongs to the case, its item, its window and the staff member who handled it.
    assert (rating.window, rating.item, rating.staff) == (
        completed_a.window,
        completed_a.item,
        staff_a,
    )
    assert not Rectification.objects.exists()

    # A second attempt is refused politely and shows what was given.
    open_rating_page(english, completed_a)
    again = english.post(url, {"score": "1"})
    assert again.status_code == 200
    html = again.content.decode()
    assert "You have already rated this service. Thank you." in html
    assert "Very satisfied" in html and "Quick service" in html and "指引清楚，谢谢" in html
    assert Rating.objects.get(case=completed_a).score == 5
    assert not Rectification.objects.exists()


def test_the_thank_you_page_after_rating(english, completed_a):
    url = open_rating_page(english, completed_a)
    response = english.post(url, {"score": "4"}, follow=True)
    html = response.content.decode()
    assert "Thank you for your rating." in html
    assert "Satisfied" in html
    assert 'name="score"' not in html
    assert "What happens next" in html and "Nothing more is needed from you." in html


def test_after_a_bad_rating_the_page_says_when_the_window_follows_up(
    english, completed_a, settings
):
    url = open_rating_page(english, completed_a)
    html = english.post(url, {"score": "1"}, follow=True).content.decode()
    rect = Rectification.objects.get()
    # The figure and the dates come from the rectification rule ("1、5、15"), not the page.
    assert f"within {settings.RECTIFICATION_CONTACT_DAYS} working day " in html
    assert f"(by {rect.contact_due:%Y-%m-%d})" in html
    assert f"(by {rect.reply_due:%Y-%m-%d})" in html


@pytest.mark.parametrize(
    "data, field",
    [
        ({}, "score"),
        ({"score": "6"}, "score"),
        ({"score": "0"}, "score"),
        ({"score": "five"}, "score"),
        ({"score": "5", "attitude": "9"}, "attitude"),
        ({"score": "5", "tags": ["bribe"]}, "tags"),
        ({"score": "5", "comment": "长" * 1001}, "comment"),
    ],
)
def test_bad_input_is_refused_with_a_message(english, completed_a, data, field):
    response = english.post(open_rating_page(english, completed_a), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Rating.objects.exists()


def test_wrong_token_and_unknown_reference_are_404(client, completed_a):
    assert client.get(rate_url(completed_a, token="0" * 32)).status_code == 404
    assert client.post(rate_url(completed_a, token="0" * 32), GOOD).status_code == 404
    assert client.get(f"/rate/{completed_a.reference}/").status_code == 404
    assert client.post(f"/rate/{completed_a.reference}/", GOOD).status_code == 404
    assert client.get("/rate/NOSUCHCASE/?token=" + "0" * 32).status_code == 404
    assert not Rating.objects.exists()


def test_a_case_not_completed_cannot_be_rated_yet(english, window_a, item):
    case = CaseFactory(window=window_a, item=item, status=Status.ACCEPTED)
    response = english.get(rate_url(case), follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Rating is not open yet" in html
    assert 'name="score"' not in html
    english.post(f"/rate/{case.reference}/", GOOD)
    assert not Rating.objects.exists()


def test_a_rejected_case_is_never_rated(english, window_a, item):
    case = CaseFactory(window=window_a, item=item, status=Status.REJECTED)
    html = english.get(rate_url(case), follow=True).content.decode()
    assert "This case cannot be rated" in html


def test_the_person_may_type_the_token_in_capitals(client, completed_a):
    token = booking_token(completed_a).upper()
    opened = client.get(f"/rate/{completed_a.reference.lower()}/?token={token}")
    # To the case's own address, where the cookie (path included) applies.
    assert opened.status_code == 303 and opened.url == f"/rate/{completed_a.reference}/"
    response = client.post(opened.url, GOOD)
    assert response.status_code == 302
    assert Rating.objects.filter(case=completed_a).exists()


# --- staff entry --------------------------------------------------------------------------------


def staff_rate_url(case):
    return f"/reviews/cases/{case.pk}/rate/"


def test_staff_enter_a_hotline_rating_with_the_persons_code(client, completed_a, staff_a):
    login(client, staff_a)
    response = client.get(staff_rate_url(completed_a))
    assert response.status_code == 200
    token = booking_token(completed_a)
    # Read out over the phone in groups of four.
    spaced = " ".join(token[i : i + 4] for i in range(0, 32, 4))
    response = client.post(
        staff_rate_url(completed_a), {"channel": "hotline", "token": spaced, "score": "2"}
    )
    rating = Rating.objects.get(case=completed_a)
    assert response.status_code == 302
    assert response.url == f"/reviews/ratings/{rating.pk}/"
    assert rating.channel == RatingChannel.HOTLINE and rating.entered_by == staff_a
    assert rating.score == 2 and rating.rectification


def test_staff_cannot_rate_without_the_persons_code(english, completed_a, staff_a):
    login(english, staff_a)
    url = staff_rate_url(completed_a)
    response = english.post(url, {"channel": "pad", "score": "5"})
    assert "token" in response.context["form"].errors
    response = english.post(url, {"channel": "pad", "token": "f" * 32, "score": "5"})
    assert response.context["form"].errors["token"] == ["This code does not match the case."]
    response = english.post(url, {"channel": "link", "token": booking_token(completed_a)})
    assert "channel" in response.context["form"].errors
    assert not Rating.objects.exists()


def test_staff_pad_rating_once(client, completed_a, staff_a):
    rate_case(completed_a, score=5)
    login(client, staff_a)
    response = client.get(staff_rate_url(completed_a))
    assert response.status_code == 302
    assert Rating.objects.count() == 1


def test_staff_rate_page_for_a_case_not_completed(client, window_a, item, staff_a):
    case = CaseFactory(window=window_a, item=item, status=Status.ACCEPTED)
    login(client, staff_a)
    response = client.post(
        staff_rate_url(case), {"channel": "pad", "token": booking_token(case), "score": "5"}
    )
    assert response.status_code == 200 and not response.context["completed"]
    assert not Rating.objects.exists()


def test_staff_rate_page_access(client, completed_a, staff_b, bureau):
    url = staff_rate_url(completed_a)
    assert client.get(url).status_code == 302  # anonymous: to the login page
    login(client, staff_b)
    assert client.get(url).status_code == 404  # another window's case
    login(client, bureau)
    assert client.get(url).status_code == 403  # the bureau reads cases but does not handle them


def test_the_service_refuses_staff_ratings_on_the_link_channel(completed_a, staff_a):
    with pytest.raises(RatingRefused) as refusal:
        rate(
            completed_a,
            token=booking_token(completed_a),
            score=5,
            channel=RatingChannel.LINK,
            entered_by=staff_a,
        )
    assert refusal.value.code == "wrong_channel"
    with pytest.raises(RatingRefused):
        rate(completed_a, token=booking_token(completed_a), score=5, channel="pad")


# --- the invitation -----------------------------------------------------------------------------


def test_completing_a_case_invites_the_person_once(
    client, django_capture_on_commit_callbacks, window_a, item, staff_a
):
    case = CaseFactory(window=window_a, item=item, status=Status.ACCEPTED, handled_by=staff_a)
    with django_capture_on_commit_callbacks(execute=True):
        cases.complete(case, staff_a)
    notice = Notice.objects.get(key=f"invite:{case.reference}")
    assert notice.recipient == case.phone
    link = f"/rate/{case.reference}/?token={booking_token(case)}"
    assert link in notice.body
    assert case.item.name in notice.body
    # The link in the notice opens the rating page.
    path = notice.body[notice.body.index("/rate/") :].split()[0]
    assert client.get(path, follow=True).status_code == 200
    # Running again (a redelivered task) sends nothing more.
    invite_rating(case.pk)
    assert Notice.objects.filter(key__startswith="invite:").count() == 1


def test_completing_at_the_window_sends_the_invitation(
    django_capture_on_commit_callbacks, window_a, item, staff_a
):
    case = CaseFactory(window=window_a, item=item, status=Status.ACCEPTED, handled_by=staff_a)
    with django_capture_on_commit_callbacks(execute=True):
        cases.complete(case, staff_a)
    notice = Notice.objects.get(key=f"invite:{case.reference}")
    assert booking_token(case) in notice.body


def test_no_invitation_for_a_case_rated_or_not_completed(window_a, item):
    rated = CompletedCaseFactory(window=window_a, item=item)
    rate_case(rated, score=5)
    invite_rating(rated.pk)
    open_case = CaseFactory(window=window_a, item=item, status=Status.ACCEPTED)
    invite_rating(open_case.pk)
    invite_rating(999999)
    assert not Notice.objects.filter(key__startswith="invite:").exists()


def test_a_rolled_back_completion_invites_nobody(
    django_capture_on_commit_callbacks, window_a, item, staff_a
):
    case = CaseFactory(window=window_a, item=item, status=Status.ACCEPTED, handled_by=staff_a)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            cases.complete(case, staff_a)
            raise RuntimeError("the request failed after the completion")
    assert callbacks == []
    assert not Notice.objects.filter(key__startswith="invite:").exists()
