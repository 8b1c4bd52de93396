import re

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.catalog.factories import CategoryFactory, ServiceItemFactory, make_items
from tests.windows.factories import ServicePointFactory

pytestmark = pytest.mark.django_db

LIST_URL = "/catalog/"


def cards(response):
    return response.content.decode().count('<li class="card">')


# --- the catalog page ------------------------------------------------------------------------


def test_catalog_is_chinese_by_default(client, pledge):
    response = client.get(LIST_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "知识产权质押登记" in html
    assert "运用服务" in html
    assert "7 个工作日" in html and "3 个工作日" in html
    assert "绿色通道" in html
    assert "窗口办理" in html and "网上办理" in html
    assert 'href="/catalog/ip-pledge/"' in html
    assert "共找到 1 项服务" in html


def test_catalog_in_english_with_the_language_cookie(english, pledge):
    html = english.get(LIST_URL).content.decode()
    assert "IP pledge registration" in html
    assert "Utilization services" in html
    assert "7 working days" in html and "3 working days" in html
    assert "Green channel" in html
    assert "1 service found" in html


def test_limits_not_set_are_said_so(item):
    item.legal_limit_days = item.promised_limit_days = None
    item.save()
    chinese, english = Client(), Client()
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "未设定" in chinese.get(LIST_URL).content.decode()
    assert "not set" in english.get(LIST_URL).content.decode()


def test_filter_form_has_labelled_fields(client, pledge):
    html = client.get(LIST_URL).content.decode()
    assert 'method="get"' in html
    for name in ("q", "category", "ip_type", "district"):
        assert f'<label for="id_{name}">' in html
        assert f'name="{name}"' in html


def test_search_zhiya_finds_the_pledge_registration(client, pledge, item):
    response = client.get(LIST_URL, {"q": "质押"})
    assert [i.code for i in response.context["items"]] == ["ip-pledge"]
    assert "知识产权质押登记" in response.content.decode()


def test_search_with_a_space_finds_items_having_both_words(client, pledge, item):
    response = client.get(LIST_URL, {"q": "质押 登记"})
    assert [i.code for i in response.context["items"]] == ["ip-pledge"]
    assert list(client.get(LIST_URL, {"q": "质押 商标"}).context["items"]) == []


def test_only_published_items_are_listed(client, pledge, item):
    item.active = False
    item.save()
    assert [i.code for i in client.get(LIST_URL).context["items"]] == ["ip-pledge"]


def test_filter_by_category(client, pledge, item):
    response = client.get(LIST_URL, {"category": "use"})
    assert [i.code for i in response.context["items"]] == ["ip-pledge"]
    response = client.get(LIST_URL, {"category": item.category.code})
    assert [i.code for i in response.context["items"]] == [item.code]


def test_filter_by_ip_type(client, pledge, item):
    response = client.get(LIST_URL, {"ip_type": "patent"})
    assert [i.code for i in response.context["items"]] == [item.code]


def test_filter_by_district(client, pledge, pledge_windows, item):
    xuhui_only = ServiceItemFactory(category=item.category)
    pledge_windows["xuhui"].items.add(xuhui_only)
    response = client.get(LIST_URL, {"district": "310104"})
    assert [i.code for i in response.context["items"]] == [xuhui_only.code, "ip-pledge"]
    response = client.get(LIST_URL, {"district": "310101"})
    assert [i.code for i in response.context["items"]] == ["ip-pledge"]


def test_item_offered_only_by_an_inactive_window_is_not_in_its_district(
    client, pledge, pledge_windows, item
):
    pledge_windows["closed"].items.add(item)
    codes = [i.code for i in client.get(LIST_URL, {"district": "310104"}).context["items"]]
    assert item.code not in codes


def test_filters_combine(client, pledge, pledge_windows):
    response = client.get(LIST_URL, {"q": "质押", "category": "use", "district": "310104"})
    assert [i.code for i in response.context["items"]] == ["ip-pledge"]
    response = client.get(LIST_URL, {"q": "质押", "ip_type": "patent"})
    assert response.context["items"] == []


def test_empty_state(client, pledge):
    response = client.get(LIST_URL, {"q": "不存在的事项"})
    html = response.content.decode()
    assert response.status_code == 200
    assert cards(response) == 0
    assert "没有找到符合条件的服务事项" in html
    assert "共找到 0 项服务" in html


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"category": "nope"}, "没有代码为“nope”的分类"),
        ({"ip_type": "spaceship"}, "没有“spaceship”这一知识产权类型"),
        ({"district": "999999"}, "没有代码为“999999”的区"),
    ],
)
def test_unknown_filter_values_show_a_message(client, pledge, params, message):
    response = client.get(LIST_URL, params)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert 'role="alert"' in html
    # The bad filter is left out, not the whole search.
    assert cards(response) == 1


def test_unknown_filter_value_in_english(english, pledge):
    html = english.get(LIST_URL, {"category": "nope"}).content.decode()
    assert "There is no category with the code “nope”." in html


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response


