import csv
import io

import openpyxl
import pytest
import tablib
from django.urls import reverse
from django.utils import translation

from ipservice.spreadsheets import SafeCSV as CSV
from ipservice.spreadsheets import SafeXLSX as XLSX
from tests.catalog.factories import CategoryFactory, ServiceItemFactory
from tests.windows.factories import (
    DistrictFactory,
    ServicePointFactory,
    UserFactory,
    registry_snapshot,
)
from windows.constants import Kind, Level
from windows.models import ServicePoint
from windows.resources import DistrictResource, ServicePointResource

pytestmark = pytest.mark.django_db

FORMATS = [XLSX, CSV]


@pytest.fixture
def registry(db):
    category = CategoryFactory()
    items = [
        ServiceItemFactory(code=code, category=category)
        for code in ("ip-pledge", "legal-consultation", "patent-application")
    ]
    xuhui = DistrictFactory(code="310104", name="徐汇区", name_en="Xuhui")
    DistrictFactory(code="310101", name="黄浦区", name_en="Huangpu")
    city = ServicePointFactory(
        code="city-patent",
        name="国家知识产权局专利局上海代办处窗口",
        level=Level.CITY,
        kind=Kind.ACCEPTANCE,
        district=None,
        phone="",
        hours=[(d, (9, 0), (12, 0)) for d in range(5)] + [(5, (9, 0), (11, 30))],
    )
    district = ServicePointFactory(
        code="district-310104", district=xuhui, counters=3, is_demo=True, slot_minutes=20
    )
    closed = ServicePointFactory(code="closed", district=xuhui, active=False, hours=[])
    city.items.add(items[0], items[2])
    district.items.add(*items[:2])
    return {"items": items, "city": city, "district": district, "closed": closed}


def export_file(fmt, queryset=None):
    """The file the admin's export gives: native cell types (numbers, booleans) in xlsx."""
    dataset = ServicePointResource().export(queryset, force_native_type=fmt().is_binary())
    return fmt().export_data(dataset)


def read_file(fmt, data):
    if isinstance(data, str):
        data = data.encode()
    return by_field_names(fmt().create_dataset(data if fmt().is_binary() else data.decode()))


def by_field_names(dataset):
    """Headers (the labels people read) renamed to the field names, as import does first."""
    ServicePointResource().rename_headers(dataset)
    return dataset


def run_import(dataset, dry_run=False):
    return ServicePointResource().import_data(dataset, dry_run=dry_run)


def rows_of(dataset):
    dataset = by_field_names(dataset)
    return [dict(zip(dataset.headers, row, strict=True)) for row in dataset]


def dataset_of(rows):
    headers = list(rows[0])
    return tablib.Dataset(*[[row[h] for h in headers] for row in rows], headers=headers)


# --- round trip ------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip_changes_nothing(registry, fmt):
    before = registry_snapshot()
    data = export_file(fmt)
    dry = run_import(read_file(fmt, data), dry_run=True)
    assert not dry.has_errors() and not dry.has_validation_errors()
    assert dry.totals["skip"] == 3 and dry.totals["update"] == dry.totals["new"] == 0
    real = run_import(read_file(fmt, data))
    assert not real.has_errors() and not real.has_validation_errors()
    assert real.totals["skip"] == 3
    assert registry_snapshot() == before


def test_export_cells(registry):
    rows = {row["code"]: row for row in rows_of(ServicePointResource().export())}
    city, district = rows["city-patent"], rows["district-310104"]
    assert city["district"] == "" and district["district"] == "310104"
    assert city["items"] == "ip-pledge,patent-application"
    assert city["opening_hours"] == "1-5 09:00-12:00; 6 09:00-11:30"
    assert district["opening_hours"] == "1-5 09:00-12:00,13:30-17:00"
    assert rows["closed"]["opening_hours"] == ""
    cells = (district["counters"], district["slot_minutes"], district["is_demo"])
    assert cells == ("3", "20", "是")
    assert rows["closed"]["active"] == "否"


