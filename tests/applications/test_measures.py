"""The measures of online applications in /api/v1/stats/ (issue 14): applications, average
pre-review hours, correction rate, accepted-first-time rate and the 零跑腿 share, counted by
the database, by window, item and month as every other figure."""

import datetime as dt
import zoneinfo

import pytest

from applications import files, services
from reviews.stats import compute_stats
from reviews.stats_breakdowns import stats_by

from .conftest import jpg, pdf, person

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def submit(item, window, materials, **changes):
    clean = {materials[0]: files.check(pdf()), materials[1]: files.check(jpg())}
    return services.submit(item=item, window=window, person=person(), files=clean, **changes)


@pytest.fixture
def year(time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI), tick=False)
    return 2026


def test_the_measures(item, window_a, window_b, materials, staff_a, staff_b, year, time_machine):
    # 1: accepted at once after 2 hours, result by post, delivered: zero visit.
    first = submit(item, window_a, materials, delivery="post", address="上海市某路1号")
    time_machine.shift(dt.timedelta(hours=2))
    first = services.accept(first, staff_a)
    first = services.ship(first, staff_a, "EMS", "EA1")
    services.complete(first, staff_a)
    # 2: returned after 4 hours, corrected, accepted 2 hours later; picked up at the window.
    second = submit(item, window_a, materials)
    time_machine.shift(dt.timedelta(hours=4))
    second = services.return_for_correction(second, staff_a, {materials[0].pk: "缺页"})
    time_machine.shift(dt.timedelta(hours=20))
    second = services.resubmit(second, {materials[0]: files.check(pdf())})
    time_machine.shift(dt.timedelta(hours=2))
    second = services.accept(second, staff_a)
    services.complete(second, staff_a)
    # 3: rejected after 6 hours at another window; 4: still waiting.
    third = submit(item, window_b, materials)
    time_machine.shift(dt.timedelta(hours=6))
    services.reject(third, staff_b, "不符合")
    submit(item, window_b, materials)

    stats = compute_stats(year)
    assert stats["applications"] == 4
    # Decided: 2 h, 4 + 2 h, 6 h over three applications.
    assert stats["avg_prereview_hours"] == round((2 + 6 + 6) / 3, 2)
    assert stats["correction_rate"] == round(1 / 3, 4)
    assert stats["first_pass_rate"] == 0.5
    assert stats["completed"] == 2 and stats["zero_visit"] == 1
    assert stats["zero_visit_rate"] == 0.5

    by_window = {row["key"]: row for row in stats_by(year, "window")}
    assert by_window[window_a.pk]["applications"] == 2
    assert by_window[window_b.pk]["applications"] == 2
    assert by_window[window_b.pk]["first_pass_rate"] is None
    march = stats_by(year, "month")[2]
    assert march["applications"] == 4 and march["zero_visit"] == 1
    by_item = stats_by(year, "item")
    assert [row["applications"] for row in by_item] == [4]


def test_nothing_to_divide_gives_null(db, year):
    stats = compute_stats(year)
    assert stats["applications"] == 0
    assert stats["avg_prereview_hours"] is None and stats["zero_visit_rate"] is None


def test_the_stats_api_has_the_keys(api, bureau, year):
    api.force_authenticate(bureau)
    body = api.get(f"/api/v1/stats/?year={year}").json()
    for key in (
        "applications",
        "avg_prereview_hours",
        "correction_rate",
        "first_pass_rate",
        "zero_visit_rate",
    ):
        assert key in body


def test_the_dashboard_shows_them(client, bureau, year):
    client.force_login(bureau)
    page = client.get(f"/bureau/stats/?year={year}", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "applications" in page.content.decode() or "网上申请" in page.content.decode()
