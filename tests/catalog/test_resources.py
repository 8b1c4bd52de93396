"""Catalog spreadsheets: lossless round trips, all-or-nothing imports, formula escaping."""

import io

import openpyxl
import pytest
import tablib
from django.forms.models import model_to_dict
from django.utils import translation

from catalog.models import Category, Material, ServiceItem
from catalog.resources import CategoryResource, MaterialResource, ServiceItemResource
from ipservice.spreadsheets import SafeCSV, SafeXLSX, escape_formula, unescape_formula
from tests.catalog.factories import MaterialFactory, ServiceItemFactory

pytestmark = pytest.mark.django_db

FORMATS = [SafeXLSX, SafeCSV]
MODELS = {CategoryResource: Category, ServiceItemResource: ServiceItem, MaterialResource: Material}


@pytest.fixture(autouse=True)
def chinese():
    """Messages in the default language, whatever an earlier request left activated."""
    with translation.override("zh-hans"):
        yield


def export_file(resource_class, file_format):
    """The file as the admin writes it: native cells in .xlsx, text in .csv."""
    dataset = resource_class().export(force_native_type=file_format.is_binary())
    return file_format.export_data(dataset)


def read_file(file_format, content):
    return file_format.create_dataset(content)


def by_field_names(resource_class, dataset):
    """The dataset with its headers (the labels people read) renamed to the field names, as
    import does first, so that tests can name columns by field."""
    resource_class().rename_headers(dataset)
    return dataset


def snapshot(model):
    return sorted((model_to_dict(obj) for obj in model.objects.all()), key=lambda d: d["id"])


@pytest.fixture
def tricky(db, pledge):
    """An item whose text cells look like formulas, and one with no limits at all."""
    item = ServiceItemFactory(
        code="tricky",
        name='=HYPERLINK("http://evil.example","点我")',
        name_en="'quoted already",
        category=pledge.category,
        legal_limit_days=None,
        promised_limit_days=None,
        fee="+86 收费",
        legal_basis="-依据",
        guide="@SUM(A1:A2)\n第二行",
        consult_phone="+86-21-12345678",
    )
    MaterialFactory(item=item, name="-负号开头的材料", note="=1+1")
    return item


# --- round trip ------------------------------------------------------------------------------


@pytest.mark.parametrize("file_format", FORMATS)
@pytest.mark.parametrize("resource_class", list(MODELS))
def test_round_trip_changes_nothing(tricky, resource_class, file_format):
    model = MODELS[resource_class]
    before = snapshot(model)
    dataset = read_file(file_format(), export_file(resource_class, file_format()))
    assert len(dataset) == len(before)

    for dry_run in (True, False):
        result = resource_class().import_data(dataset, dry_run=dry_run)
        assert not result.has_errors() and not result.has_validation_errors()
        assert result.totals["skip"] == len(before)
        assert result.totals["new"] == result.totals["update"] == 0
    assert snapshot(model) == before


