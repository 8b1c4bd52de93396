import re

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.catalog.factories import CategoryFactory, ServiceItemFactory
from tests.windows.factories import DistrictFactory, ServicePointFactory, make_points
from windows.constants import Kind, Level

pytestmark = pytest.mark.django_db

DIRECTORY = "/windows/"


@pytest.fixture
def registry(db):
    """Two districts, a city window, a district window each, a park station and a closed one."""
    category = CategoryFactory()
    patent = ServiceItemFactory(
        code="patent-application",
        name="专利申请受理",
        name_en="Patent application acceptance",
        category=category,
    )
    legal = ServiceItemFactory(
        code="legal-consultation",
        name="知识产权法律咨询",
        name_en="IP legal consultation",
        category=category,
    )
    hidden = ServiceItemFactory(
        code="withdrawn", name="已停办事项", category=category, active=False
    )
    xuhui = DistrictFactory(code="310104", name="徐汇区", name_en="Xuhui")
    huangpu = DistrictFactory(code="310101", name="黄浦区", name_en="Huangpu")
    city = ServicePointFactory(
        code="city-patent",
        name="国家知识产权局专利局上海代办处窗口",
        name_en="CNIPA Patent Office Shanghai Agency Window",
        kind=Kind.ACCEPTANCE,
        level=Level.CITY,
        district=None,
        address="上海市（示例地址）",
        phone="021-0000-0001（示例）",
        hours=[
            *[(d, (9, 0), (12, 0)) for d in range(5)],
            *[(d, (13, 30), (17, 0)) for d in range(5)],
            (5, (9, 0), (12, 0)),
        ],
    )
    in_xuhui = ServicePointFactory(
        code="district-310104",
        name="徐汇区政务服务中心知识产权公共服务窗口",
        name_en="Xuhui District Government Service Center IP Public Service Window",
        district=xuhui,
        address="徐汇区漕溪北路（示例地址）",
        phone="021-0000-0104",
        counters=3,
        people_per_slot=2,
        slot_minutes=20,
        horizon_days=15,
    )
    park = ServicePointFactory(
        code="park-310104",
        name="漕河泾园区工作站",
        name_en="Caohejing park workstation",
        kind=Kind.PARK_STATION,
        level=Level.PARK,
        district=xuhui,
    )
    in_huangpu = ServicePointFactory(code="district-310101", name="黄浦区窗口", district=huangpu)
    closed = ServicePointFactory(code="closed", name="已撤销窗口", district=huangpu, active=False)
    city.items.add(patent, hidden)
    in_xuhui.items.add(legal, patent)
    in_huangpu.items.add(legal)
    closed.items.add(legal)
    return {
        "city": city,
        "xuhui": in_xuhui,
        "park": park,
        "huangpu": in_huangpu,
        "closed": closed,
        "patent": patent,
        "legal": legal,
    }


def html_of(response):
    assert response.status_code == 200
    return response.content.decode()


def section(html, district_code):
    """The HTML of one district's section of the directory."""
    start = html.index(f'id="d-{district_code}"')
    end = html.find("<section", start)
    return html[start : end if end != -1 else None]


# --- the directory ---------------------------------------------------------------------------


def test_directory_in_chinese(client, registry):
    html = html_of(client.get(DIRECTORY))
    assert '<html lang="zh-Hans"' in html
    assert "国家知识产权局专利局上海代办处窗口" in html
    assert "受理窗口" in html  # the kind
    assert "上海市（示例地址）" in html
    assert "周一至周五 09:00–12:00, 13:30–17:00；周六 09:00–12:00" in html
    assert 'href="tel:02100000001"' in html
    assert 'href="/catalog/patent-application/"' in html
    assert "已停办事项" not in html  # an unpublished item is not offered
    assert "已撤销窗口" not in html  # nor is a closed window shown


def test_city_level_first_then_a_section_per_district(client, registry):
    html = html_of(client.get(DIRECTORY))
    city_at = html.index("国家知识产权局专利局上海代办处窗口")
    huangpu_at, xuhui_at = html.index('id="d-310101"'), html.index('id="d-310104"')
    assert city_at < huangpu_at < xuhui_at
    xuhui = section(html, "310104")
    assert re.search(r"<h2[^>]*>徐汇区</h2>", xuhui)
    assert "徐汇区政务服务中心知识产权公共服务窗口" in xuhui and "漕河泾园区工作站" in xuhui
    assert xuhui.index("徐汇区政务服务中心") < xuhui.index("漕河泾园区工作站")
    assert 'href="/catalog/legal-consultation/"' in xuhui
    assert 'href="tel:02100000104"' in xuhui
    assert "黄浦区窗口" in section(html, "310101")


def test_directory_in_english(english, registry):
    html = html_of(english.get(DIRECTORY))
    assert '<html lang="en"' in html
    assert "CNIPA Patent Office Shanghai Agency Window" in html
    assert "Mon–Fri 09:00–12:00, 13:30–17:00; Sat 09:00–12:00" in html
    assert re.search(r"<h2[^>]*>Xuhui</h2>", html)
    assert "Acceptance window" in html
    assert "IP legal consultation" in html


