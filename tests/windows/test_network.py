import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.windows.factories import DistrictFactory, ServicePointFactory
from windows import demo, targets
from windows.constants import Kind, Level

pytestmark = pytest.mark.django_db

NETWORK = "/windows/network/"


def point(kind, level, district=None, **kwargs):
    return ServicePointFactory(kind=kind, level=level, district=district, hours=[], **kwargs)


@pytest.fixture
def network(db):
    """A registry with a known count of each kind, to compare the page against.

    - training bases: 3 active city-level, plus a district-level one and a closed one (not counted)
    - trademark brand bases: 16 active city-level (target met)
    - information points: 2 city, 1 district, 1 park active; 1 closed
    - comprehensive windows at district level in 15 of the 16 districts; the 16th district has
      only a closed one and a park-level one, so coverage is 15 of 16
    """
    districts = [DistrictFactory(code=code, name=name) for code, name, _en in demo.DISTRICTS]
    for _ in range(3):
        point(Kind.TRAINING, Level.CITY)
    point(Kind.TRAINING, Level.DISTRICT, districts[0])
    point(Kind.TRAINING, Level.CITY, active=False)
    for _ in range(16):
        point(Kind.BRAND_BASE, Level.CITY)
    point(Kind.INFORMATION, Level.CITY)
    point(Kind.INFORMATION, Level.CITY)
    point(Kind.INFORMATION, Level.DISTRICT, districts[1])
    point(Kind.INFORMATION, Level.PARK, districts[2])
    point(Kind.INFORMATION, Level.CITY, active=False)
    for district in districts[:15]:
        point(Kind.COMPREHENSIVE, Level.DISTRICT, district)
    point(Kind.COMPREHENSIVE, Level.DISTRICT, districts[1])  # a second one counts once
    point(Kind.COMPREHENSIVE, Level.DISTRICT, districts[15], active=False)
    point(Kind.COMPREHENSIVE, Level.PARK, districts[15])
    point(Kind.COMPREHENSIVE, Level.CITY)  # city level does not cover a district
    return districts


def row(html, key):
    match = re.search(rf'<tr id="target-{key}">(.*?)</tr>', html, re.S)
    assert match, key
    cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", match[1], re.S)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in cells]


@pytest.fixture
def in_2025():
    with time_machine.travel(dt.datetime(2025, 6, 1, 10, tzinfo=dt.UTC), tick=False):
        yield


def test_targets_against_the_registry(client, network, in_2025):
    html = client.get(NETWORK).content.decode()
    assert row(html, "training_bases") == ["市级知识产权培训基地数量", "15", "3", "未达成"]
    assert row(html, "brand_bases")[1:] == ["16", "16", "已达成"]
    assert row(html, "information_points")[1:] == ["35", "4", "未达成"]
    coverage = row(html, "district_coverage")
    assert coverage[1] == "100%"
    assert coverage[2].startswith("94%") and "16 个区中的 15 个" in coverage[2]
    assert coverage[3] == "未达成"


def test_coverage_is_met_when_every_district_has_a_window(client, network, in_2025):
    point(Kind.COMPREHENSIVE, Level.DISTRICT, network[15])
    html = client.get(NETWORK).content.decode()
    assert row(html, "district_coverage")[2:] == ["100% (16 个区中的 16 个)", "已达成"]


@pytest.mark.parametrize("day", [dt.date(2026, 1, 1), dt.date(2026, 12, 3)])
def test_after_2025_the_targets_are_the_periods_final_result(client, network, day):
    """In December 2026 the 2025 targets are not "未达成" (not met yet) as if still open: the
    period is over, the page says so and compares today's registry with them."""
    with time_machine.travel(dt.datetime(day.year, day.month, day.day, 2, tzinfo=dt.UTC)):
        html = client.get(NETWORK).content.decode()

    assert "2025 年目标：规划期最终结果" in html
    assert "2021—2025 年规划期所定，该规划期已结束" in html
    assert "对照 2025 年目标" in html
    assert "未达成" not in html
    assert row(html, "training_bases")[1:] == ["15", "3", "低于目标"]
    assert row(html, "brand_bases")[1:] == ["16", "16", "已达到"]


def test_on_the_last_day_of_2025_the_targets_are_still_open(client, network):
    with time_machine.travel(dt.datetime(2025, 12, 31, 15, tzinfo=dt.UTC)):  # 23:00 in Shanghai
        html = client.get(NETWORK).content.decode()

    assert "规划期最终结果" not in html
    assert row(html, "training_bases")[1:] == ["15", "3", "未达成"]


def test_the_period_in_english(client, network, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with time_machine.travel(dt.datetime(2026, 12, 3, 2, tzinfo=dt.UTC)):
        html = client.get(NETWORK).content.decode()

    assert "2025 targets: final result of the planning period" in html
    assert row(html, "brand_bases")[3] == "Reached"


def test_the_period_of_a_day():
    assert targets.period_for(dt.date(2024, 5, 1)).last_year == 2025
    assert targets.period_for(dt.date(2027, 5, 1)).last_year == 2025  # no later one is known
    assert not targets.PERIODS[0].is_over(dt.date(2025, 12, 31))
    assert targets.PERIODS[0].is_over(dt.date(2026, 1, 1))


def test_counts_per_kind_and_level(client, network):
    html = client.get(NETWORK).content.decode()
    counts = dict(re.findall(r'<tr><th scope="row">([^<]+)</th><td>(\d+)</td></tr>', html))
    # Active only: 4 training, 16 brand bases, 4 information points, 18 comprehensive.
    assert counts["培训基地"] == "4"
    assert counts["商标品牌基地"] == "16"
    assert counts["信息服务网点"] == "4"
    assert counts["综合窗口"] == "18"
    assert counts["园区工作站"] == "0"
    assert counts["市级"] == str(3 + 16 + 2 + 1)
    assert counts["区级"] == str(1 + 1 + 16)
    assert counts["园区级"] == "2"


def test_measure_computes_every_target_from_the_registry(network):
    progress = {p.key: p for p in targets.measure()}
    assert (progress["training_bases"].actual, progress["training_bases"].met) == (3, False)
    assert (progress["brand_bases"].actual, progress["brand_bases"].met) == (16, True)
    assert progress["information_points"].actual == 4
    coverage = progress["district_coverage"]
    assert (coverage.covered, coverage.actual, coverage.met) == (15, 94, False)


def test_targets_are_the_2025_reference_figures():
    figures = {
        t.key: getattr(t, "target", None) or getattr(t, "target_percent", None)
        for t in targets.TARGETS_2025
    }
    assert figures == {
        "training_bases": 15,
        "brand_bases": 16,
        "information_points": 35,
        "district_coverage": 100,
    }


def test_network_queries_do_not_grow_with_the_registry(client, network):
    def count():
        with CaptureQueriesContext(connection) as queries:
            client.get(NETWORK)
        return len(queries.captured_queries)

    few = count()
    for _ in range(20):
        point(Kind.INFORMATION, Level.DISTRICT, network[3])
    # Counts per kind, per level, the count targets in one aggregate, the coverage.
    assert count() == few == 4
