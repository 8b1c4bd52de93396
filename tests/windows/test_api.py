import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from drf_spectacular.generators import SchemaGenerator

from tests.catalog.factories import ServiceItemFactory
from tests.windows.factories import DistrictFactory, ServicePointFactory, make_points
from windows import demo
from windows.constants import Kind, Level

pytestmark = pytest.mark.django_db

WINDOWS = "/api/v1/windows/"
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def registry(db, item):
    xuhui = DistrictFactory(code="310104", name="徐汇区", name_en="Xuhui")
    huangpu = DistrictFactory(code="310101", name="黄浦区", name_en="Huangpu")
    other = ServiceItemFactory(code="other-item")
    ServiceItemFactory(code="withdrawn", active=False)
    city = ServicePointFactory(
        code="city-patent",
        level=Level.CITY,
        kind=Kind.ACCEPTANCE,
        district=None,
        counters=3,
        people_per_slot=2,
        hours=[(0, (9, 0), (12, 0)), (0, (13, 30), (17, 0)), (5, (9, 0), (11, 30))],
    )
    in_xuhui = ServicePointFactory(code="district-310104", district=xuhui)
    in_huangpu = ServicePointFactory(code="district-310101", district=huangpu)
    closed = ServicePointFactory(code="closed", district=xuhui, active=False)
    city.items.add(item, other)
    in_xuhui.items.add(item)
    closed.items.add(item)
    return {"city": city, "xuhui": in_xuhui, "huangpu": in_huangpu, "closed": closed}


def test_districts_are_a_plain_array(api):
    for code, name, name_en in demo.DISTRICTS:
        DistrictFactory(code=code, name=name, name_en=name_en)
    response = api.get("/api/v1/districts/")
    assert response.status_code == 200
    body = response.json()
    assert len(body) == 16
    assert body[1] == {"code": "310104", "name": "徐汇区", "name_en": "Xuhui"}


def test_windows_are_a_plain_array_of_active_points(api, registry):
    body = api.get(WINDOWS).json()
    assert isinstance(body, list)
    assert {w["code"] for w in body} == {"city-patent", "district-310104", "district-310101"}


def test_a_window_has_the_contract_fields(api, registry, item):
    city = registry["city"]
    body = api.get(f"{WINDOWS}{city.pk}/").json()
    assert body == {
        "id": city.pk,
        "code": "city-patent",
        "name": city.name,
        "name_en": city.name_en,
        "district": None,
        "level": "city",
        "kind": "acceptance",
        "address": city.address,
        "address_en": "",
        "phone": city.phone,
        "opening_hours": [
            {"weekday": 0, "start": "09:00", "end": "12:00"},
            {"weekday": 0, "start": "13:30", "end": "17:00"},
            {"weekday": 5, "start": "09:00", "end": "11:30"},
        ],
        "items": sorted([item.code, "other-item"]),
        "counters": 3,
        "people_per_slot": 2,
        "capacity": 6,
        "slot_minutes": 30,
        "horizon_days": 10,
        "is_demo": False,
    }
    district = api.get(f"{WINDOWS}{registry['xuhui'].pk}/").json()
    assert district["district"] == "310104"


@pytest.mark.parametrize(
    "params,codes",
    [
        ({"district": "310104"}, {"district-310104"}),
        ({"item": "other-item"}, {"city-patent"}),
        ({"district": "310101", "item": "other-item"}, set()),
        ({"district": "", "item": ""}, {"city-patent", "district-310104", "district-310101"}),
    ],
)
def test_filters(api, registry, params, codes):
    response = api.get(WINDOWS, params)
    assert response.status_code == 200
    assert {w["code"] for w in response.json()} == codes


def test_filter_by_the_fixture_item(api, registry, item):
    codes = {w["code"] for w in api.get(WINDOWS, {"item": item.code}).json()}
    assert codes == {"city-patent", "district-310104"}


@pytest.mark.parametrize(
    "params,field",
    [
        ({"district": "999999"}, "district"),
        ({"district": "abc'; drop table"}, "district"),
        ({"item": "no-such-item"}, "item"),
        ({"item": "withdrawn"}, "item"),
        ({"district": "x" * 500}, "district"),
    ],
)
def test_unknown_codes_are_a_400_in_chinese(api, registry, params, field):
    response = api.get(WINDOWS, params)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert CJK.search(body["message"])
    assert list(body["errors"]) == [field]


def test_both_bad_codes_are_reported(api, registry):
    body = api.get(WINDOWS, {"district": "1", "item": "2"}).json()
    assert set(body["errors"]) == {"district", "item"}
    assert body["message"] == "没有代码为 1 的区。"


@pytest.mark.parametrize("path", ["0/", "999999/", "99999999999999999999/", "abc/", "1.5/", "-1/"])
def test_unknown_or_malformed_ids_are_404(api, registry, path):
    response = api.get(WINDOWS + path)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_an_inactive_window_is_404(api, registry):
    assert api.get(f"{WINDOWS}{registry['closed'].pk}/").status_code == 404


def test_the_registry_is_read_only(api, registry, bureau):
    api.force_authenticate(bureau)
    assert api.post(WINDOWS, {"code": "x"}).status_code == 405
    assert api.delete(f"{WINDOWS}{registry['city'].pk}/").status_code == 405
    assert api.post("/api/v1/districts/", {}).status_code == 405


def count_queries(api, url, params=None):
    with CaptureQueriesContext(connection) as queries:
        assert api.get(url, params or {}).status_code == 200
    return len(queries.captured_queries)


@pytest.mark.parametrize("params", [{}, {"district": "310104", "item": "TEST-000"}])
def test_list_queries_do_not_grow_with_the_windows(api, registry, item, params):
    params = {k: (item.code if k == "item" else v) for k, v in params.items()}
    few = count_queries(api, WINDOWS, params)
    make_points(30, registry["xuhui"].district, items=[item, ServiceItemFactory()])
    # Points with their district, their periods, their items; each filter adds one check.
    assert count_queries(api, WINDOWS, params) == few == 3 + len(params)


def test_schema_documents_the_query_parameters():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    parameters = {p["name"] for p in schema["paths"]["/api/v1/windows/"]["get"]["parameters"]}
    assert {"district", "item"} <= parameters
    assert "/api/v1/districts/" in schema["paths"]
    assert "/api/v1/windows/{id}/" in schema["paths"]