def test_catalog_page_query_count_does_not_grow_with_items(client, district):
    category = CategoryFactory()
    items = make_items(10, category)
    window = ServicePointFactory(district=district)
    window.items.add(*items)
    # Queries: categories and districts (filter choices), items with their category.
    few, response = _count_queries(client, LIST_URL)
    assert cards(response) == 10
    window.items.add(*make_items(190, category, start=10))
    many, response = _count_queries(client, LIST_URL)
    assert cards(response) == 200
    assert few == many == 3
    with_district, _ = _count_queries(client, f"{LIST_URL}?district={district.code}&q=批量")
    assert with_district == 3


# --- the item page ---------------------------------------------------------------------------


def test_item_page_shows_the_guide_and_facts(client, pledge, pledge_windows):
    response = client.get("/catalog/ip-pledge/")
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "<h1>知识产权质押登记</h1>",
        "办理知识产权质押登记的指南。",
        "7 个工作日",
        "3 个工作日",
        "不收费",
        "tel:021-11112222",
        "绿色通道",
        "窗口办理、网上办理",
    ):
        assert text in html


def test_item_page_materials_table(client, pledge):
    html = client.get("/catalog/ip-pledge/").content.decode()
    assert '<th scope="col">容缺受理</th>' in html
    rows = re.findall(r"<tr>\s*<th scope=\"row\">(.*?)</tr>", html, re.S)
    assert len(rows) == 3
    assert "质押登记申请表" in rows[0] and "原件" in rows[0] and "必需" in rows[0]
    assert "主合同复印件" in rows[1] and "复印件" in rows[1] and ">2<" in rows[1]
    assert "可容缺" in rows[1] and "加盖公章" in rows[1]
    assert "委托书" in rows[2] and "示例" in rows[2] and "非必需" in rows[2]
    assert "标注“示例”的材料" in html


def test_item_page_lists_active_windows_by_district_city_first(client, pledge, pledge_windows):
    html = client.get("/catalog/ip-pledge/").content.decode()
    section = html[html.index('id="windows-heading"') :]
    headings = re.findall(r"<h3>(.*?)</h3>", section)
    assert headings == ["市级窗口", "黄浦区", "徐汇区"]
    assert "上海市徐汇区漕溪北路1号" in section
    assert "021-12345678" in section
    assert "已撤销窗口" not in html


def test_item_page_links_each_window_to_its_page(client, pledge, pledge_windows):
    url = reverse("windows:detail", args=[pledge_windows["xuhui"].pk])
    assert f'href="{url}"' in client.get("/catalog/ip-pledge/").content.decode()


def test_item_page_in_english(english, pledge, pledge_windows):
    html = english.get("/catalog/ip-pledge/").content.decode()
    assert "<h1>IP pledge registration</h1>" in html
    assert "知识产权质押登记" in html  # the official name stays visible
    assert "Copy of the main contract" in html
    assert "City-level windows" in html
    assert "Xuhui" in html
    assert "At the window, Online" in html


def test_item_page_links_to_the_checklist(client, pledge):
    html = client.get("/catalog/ip-pledge/").content.decode()
    assert 'href="/catalog/ip-pledge/checklist/"' in html


def test_item_page_without_materials_or_windows(client, item):
    html = client.get(item.get_absolute_url()).content.decode()
    assert "尚未公布材料清单" in html
    assert "目前没有窗口现场办理该事项" in html


def test_item_page_query_count_is_fixed(client, pledge, pledge_windows, django_assert_num_queries):
    # Item with category, its materials, its active windows with their district.
    with django_assert_num_queries(3):
        client.get("/catalog/ip-pledge/")


@pytest.mark.parametrize("path", ["/catalog/no-such-item/", "/catalog/no-such-item/checklist/"])
def test_unknown_code_is_404(client, pledge, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


@pytest.mark.parametrize("suffix", ["", "checklist/"])
def test_inactive_item_is_404(client, pledge, suffix):
    pledge.active = False
    pledge.save()
    assert client.get(f"/catalog/ip-pledge/{suffix}").status_code == 404


def test_pages_refuse_post(client, pledge):
    assert client.post(LIST_URL).status_code == 405
    assert client.post("/catalog/ip-pledge/").status_code == 405


# --- the checklist ---------------------------------------------------------------------------


def test_checklist_has_a_checkbox_per_material(client, pledge, pledge_windows):
    response = client.get("/catalog/ip-pledge/checklist/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('type="checkbox"') == 3
    for material in pledge.materials.all():
        assert f'<label for="material-{material.pk}">{material.name}</label>' in html
    assert "知识产权质押登记" in html
    assert "7 个工作日" in html and "3 个工作日" in html
    assert "可容缺：签署书面承诺后补交" in html
    assert "非必需" in html
    assert "上海市徐汇区漕溪北路1号" in html


def test_checklist_print_button_is_wired_by_a_static_script(client, pledge):
    html = client.get("/catalog/ip-pledge/checklist/").content.decode()
    assert re.search(r"<button[^>]*data-print[^>]*hidden", html)
    assert 'src="/static/catalog/print.js"' in html
    assert "catalog/catalog.css" in html
    assert "onclick" not in html.lower()
    assert 'class="no-print"' in html


def test_checklist_in_english(english, pledge):
    html = english.get("/catalog/ip-pledge/checklist/").content.decode()
    assert "Materials checklist" in html
    assert "Print" in html
    assert "Application form" in html
