"""Rectification (整改) of bad ratings: due dates on the working-day calendar, the four steps
through the pages, the rule that only a reply closes it, and overdue."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from appointments import deadlines
from appointments.workdays import add_working_days
from ipservice import dates
from reviews.constants import RectificationStatus, StepKind
from reviews.exceptions import StepRefused
from reviews.models import Rating, Rectification, Step
from reviews.services import ratings
from reviews.services.rectifications import (
    add_note,
    follow_up,
    is_on_time,
    next_step,
    rectification_deadline,
    reply,
    verify,
)

from .factories import bad_rating, rate_case
from .feedback_fixtures import *  # noqa: F403
from .feedback_fixtures import login, shanghai

pytestmark = pytest.mark.django_db

# Thursday 2026-09-24; 09-25 is the Mid-Autumn holiday, 10-01..07 National Day, 10-10 (a
# Saturday) an adjusted working day.
RATED_AT = shanghai(2026, 9, 24, 10, 0)


@pytest.fixture
def thursday():
    with time_machine.travel(RATED_AT, tick=False) as traveller:
        yield traveller


def detail(rect):
    return f"/reviews/rectifications/{rect.pk}/"


def step_url(rect, kind):
    return f"/reviews/rectifications/{rect.pk}/steps/{kind}/"


# --- opening ------------------------------------------------------------------------------------


@pytest.mark.parametrize("score", [1, 2])
def test_a_bad_rating_opens_a_rectification_with_the_1_5_15_limits(thursday, completed_a, score):
    rating = rate_case(completed_a, score=score)
    rect = rating.rectification
    assert rect.window == completed_a.window
    assert rect.status == RectificationStatus.OPEN
    assert rect.opened_on == dt.date(2026, 9, 24)
    assert rect.contact_due == dt.date(2026, 9, 28)  # 09-25 holiday, then the weekend
    assert rect.reply_due == dt.date(2026, 10, 9)  # 28, 29, 30, (National Day), 8, 9
    assert rect.rectify_due == dt.date(2026, 10, 22)  # the Saturday 10-10 is a working day
    # The same as the calendar of the appointments app says.
    assert rect.reply_due == add_working_days(dt.date(2026, 9, 24), 5)
    assert rect.rectify_due == add_working_days(dt.date(2026, 9, 24), 15)


@pytest.mark.parametrize("score", [3, 4, 5])
def test_other_ratings_open_none(completed_a, score):
    rate_case(completed_a, score=score)
    assert not Rectification.objects.exists()


def test_the_limits_are_settings(thursday, settings, completed_a):
    settings.RECTIFICATION_RECTIFY_DAYS = 10  # Taiyuan's rule
    rect = rate_case(completed_a).rectification
    assert rect.rectify_due == dt.date(2026, 10, 15)


def test_the_opening_day_is_the_shanghai_date(completed_a):
    # 23:30 in Shanghai is 15:30 UTC the same day; 00:30 in Shanghai is still the day before in UTC.
    with time_machine.travel(shanghai(2026, 9, 29, 0, 30), tick=False):
        rect = rate_case(completed_a).rectification
    assert rect.opened_on == dt.date(2026, 9, 29)
    assert rect.contact_due == dt.date(2026, 9, 30)


def test_the_rating_and_its_rectification_are_one_transaction(completed_a, monkeypatch):
    def broken(rating):
        raise RuntimeError("database went away")

    monkeypatch.setattr(ratings, "open_rectification", broken)
    with pytest.raises(RuntimeError):
        rate_case(completed_a)
    assert not Rating.objects.exists()


# --- the workflow through the pages -------------------------------------------------------------


def test_supervisor_works_a_rectification_to_the_end(
    client, english, thursday, window_a, supervisor_a
):
    rect = bad_rating(window_a).rectification
    login(client, supervisor_a)
    page = client.get(detail(rect))
    assert page.status_code == 200 and page.context["next_step"] == StepKind.FOLLOW_UP
    # The supervisor calls the person back: the whole number is on the page.
    assert rect.rating.case.phone in page.content.decode()

    thursday.move_to(shanghai(2026, 9, 25, 9, 30))
    login(client, supervisor_a)  # the next working day: a new session (SESSION_COOKIE_AGE)
    response = client.post(
        step_url(rect, "follow_up"),
        {
            "follow_up-when": "2026-09-25T09:15",
            "follow_up-method": "phone",
            "follow_up-notes": "群众说等了一个小时，窗口没讲清材料。",
        },
    )
    assert response.status_code == 302
    rect.refresh_from_db()
    assert rect.status == RectificationStatus.FOLLOWED_UP
    assert rect.followed_up_at == shanghai(2026, 9, 25, 9, 15)

    response = client.post(
        step_url(rect, "verify"),
        {"verify-substantiated": "yes", "verify-is_complex": "on", "verify-notes": "情况属实。"},
    )
    assert response.status_code == 302
    rect.refresh_from_db()
    assert rect.status == RectificationStatus.VERIFIED
    assert rect.substantiated is True and rect.is_complex is True

    # Cannot close yet: the reply comes after the rectification when the complaint is true.
    response = client.post(step_url(rect, "reply"), {"reply-method": "phone", "reply-notes": "x"})
    rect.refresh_from_db()
    assert rect.status == RectificationStatus.VERIFIED and rect.closed_at is None

    thursday.move_to(shanghai(2026, 10, 12, 15, 0))
    login(client, supervisor_a)  # a new session: the first one expired after two weeks
    client.post(step_url(rect, "rectify"), {"rectify-notes": "一次性告知单已更新并培训。"})
    rect.refresh_from_db()
    assert rect.status == RectificationStatus.RECTIFIED and rect.closed_at is None

    thursday.move_to(shanghai(2026, 10, 13, 10, 0))
    login(client, supervisor_a)
    response = client.post(
        step_url(rect, "reply"),
        {"reply-method": "phone", "reply-notes": "已电话告知整改情况，群众表示满意。"},
    )
    assert response.status_code == 302
    rect.refresh_from_db()
    assert rect.status == RectificationStatus.CLOSED
    assert rect.closed_at == shanghai(2026, 10, 13, 10, 0)
    assert is_on_time(rect)

    steps = list(Step.objects.filter(rectification=rect))
    assert [s.kind for s in steps] == ["follow_up", "verify", "rectify", "reply"]
    assert {s.actor for s in steps} == {supervisor_a}
    assert steps[0].method == "phone"

    login(english, supervisor_a)
    html = english.get(detail(rect)).content.decode()
    # The timeline shows every step with who and when, and no more forms.
    assert html.count(supervisor_a.username) >= 4
    assert "2026-09-25 09:30" in html and "2026-10-13 10:00" in html
    assert "Closed on time" in html
    assert 'action="/reviews/rectifications/' not in html


def test_a_complaint_not_substantiated_goes_straight_to_the_reply(client, window_a, bureau):
    rect = bad_rating(window_a).rectification
    login(client, bureau)
    client.post(
        step_url(rect, "follow_up"),
        {
            "follow_up-when": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "follow_up-method": "sms",
            "follow_up-notes": "已联系",
        },
    )
    client.post(
        step_url(rect, "verify"),
        {"verify-substantiated": "no", "verify-notes": "查看录像，服务规范。"},
    )
    rect.refresh_from_db()
    assert next_step(rect) == StepKind.REPLY
    client.post(step_url(rect, "rectify"), {"rectify-notes": "无"})
    rect.refresh_from_db()
    assert rect.status == RectificationStatus.VERIFIED
    client.post(step_url(rect, "reply"), {"reply-method": "phone", "reply-notes": "已解释。"})
    rect.refresh_from_db()
    assert rect.status == RectificationStatus.CLOSED


def test_it_cannot_be_closed_without_a_reply(english, window_a, bureau):
    rect = bad_rating(window_a).rectification
    login(english, bureau)
    # Straight to the reply: refused, still open.
    response = english.post(
        step_url(rect, "reply"), {"reply-method": "phone", "reply-notes": "已答复"}, follow=True
    )
    assert "This step is not possible at this stage." in response.content.decode()
    rect.refresh_from_db()
    assert rect.status == RectificationStatus.OPEN and rect.closed_at is None
    # A reply without words is no reply.
    follow_up(rect, bureau, timezone.now(), "phone", "联系上了")
    verify(rect, bureau, False, "不属实")
    response = english.post(step_url(rect, "reply"), {"reply-method": "phone", "reply-notes": " "})
    assert "notes" in response.context["form"].errors
    rect.refresh_from_db()
    assert rect.closed_at is None
    with pytest.raises(ValidationError):
        reply(rect, bureau, "phone", "   ")


def test_steps_out_of_order_and_after_closing_are_refused(window_a, bureau):
    rect = bad_rating(window_a).rectification
    with pytest.raises(StepRefused):
        verify(rect, bureau, True, "属实")
    follow_up(rect, bureau, timezone.now(), "phone", "联系上了")
    with pytest.raises(StepRefused):
        follow_up(rect, bureau, timezone.now(), "phone", "again")
    verify(rect, bureau, False, "不属实")
    reply(rect, bureau, "phone", "已解释")
    with pytest.raises(StepRefused) as refusal:
        add_note(rect, bureau, "after")
    assert refusal.value.code == "closed"


def test_follow_up_time_must_be_real(english, thursday, window_a, bureau):
    rect = bad_rating(window_a).rectification
    login(english, bureau)
    response = english.post(
        step_url(rect, "follow_up"),
        {"follow_up-when": "2026-09-26T10:00", "follow_up-method": "phone", "follow_up-notes": "x"},
    )
    assert response.context["form"].errors["when"] == ["The contact cannot be in the future."]
    response = english.post(
        step_url(rect, "follow_up"),
        {"follow_up-when": "2026-09-20T10:00", "follow_up-method": "phone", "follow_up-notes": "x"},
    )
    assert response.context["form"].errors["when"] == ["The contact cannot be before the rating."]
    response = english.post(
        step_url(rect, "follow_up"),
        {
            "follow_up-when": "2026-09-24T10:00",
            "follow_up-method": "pigeon",
            "follow_up-notes": "x",
        },
    )
    assert "method" in response.context["form"].errors
    rect.refresh_from_db()
    assert rect.status == RectificationStatus.OPEN


def test_notes_are_recorded_at_any_stage(client, window_a, supervisor_a):
    rect = bad_rating(window_a).rectification
    login(client, supervisor_a)
    response = client.post(step_url(rect, "note"), {"note-notes": "电话未接通，明日再拨。"})
    assert response.status_code == 302
    step = Step.objects.get(rectification=rect)
    assert step.kind == StepKind.NOTE and step.actor == supervisor_a
    rect.refresh_from_db()
    assert rect.status == RectificationStatus.OPEN


def test_unknown_step_is_404(client, window_a, bureau):
    rect = bad_rating(window_a).rectification
    login(client, bureau)
    assert client.post(step_url(rect, "close"), {}).status_code == 404


# --- deadlines ----------------------------------------------------------------------------------


def test_overdue_and_near_due_in_the_list(client, english, window_a, bureau):
    with time_machine.travel(RATED_AT, tick=False):
        late = bad_rating(window_a).rectification
    with time_machine.travel(shanghai(2026, 10, 12, 10), tick=False):
        fresh = bad_rating(window_a).rectification
    login(english, bureau)
    # 2026-10-21: `late` is due 10-22 (one working day left), `fresh` due 11-02.
    with time_machine.travel(shanghai(2026, 10, 21, 9), tick=False):
        page = english.get("/reviews/rectifications/")
        rows = {r.pk: r for r in page.context["page"].object_list}
        assert rows[late.pk].deadline == deadlines.NEAR_DUE
        assert rows[fresh.pk].deadline == deadlines.OK
        html = page.content.decode()
        assert "Due soon" in html and "Contact late" in html and "Reply late" in html
    # 2026-10-23: past the 15 working days.
    with time_machine.travel(shanghai(2026, 10, 23, 9), tick=False):
        page = english.get("/reviews/rectifications/")
        rows = {r.pk: r for r in page.context["page"].object_list}
        assert rows[late.pk].deadline == deadlines.OVERDUE
        assert "Overdue" in page.content.decode()
        overdue = english.get("/reviews/rectifications/", {"deadline": "overdue"})
        assert [r.pk for r in overdue.context["page"].object_list] == [late.pk]
        detail_html = english.get(detail(late)).content.decode()
        assert "Overdue" in detail_html
        assert rectification_deadline(late, dates.today()) == deadlines.OVERDUE
        # Closing it late: no longer overdue, but not on time either.
        follow_up(late, bureau, timezone.now(), "phone", "联系上了")
        verify(late, bureau, False, "不属实")
        reply(late, bureau, "phone", "已解释")
        late.refresh_from_db()
        assert rectification_deadline(late, dates.today()) is None
        assert not is_on_time(late)
        overdue = english.get("/reviews/rectifications/", {"deadline": "overdue"})
        assert list(overdue.context["page"].object_list) == []


def test_list_filters(client, window_a, window_b, bureau):
    a = bad_rating(window_a).rectification
    b = bad_rating(window_b).rectification
    follow_up(b, bureau, timezone.now(), "phone", "联系上了")
    login(client, bureau)
    by_window = client.get("/reviews/rectifications/", {"window": window_a.pk})
    assert [r.pk for r in by_window.context["page"].object_list] == [a.pk]
    by_status = client.get("/reviews/rectifications/", {"status": "followed_up"})
    assert [r.pk for r in by_status.context["page"].object_list] == [b.pk]
    bad = client.get("/reviews/rectifications/", {"status": "nonsense", "window": "x"})
    assert bad.status_code == 200 and len(bad.context["page"].object_list) == 2


def test_list_query_count_does_not_grow_with_rows(client, window_a, bureau):
    bad_rating(window_a)
    login(client, bureau)
    client.get("/reviews/rectifications/")  # warm the calendar cache
    with CaptureQueriesContext(connection) as few:
        assert client.get("/reviews/rectifications/").status_code == 200
    for _ in range(6):
        bad_rating(window_a)
    with CaptureQueriesContext(connection) as many:
        client.get("/reviews/rectifications/")
    assert len(many) == len(few)
    # session, user, bureau group, filter windows, count, the page (+ calendar if not cached)
    assert len(many) <= 8