def test_filter_form_has_labels(client, registry):
    html = html_of(client.get(DIRECTORY))
    assert 'method="get"' in html
    for name in ("district", "item"):
        assert f'<label for="id_{name}">' in html


def test_filter_by_district(client, registry):
    html = html_of(client.get(DIRECTORY, {"district": "310101"}))
    assert "黄浦区窗口" in html
    assert "徐汇区政务服务中心" not in html
    assert "国家知识产权局专利局上海代办处窗口" not in html


def test_filter_by_item(client, registry):
    html = html_of(client.get(DIRECTORY, {"item": "patent-application"}))
    assert "国家知识产权局专利局上海代办处窗口" in html
    assert "徐汇区政务服务中心知识产权公共服务窗口" in html
    assert "黄浦区窗口" not in html
    assert "没有提供该服务的窗口" in section(html, "310101")


@pytest.mark.parametrize(
    "params,message",
    [
        ({"district": "999999"}, "没有代码为 999999 的区"),
        ({"item": "no-such-item"}, "没有代码为 no-such-item 的服务"),
        ({"item": "withdrawn"}, "没有代码为 withdrawn 的服务"),
    ],
)
def test_unknown_filter_values_give_a_message(client, registry, params, message):
    html = html_of(client.get(DIRECTORY, params))
    assert message in html
    assert 'role="alert"' in html
    assert "黄浦区窗口" in html  # the whole directory is still shown


def test_directory_refuses_post(client):
    assert client.post(DIRECTORY).status_code == 405


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries.captured_queries)


@pytest.mark.parametrize("url", [DIRECTORY, DIRECTORY + "?district=310104&item=legal-consultation"])
def test_directory_queries_do_not_grow_with_the_windows(client, registry, url):
    few = count_queries(client, url)
    make_points(25, registry["xuhui"].district, items=[registry["legal"], registry["patent"]])
    make_points(5, DistrictFactory(code="310115", name="浦东新区"), items=[registry["legal"]])
    # Filter choices (districts, items), the sections' districts, the points with their
    # district, their periods, their items; a filter adds one lookup per chosen value.
    assert count_queries(client, url) == few
    assert few <= 8


# --- one window -------------------------------------------------------------------------------


def test_detail_shows_every_fact(client, registry):
    point = registry["xuhui"]
    html = html_of(client.get(reverse("windows:detail", args=[point.pk])))
    assert "<h1>徐汇区政务服务中心知识产权公共服务窗口</h1>" in html
    assert "综合窗口" in html and "区级" in html
    assert "徐汇区漕溪北路（示例地址）" in html
    assert 'href="tel:02100000104"' in html
    assert 'href="/windows/?district=310104"' in html
    # Capacity: 3 counters × 2 people, 20-minute slots, 15 working days ahead.
    for fact in ("<dd>3</dd>", "<dd>2</dd>", "<dd>6</dd>", "20 分钟", "15 个工作日"):
        assert fact in html
    assert 'href="/catalog/legal-consultation/"' in html
    assert 'href="/catalog/patent-application/"' in html


def test_detail_has_a_table_of_hours_per_weekday(client, registry):
    html = html_of(client.get(reverse("windows:detail", args=[registry["city"].pk])))
    rows = re.findall(r'<tr><th scope="row">(.*?)</th><td>(.*?)</td></tr>', html)
    assert rows == [
        ("星期一", "09:00–12:00, 13:30–17:00"),
        ("星期二", "09:00–12:00, 13:30–17:00"),
        ("星期三", "09:00–12:00, 13:30–17:00"),
        ("星期四", "09:00–12:00, 13:30–17:00"),
        ("星期五", "09:00–12:00, 13:30–17:00"),
        ("星期六", "09:00–12:00"),
        ("星期日", "休息"),
    ]
    assert "市级" in html


def test_detail_in_english(english, registry):
    html = html_of(english.get(reverse("windows:detail", args=[registry["xuhui"].pk])))
    assert "Xuhui District Government Service Center IP Public Service Window" in html
    assert '<th scope="row">Sunday</th><td>Closed</td>' in html
    assert "20 minutes" in html and "15 working days" in html
    assert "IP legal consultation" in html


@pytest.mark.parametrize("pk", [0, 999999, 99999999999999999999])
def test_unknown_window_is_404(client, registry, pk):
    assert client.get(f"/windows/{pk}/").status_code == 404


def test_inactive_window_is_404(client, registry):
    assert client.get(reverse("windows:detail", args=[registry["closed"].pk])).status_code == 404


def test_detail_queries_do_not_grow_with_the_items(client, registry):
    url = reverse("windows:detail", args=[registry["xuhui"].pk])
    client.get(url)  # warm: the calendar, and the days the next free slot is looked for in
    few = count_queries(client, url)
    registry["xuhui"].items.add(*ServiceItemFactory.create_batch(10))
    assert count_queries(client, url) == few


# --- the network page -------------------------------------------------------------------------


def test_network_page_in_both_languages(client, registry):
    assert "2025 年目标" in html_of(Client().get("/windows/network/"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "2025 targets" in html_of(client.get("/windows/network/"))
