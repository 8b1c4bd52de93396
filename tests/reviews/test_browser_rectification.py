"""End to end in headless Chromium on a 360-px phone, on the portal served as in production
(`visit`, tests/conftest.py): a person rates a completed case with 1 through the link of their
invitation, and bureau staff work the rectification to its close."""

import pytest
from django.utils import timezone

from appointments.models import Case, Notice
from appointments.signals import case_completed
from reviews.constants import RectificationStatus
from reviews.models import Rating, Rectification
from reviews.services.rectifications import is_on_time
from tests.production import PASSWORD, with_server_password

from .factories import CompletedCaseFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def page(visit):
    return visit()


def submit(page, form="main form"):
    page.locator(f"{form} button[type=submit]").first.click()
    page.wait_for_load_state()


def record_step(page):
    submit(page, "form.step-form")


def test_a_person_rates_1_and_the_bureau_closes_the_rectification(page, bureau, window_a, item):
    case = CompletedCaseFactory(window=window_a, item=item)
    # As cases.complete announces it once committed; autocommit here: the invitation goes out.
    case_completed.send(sender=Case, case=case)
    body = Notice.objects.get(key=f"invite:{case.reference}").body
    link = body[body.index("/rate/") :].split()[0]

    # The person, on their phone.
    page.goto(link)
    assert page.locator("h1").count() == 1
    assert item.name in page.content()
    page.check('input[name="score"][value="1"]')
    page.check('input[name="attitude"][value="1"]')
    page.check('input[name="tags"][value="long_wait"]')
    page.fill('textarea[name="comment"]', "等了一个多小时，材料要求也没讲清楚。")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    submit(page)
    rating = Rating.objects.get(case=case)
    assert rating.score == 1 and rating.tags == ["long_wait"]
    assert 'name="score"' not in page.content()
    rect = Rectification.objects.get(rating=rating)

    # Bureau staff log in and work it through.
    with_server_password(bureau)
    page.goto("/accounts/login/?next=/reviews/rectifications/")
    page.fill('input[name="username"]', bureau.username)
    page.fill('input[name="password"]', PASSWORD)
    submit(page)
    page.locator(f'a[href="/reviews/rectifications/{rect.pk}/"]').click()
    page.wait_for_load_state()
    assert "等了一个多小时" in page.content()

    now = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    page.fill('input[name="follow_up-when"]', now)
    page.select_option('select[name="follow_up-method"]', "phone")
    page.fill('textarea[name="follow_up-notes"]', "已电话回访，群众反映等候时间长。")
    record_step(page)
    page.check('input[name="verify-substantiated"][value="yes"]')
    page.fill('textarea[name="verify-notes"]', "情况属实。")
    record_step(page)
    page.fill('textarea[name="rectify-notes"]', "增开一个窗口，更新一次性告知单。")
    record_step(page)
    page.select_option('select[name="reply-method"]', "phone")
    page.fill('textarea[name="reply-notes"]', "已告知整改情况。")
    record_step(page)

    rect.refresh_from_db()
    assert rect.status == RectificationStatus.CLOSED
    assert is_on_time(rect)
    assert page.locator(".timeline li").count() == 4
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
