"""The bureau analyst's journey on the portal served as in production (the clerk's is part of
tests/browser/test_citizen_journeys.py, between the booking and the rating): log in, read the
statistics of the year, build the annual report (the Celery worker builds it; the page follows
its progress by itself) and download it."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from reviews.constants import ReportStatus
from reviews.models import AnnualReport
from tests.browser import journeys as steps
from tests.production import DESK_SCREEN, PASSWORD, with_server_password
from tests.reviews.factories import CompletedCaseFactory
from tests.windows.factories import UserFactory
from windows.constants import BUREAU_GROUP

pytestmark = [
    pytest.mark.browser,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def analyst(site):
    user = with_server_password(UserFactory(username="analyst", is_staff=True))
    user.groups.add(Group.objects.get_or_create(name=BUREAU_GROUP)[0])
    return user


def test_the_analyst_reads_the_statistics_and_downloads_the_report(visit, analyst):
    CompletedCaseFactory()
    year = dt.date.today().year
    page = visit(language="en", screen=DESK_SCREEN)
    steps.log_in(page, analyst, PASSWORD, next_path="/bureau/stats/")
    assert steps.heading(page).startswith("Statistics")
    headline = page.get_by_role("heading", name="The year at a glance")
    expect(headline).to_be_visible()

    page.goto("/bureau/reports/")
    assert steps.heading(page) == "Annual reports"
    # The years offered are those with data (the case completed above: this year, not over).
    page.locator("main form.stack-form select").first.select_option(str(year))
    page.get_by_role("button", name="Build the report").click()
    page.wait_for_load_state()
    report = AnnualReport.objects.get()
    # The worker builds it; the page's script shows the download link when it is done.
    link = page.locator(f'a[href="/bureau/reports/{report.pk}/download/"]')
    link.wait_for(timeout=60_000)
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.endswith(f"{year}.xlsx")