def test_xlsx_export_has_whole_numbers_or_empty_limits_and_channels_in_one_cell(tricky, pledge):
    book = openpyxl.load_workbook(io.BytesIO(export_file(ServiceItemResource, SafeXLSX())))
    rows = list(book.active.values)
    header, data = rows[0], {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert book.active.title == "服务事项"
    assert {"服务类别", "办理渠道", "英文名称"} <= set(header)
    label = ServiceItemResource().labels()
    assert data["ip-pledge"][label["legal_limit_days"]] == 7
    assert data["ip-pledge"][label["promised_limit_days"]] == 3
    assert data["ip-pledge"]["服务类别"] == "use"
    assert data["ip-pledge"]["办理渠道"] == "窗口办理、网上办理"
    assert data["tricky"][label["legal_limit_days"]] is None


def test_csv_export_has_the_category_code_and_channels(pledge):
    text = export_file(ServiceItemResource, SafeCSV())
    dataset = by_field_names(ServiceItemResource, tablib.Dataset().load(text, format="csv"))
    row = dict(zip(dataset.headers, dataset[0], strict=True))
    assert row["category"] == "use"
    assert row["channels"] == "窗口办理、网上办理"
    assert row["legal_limit_days"] == "7"


def test_import_creates_and_updates_by_code(pledge):
    dataset = _items_dataset(
        {"code": "new-item", "name": "新事项", "channels": "window， mail"},
        {"code": "ip-pledge", "promised_limit_days": "2"},
    )
    result = ServiceItemResource().import_data(dataset)
    assert not result.has_errors() and not result.has_validation_errors()
    assert ServiceItem.objects.get(code="new-item").channels == ["window", "mail"]
    assert ServiceItem.objects.get(code="ip-pledge").promised_limit_days == 2


# --- bad rows: reported with their number, nothing of the file saved -------------------------


def _items_dataset(*changes):
    """A CSV-like dataset of the pledge item's row, once per `changes` dict (cells as text)."""
    base = by_field_names(
        ServiceItemResource, read_file(SafeCSV(), export_file(ServiceItemResource, SafeCSV()))
    )
    template = dict(zip(base.headers, base[0], strict=True))
    dataset = tablib.Dataset(headers=base.headers)
    for change in changes:
        dataset.append([{**template, **change}[h] for h in base.headers])
    return dataset


def _counts():
    return (Category.objects.count(), ServiceItem.objects.count(), Material.objects.count())


def _invalid(result):
    """{row number: {field: [messages]}} of the rows that failed validation."""
    return {row.number: row.error_dict for row in result.invalid_rows}


GOOD_NEW_ROW = {"code": "brand-new", "name": "全新事项"}


def test_missing_column_is_an_error_and_nothing_is_saved(pledge):
    dataset = _items_dataset(GOOD_NEW_ROW)
    del dataset["promised_limit_days"]
    before = _counts()
    result = ServiceItemResource().import_data(dataset)
    assert result.has_errors()
    message = str(result.base_errors[0].error)
    label = ServiceItemResource().labels()["promised_limit_days"]
    assert "第 1 行" in message and label in message
    assert _counts() == before


def test_unknown_category_is_reported_on_its_row(pledge):
    before = _counts()
    result = ServiceItemResource().import_data(
        _items_dataset(GOOD_NEW_ROW, {"code": "other", "category": "nope"})
    )
    assert _invalid(result) == {2: {"category": ["没有代码为“nope”的分类。"]}}
    assert _counts() == before
    assert not ServiceItem.objects.filter(code="brand-new").exists()


@pytest.mark.parametrize("value", ["7.5", "seven", "1e999999999", "true"])
def test_limit_that_is_not_a_whole_number_is_reported(pledge, value):
    before = _counts()
    result = ServiceItemResource().import_data(
        _items_dataset(GOOD_NEW_ROW, {"code": "other", "legal_limit_days": value})
    )
    errors = _invalid(result)
    assert list(errors) == [2]
    assert errors[2]["legal_limit_days"] == [f"请填写整数，而不是“{value}”。"]
    assert _counts() == before


def test_whole_numbers_written_as_7_point_0_are_accepted(pledge):
    result = ServiceItemResource().import_data(_items_dataset({"legal_limit_days": 9.0}))
    assert not result.has_validation_errors()
    assert ServiceItem.objects.get(code="ip-pledge").legal_limit_days == 9


def test_promised_limit_above_legal_is_reported(pledge):
    before = _counts()
    result = ServiceItemResource().import_data(
        _items_dataset(
            GOOD_NEW_ROW,
            {"code": "ip-pledge", "legal_limit_days": "7", "promised_limit_days": "8"},
        )
    )
    assert _invalid(result) == {2: {"promised_limit_days": ["承诺时限不得超过法定时限。"]}}
    assert _counts() == before
    assert ServiceItem.objects.get(code="ip-pledge").promised_limit_days == 3


def test_unknown_channel_is_reported(pledge):
    result = ServiceItemResource().import_data(_items_dataset({"channels": "window,fax"}))
    assert list(_invalid(result)[1]) == ["channels"]
    assert ServiceItem.objects.get(code="ip-pledge").channels == ["window", "online"]


def test_bad_row_in_a_dry_run_is_reported_the_same(pledge):
    before = _counts()
    result = ServiceItemResource().import_data(
        _items_dataset(GOOD_NEW_ROW, {"code": "x", "category": "nope"}), dry_run=True
    )
    assert list(_invalid(result)) == [2]
    assert _counts() == before


def test_material_of_an_unknown_item_is_reported(pledge):
    base = by_field_names(
        MaterialResource, read_file(SafeCSV(), export_file(MaterialResource, SafeCSV()))
    )
    dataset = tablib.Dataset(headers=base.headers)
    dataset.append(base[0])
    row = dict(zip(base.headers, base[1], strict=True)) | {"item": "ghost", "name": "新材料"}
    dataset.append([row[h] for h in base.headers])
    before = _counts()
    result = MaterialResource().import_data(dataset)
    assert _invalid(result) == {2: {"item": ["没有代码为“ghost”的服务事项。"]}}
    assert _counts() == before


def test_materials_are_matched_on_item_code_and_name(pledge):
    base = by_field_names(
        MaterialResource, read_file(SafeCSV(), export_file(MaterialResource, SafeCSV()))
    )
    dataset = tablib.Dataset(headers=base.headers)
    row = dict(zip(base.headers, base[0], strict=True)) | {"copies": "4"}
    dataset.append([row[h] for h in base.headers])
    result = MaterialResource().import_data(dataset)
    assert result.totals["update"] == 1
    assert pledge.materials.get(name=row["name"]).copies == 4


# --- formula escaping ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "escaped"),
    [
        ("=1+1", "'=1+1"),
        ("+86", "'+86"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("'quoted", "''quoted"),
        ("知识产权", "知识产权"),
        ("a=b", "a=b"),
        (7, 7),
        (None, None),
    ],
)
def test_escape_formula_and_back(value, escaped):
    assert escape_formula(value) == escaped
    assert unescape_formula(escaped) == value


def test_csv_export_escapes_formula_cells(tricky):
    text = export_file(ServiceItemResource, SafeCSV())
    dataset = by_field_names(ServiceItemResource, tablib.Dataset().load(text, format="csv"))
    row = next(dict(zip(dataset.headers, r, strict=True)) for r in dataset if r[0] == "tricky")
    assert row["name"] == '\'=HYPERLINK("http://evil.example","点我")'
    assert row["fee"] == "'+86 收费"
    assert row["legal_basis"] == "'-依据"
    assert row["guide"].startswith("'@SUM")
    assert row["consult_phone"] == "'+86-21-12345678"
    assert row["name_en"] == "''quoted already"
    for cell in (c for r in dataset for c in r):
        assert not cell.startswith(("=", "+", "-", "@"))


def test_xlsx_export_has_no_formula_cells(tricky):
    content = export_file(ServiceItemResource, SafeXLSX())
    book = openpyxl.load_workbook(io.BytesIO(content))
    cells = [cell for row in book.active.iter_rows() for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    values = {cell.value for cell in cells}
    assert '\'=HYPERLINK("http://evil.example","点我")' in values
    assert "'@SUM(A1:A2)\n第二行" in values
    assert not any(isinstance(v, str) and v.startswith(("=", "+", "-", "@")) for v in values)