@pytest.mark.parametrize("fmt", FORMATS)
def test_import_creates_and_updates(registry, fmt):
    rows = rows_of(read_file(fmt, export_file(fmt)))
    for row in rows:
        if row["code"] == "district-310104":
            row["opening_hours"] = "1-5 08:30-11:30; 6 09:00-12:00"
            row["items"] = "patent-application"
            row["counters"] = "4"
    new = dict(rows[0], code="park-310104", level="park", kind="park_station")
    new.update(district="310104", items="", opening_hours="2,4 10:00-16:00", name="园区工作站")
    result = run_import(dataset_of([*rows, new]))
    assert not result.has_errors() and not result.has_validation_errors(), result.invalid_rows
    assert (result.totals["new"], result.totals["update"], result.totals["skip"]) == (1, 1, 2)
    district = ServicePoint.objects.get(code="district-310104")
    assert district.counters == 4
    assert [i.code for i in district.items.all()] == ["patent-application"]
    assert district.opening_periods.count() == 6
    park = ServicePoint.objects.get(code="park-310104")
    assert park.district.code == "310104" and park.level == Level.PARK
    assert [(p.weekday, f"{p.start:%H:%M}") for p in park.opening_periods.all()] == [
        (1, "10:00"),
        (3, "10:00"),
    ]


def test_dry_run_saves_nothing(registry):
    rows = rows_of(ServicePointResource().export())
    rows[0]["name"] = "改过的名字"
    before = registry_snapshot()
    result = run_import(dataset_of([*rows, dict(rows[0], code="brand-new")]), dry_run=True)
    assert not result.has_errors() and not result.has_validation_errors()
    assert registry_snapshot() == before


# --- bad rows: reported with their number, and nothing of the file is saved -------------------


def good_new_row(registry, code="new-point"):
    row = rows_of(ServicePointResource().export())[1]
    return dict(row, code=code, name="新窗口")


@pytest.mark.parametrize(
    "column,value,message",
    [
        ("district", "999999", "999999"),
        ("items", "ip-pledge,no-such-item", "no-such-item"),
        ("opening_hours", "1-5 17:00-09:00", "17:00-09:00"),
        ("opening_hours", "weekdays 9-5", "weekdays"),
        ("counters", "two", "two"),
        ("counters", "2.5", "2.5"),
        ("slot_minutes", "1", "5"),
        ("active", "maybe", "maybe"),
        ("kind", "palace", "palace"),
        ("name", "", ""),
    ],
)
def test_a_bad_row_is_reported_and_nothing_is_saved(registry, column, value, message):
    before = registry_snapshot()
    changed_first = dict(rows_of(ServicePointResource().export())[0], name="第一行改名")
    bad = dict(good_new_row(registry, "bad-point"), **{column: value})
    rows = [changed_first, good_new_row(registry), bad]
    result = run_import(dataset_of(rows))
    assert result.has_validation_errors()
    [invalid] = result.invalid_rows
    assert invalid.number == 3
    assert message in str(invalid.error_dict)
    assert registry_snapshot() == before
    assert not ServicePoint.objects.filter(code__in=["new-point", "bad-point"]).exists()


def test_a_district_level_row_without_district_is_refused(registry):
    bad = dict(good_new_row(registry), level="district", district="")
    result = run_import(dataset_of([bad]))
    [invalid] = result.invalid_rows
    assert invalid.number == 1 and "district" in invalid.error_dict
    assert not ServicePoint.objects.filter(code="new-point").exists()


@pytest.mark.parametrize("missing", ["opening_hours", "items", "counters", "code"])
def test_a_missing_column_is_reported_and_nothing_is_saved(registry, missing):
    before = registry_snapshot()
    rows = [dict(good_new_row(registry))]
    del rows[0][missing]
    result = run_import(dataset_of(rows))
    assert result.has_errors()
    label = ServicePointResource().labels()[missing]  # named as people read it
    assert label in str(result.base_errors[0].error)
    assert registry_snapshot() == before


def test_errors_are_in_chinese(registry):
    bad = dict(good_new_row(registry), district="999999", counters="x")
    with translation.override("zh-hans"):
        [invalid] = run_import(dataset_of([bad])).invalid_rows
    assert "未知的区代码" in str(invalid.error_dict)


