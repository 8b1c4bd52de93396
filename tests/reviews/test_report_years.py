"""Which year the reports page offers first, and how a report of a year not over says so
(issue 11: the page defaulted to last year even in December)."""

import datetime as dt
import re

import pytest
import time_machine
from rest_framework.authtoken.models import Token

from reviews.constants import ReportStatus
from reviews.models import AnnualReport
from reviews.views.report import default_year, report_years

from .stats_factories import at, make_case

pytestmark = [pytest.mark.django_db]

LIST = "/bureau/reports/"


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def on(day):
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, 2, tzinfo=dt.UTC))


@pytest.mark.parametrize(
    ("today", "with_data", "expected"),
    [
        (dt.date(2026, 12, 3), {2025, 2026}, 2026),  # December: this year, not last
        (dt.date(2026, 2, 10), {2025, 2026}, 2025),  # the first quarter: the year just ended
        (dt.date(2026, 2, 10), {2026}, 2026),  # ... unless it has no figures
        (dt.date(2026, 5, 1), {2024, 2025}, 2025),  # nothing yet this year: the latest year
        (dt.date(2026, 5, 1), set(), 2026),
    ],
)
def test_default_year(today, with_data, expected):
    with on(today):
        assert default_year(with_data) == expected


def test_the_years_offered_are_those_with_figures_and_this_year():
    with on(dt.date(2026, 12, 3)):
        assert report_years({2024, 2025, 2027}) == [2026, 2025, 2024]


def _selected(html):
    return re.search(r'<option value="(\d+)" selected>', html).group(1)


def test_in_december_the_page_offers_this_year(client, bureau, window_a, item):
    make_case(window_a, item, created=at(2025, 6, 1))
    make_case(window_a, item, created=at(2026, 6, 1))
    client.force_login(bureau)

    with on(dt.date(2026, 12, 3)):
        html = client.get(LIST).content.decode()

    assert _selected(html) == "2026"
    assert re.findall(r'<option value="(\d+)"', html) == ["2026", "2025"]
    assert "当年的报告只统计截至生成之日的数据" in html


def test_a_report_of_a_year_not_over_says_so(client, api, bureau):
    with on(dt.date(2026, 12, 3)):
        partial = AnnualReport.objects.create(
            year=2026, requested_by=bureau, status=ReportStatus.FAILED, error="x"
        )
        whole = AnnualReport.objects.create(
            year=2025, requested_by=bureau, status=ReportStatus.FAILED, error="x"
        )
        client.force_login(bureau)
        html = client.get(LIST).content.decode()
        api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=bureau).key}")
        partial_body = api.get(f"/api/v1/reports/{partial.pk}/").json()
        whole_body = api.get(f"/api/v1/reports/{whole.pk}/").json()

    card = re.search(rf'<li class="card" id="report-{partial.pk}".*?</li>', html, re.S).group(0)
    assert "2026年尚未结束" in card and "仅覆盖1月1日至2026-12-03" in card
    other = re.search(rf'<li class="card" id="report-{whole.pk}".*?</li>', html, re.S).group(0)
    assert "尚未结束" not in other
    assert partial_body["partial_until"] == "2026-12-03"
    assert whole_body["partial_until"] is None
