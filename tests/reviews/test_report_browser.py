"""In headless Chromium on a 360-px phone: bureau staff request a report, and a report being
built updates its card by itself (the page's script polls the API) until its download appears."""

import pytest
from playwright.sync_api import expect

from ipservice import dates
from reviews.constants import ReportStatus
from reviews.models import AnnualReport
from reviews.report_tasks import build_annual_report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def log_in(page, user):
    page.goto("/accounts/login/?next=/bureau/reports/")
    page.fill('input[name="username"]', user.username)
    page.fill('input[name="password"]', "pass-word-123")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def test_requesting_a_report_and_downloading_it(page, bureau):
    log_in(page, bureau)

    # No figures yet: the year list offers the current year only (test_report_years.py).
    year = dates.today().year
    page.select_option('select[name="year"]', str(year))
    page.locator("main form.stack-form button[type=submit]").click()
    page.wait_for_load_state()

    report = AnnualReport.objects.get()
    assert report.status == ReportStatus.DONE  # eager: built when the request committed
    link = page.locator(f'a[href="/bureau/reports/{report.pk}/download/"]')
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == f"年度报告-{year}.xlsx"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_progress_updates_without_reloading_by_hand(page, bureau):
    report = AnnualReport.objects.create(
        year=2025, requested_by=bureau, status=ReportStatus.RUNNING, progress=30
    )
    log_in(page, bureau)
    card = page.locator(f"#report-{report.pk}")
    assert card.locator("progress").get_attribute("value") == "30"

    AnnualReport.objects.filter(pk=report.pk).update(progress=70)
    # Waited for with a locator: a string for the page to evaluate would be refused by the
    # Content-Security-Policy (no 'unsafe-eval').
    expect(card.locator("[data-role=progress-text]")).to_have_text("70%", timeout=6_000)

    # The build finishes (here: taken over as if its worker had died, then built at once).
    AnnualReport.objects.filter(pk=report.pk).update(status=ReportStatus.PENDING)
    build_annual_report(report.pk)
    page.wait_for_selector(f'a[href="/bureau/reports/{report.pk}/download/"]', timeout=6_000)
    assert page.locator(f"#report-{report.pk} progress").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