# --- formula escaping ------------------------------------------------------------------------

DANGEROUS = {
    "name": '=HYPERLINK("http://evil.example","点我")',
    "name_en": "'+1+2",
    "address": "-2+3",
    "phone": "@SUM(1,1)",
}


@pytest.fixture
def dangerous(registry):
    for field, value in DANGEROUS.items():
        setattr(registry["city"], field, value)
    registry["city"].save()
    return registry["city"]


def test_csv_export_escapes_formulas(dangerous):
    text = export_file(CSV)
    rows = rows_of(tablib.Dataset().load(text, format="csv"))
    row = next(r for r in rows if r["code"] == "city-patent")
    for field, value in DANGEROUS.items():
        assert row[field] == "'" + value
    for r in csv.reader(io.StringIO(text)):
        assert not any(cell[:1] in ("=", "+", "-", "@") for cell in r)


def test_xlsx_export_escapes_formulas(dangerous):
    sheet = openpyxl.load_workbook(io.BytesIO(export_file(XLSX))).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    values = {str(cell.value) for cell in cells}
    for value in DANGEROUS.values():
        assert "'" + value in values


@pytest.mark.parametrize("fmt", FORMATS)
def test_escaped_cells_import_back_unchanged(dangerous, fmt):
    before = registry_snapshot()
    result = run_import(read_file(fmt, export_file(fmt)))
    assert not result.has_errors() and not result.has_validation_errors()
    assert result.totals["skip"] == 3
    assert registry_snapshot() == before


# --- districts and the admin -----------------------------------------------------------------


def test_district_round_trip(registry):
    dataset = DistrictResource().export()
    result = DistrictResource().import_data(read_file(CSV, CSV().export_data(dataset)))
    assert not result.has_errors() and result.totals["skip"] == 2


@pytest.fixture
def admin_client(client, db):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_admin_pages_open(admin_client, registry):
    for url in (
        reverse("admin:windows_servicepoint_changelist"),
        reverse("admin:windows_servicepoint_changelist") + "?level__exact=city",
        reverse("admin:windows_servicepoint_change", args=[registry["city"].pk]),
        reverse("admin:windows_servicepoint_add"),
        reverse("admin:windows_servicepoint_import"),
        reverse("admin:windows_servicepoint_export"),
        reverse("admin:windows_district_changelist"),
    ):
        assert admin_client.get(url).status_code == 200, url


def test_admin_import_of_a_bad_file_shows_the_row_and_saves_nothing(admin_client, registry):
    before = registry_snapshot()
    rows = [good_new_row(registry), dict(good_new_row(registry, "bad"), counters="many")]
    upload = io.BytesIO(CSV().export_data(dataset_of(rows)).encode())
    upload.name = "windows.csv"
    response = admin_client.post(
        reverse("admin:windows_servicepoint_import"),
        {"format": "1", "import_file": upload, "resource": "0"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "many" in html and "confirm_form" not in response.context
    assert registry_snapshot() == before


def test_overlapping_periods_are_refused_in_the_admin(admin_client, registry):
    point = registry["closed"]
    url = reverse("admin:windows_servicepoint_change", args=[point.pk])
    data = {
        "code": point.code,
        "name": point.name,
        "name_en": point.name_en,
        "kind": point.kind,
        "level": point.level,
        "district": point.district_id,
        "address": point.address,
        "phone": point.phone,
        "counters": 1,
        "people_per_slot": 1,
        "slot_minutes": 30,
        "horizon_days": 10,
        "opening_periods-TOTAL_FORMS": 2,
        "opening_periods-INITIAL_FORMS": 0,
        "opening_periods-0-weekday": 0,
        "opening_periods-0-start": "09:00",
        "opening_periods-0-end": "12:00",
        "opening_periods-1-weekday": 0,
        "opening_periods-1-start": "11:00",
        "opening_periods-1-end": "13:00",
        "memberships-TOTAL_FORMS": 0,
        "memberships-INITIAL_FORMS": 0,
    }
    response = admin_client.post(url, data)
    assert response.status_code == 200  # the form again, with the error
    assert point.opening_periods.count() == 0
