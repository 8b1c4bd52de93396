import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.catalog.factories import CategoryFactory, make_items
from tests.windows.factories import ServicePointFactory

pytestmark = pytest.mark.django_db

ITEMS = "/api/v1/items/"


def codes(response):
    return [row["code"] for row in response.json()]


def test_list_is_a_plain_array_of_published_items(api, pledge, item):
    item.active = False
    item.save()
    response = api.get(ITEMS)
    assert response.status_code == 200
    assert isinstance(response.json(), list)
    assert codes(response) == ["ip-pledge"]


def test_item_fields(api, pledge, pledge_windows):
    response = api.get(f"{ITEMS}ip-pledge/")
    assert response.status_code == 200
    data = response.json()
    assert data["code"] == "ip-pledge"
    assert data["name"] == "知识产权质押登记"
    assert data["name_en"] == "IP pledge registration"
    assert data["category"] == "use"
    assert data["category_name"] == "运用服务"
    assert data["ip_type"] == "general"
    assert data["ip_type_name"] == "综合"
    assert data["level"] == "city"
    assert data["legal_limit_days"] == 7
    assert data["promised_limit_days"] == 3
    assert data["fee"] == "不收费"
    assert data["guide"] == "办理知识产权质押登记的指南。"
    assert data["guide_en"] == ""
    assert data["consult_phone"] == "021-11112222"
    assert data["green_channel"] is True
    assert data["channels"] == ["window", "online"]
    materials = pledge.materials.order_by("order", "id")
    assert data["materials"][1] == {
        "id": materials[1].pk,  # what an online application names its files by
        "name": "主合同复印件",
        "name_en": "Copy of the main contract",
        "form": "copy",
        "copies": 2,
        "required": True,
        "tolerable": True,
        "note": "加盖公章",
        "note_en": "",
        "is_example": False,
    }
    assert [m["name"] for m in data["materials"]] == ["质押登记申请表", "主合同复印件", "委托书"]
    active = {pledge_windows[k].pk for k in ("city", "xuhui", "huangpu")}
    assert set(data["windows"]) == active
    assert data["url"] == "/catalog/ip-pledge/"


def test_limits_not_set_are_null(api, item):
    item.legal_limit_days = item.promised_limit_days = None
    item.save()
    data = api.get(f"{ITEMS}{item.code}/").json()
    assert data["legal_limit_days"] is None and data["promised_limit_days"] is None


def test_names_follow_the_language(api, pledge, settings):
    api.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    data = api.get(f"{ITEMS}ip-pledge/").json()
    assert data["category_name"] == "Utilization services"
    assert data["ip_type_name"] == "General"
    assert data["name"] == "知识产权质押登记"  # the official name never changes


def test_search_zhiya(api, pledge, item):
    assert codes(api.get(ITEMS, {"q": "质押"})) == ["ip-pledge"]


def test_filters(api, pledge, pledge_windows, item):
    assert codes(api.get(ITEMS, {"category": "use"})) == ["ip-pledge"]
    assert codes(api.get(ITEMS, {"ip_type": "patent"})) == [item.code]
    assert codes(api.get(ITEMS, {"district": "310104"})) == ["ip-pledge"]
    assert codes(api.get(ITEMS, {"q": "质押", "ip_type": "patent"})) == []


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"category": "nope"}, "category", "没有代码为“nope”的分类。"),
        ({"ip_type": "spaceship"}, "ip_type", "没有“spaceship”这一知识产权类型。"),
        ({"district": "999999"}, "district", "没有代码为“999999”的区。"),
        ({"district": "'; drop table--"}, "district", "没有代码为“'; drop table--”的区。"),
    ],
)
def test_unknown_filter_values_are_400(api, pledge, params, field, message):
    response = api.get(ITEMS, params)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["message"] == message
    assert body["errors"] == {field: [message]}


def test_unknown_filter_value_in_english(api, pledge, settings):
    api.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = api.get(ITEMS, {"category": "nope"}).json()
    assert body["message"] == "There is no category with the code “nope”."


def test_too_long_keyword_is_400_not_500(api, pledge):
    response = api.get(ITEMS, {"q": "质" * 500})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"q"}


def test_unknown_parameters_are_ignored(api, pledge):
    assert codes(api.get(ITEMS, {"limit": "5", "colour": "red"})) == ["ip-pledge"]


@pytest.mark.parametrize("code", ["no-such-item", "bad.code", "%E8%B4%A8"])
def test_unknown_code_is_404_json(api, pledge, code):
    response = api.get(f"{ITEMS}{code}/")
    assert response.status_code == 404
    body = response.json()
    assert body["code"] == "not_found"
    assert body["message"]


def test_inactive_item_is_404(api, pledge):
    pledge.active = False
    pledge.save()
    assert api.get(f"{ITEMS}ip-pledge/").status_code == 404


def test_read_only(api, pledge):
    assert api.post(ITEMS, {"code": "x"}).status_code == 405
    assert api.delete(f"{ITEMS}ip-pledge/").status_code == 405


def _count_queries(api, url):
    with CaptureQueriesContext(connection) as queries:
        response = api.get(url)
    assert response.status_code == 200
    return len(queries), response


def test_list_query_count_does_not_grow_with_items(api, district):
    category = CategoryFactory()
    window = ServicePointFactory(district=district)
    window.items.add(*make_items(10, category))
    # Queries: categories and districts (validating filters), items with category,
    # their materials, their active windows.
    few, response = _count_queries(api, ITEMS)
    assert len(response.json()) == 10
    window.items.add(*make_items(190, category, start=10))
    many, response = _count_queries(api, ITEMS)
    assert len(response.json()) == 200
    assert all(
        len(row["materials"]) == 2 and row["windows"] == [window.pk] for row in response.json()
    )
    assert few == many == 5


def test_schema_documents_the_query_parameters(api):
    response = api.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    operation = response.json()["paths"]["/api/v1/items/"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"q", "category", "ip_type", "district"} <= names
    assert "/api/v1/items/{code}/" in response.json()["paths"]
