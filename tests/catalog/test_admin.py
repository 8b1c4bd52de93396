"""The bureau's catalog admin: spreadsheet import (upload, preview, confirm) and export."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from catalog.models import Category, Material, ServiceItem
from catalog.resources import ServiceItemResource
from ipservice.spreadsheets import SafeCSV, SafeXLSX
from tests.windows.factories import UserFactory

pytestmark = pytest.mark.django_db

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ITEMS_ADMIN = "/admin/catalog/serviceitem/"
FORMAT_INDEX = {SafeXLSX: "0", SafeCSV: "1"}


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def column_names(resource_class=ServiceItemResource):
    return [field.column_name for field in resource_class().get_export_fields()]


def items_workbook(rows):
    """An .xlsx with the item columns (headed by field name) and the given rows (dicts of
    cells)."""
    headers = column_names()
    book = openpyxl.Workbook()
    book.active.append(headers)
    for row in rows:
        book.active.append([row.get(h) for h in headers])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def new_item_row(**cells):
    row = {
        "code": "patent-subsidy",
        "name": "专利资助申请",
        "name_en": "Patent subsidy application",
        "category": "apply",
        "ip_type": "patent",
        "level": "city",
        "legal_limit_days": 15,
        "promised_limit_days": 7,
        "channels": "window,online",
        "green_channel": 0,
        "active": 1,
        "order": 2,
        "is_demo": 0,
    }
    return row | cells


def upload(admin_client, content, name="items.xlsx", file_format=SafeXLSX):
    return admin_client.post(
        f"{ITEMS_ADMIN}import/",
        {
            "resource": "0",
            "format": FORMAT_INDEX[file_format],
            "import_file": SimpleUploadedFile(name, content, content_type=XLSX_TYPE),
        },
    )


def export(admin_client, file_format):
    """The admin's export form, with every column ticked (as the page has them by default)."""
    data = {"resource": "0", "format": FORMAT_INDEX[file_format]}
    for name in column_names():
        data[f"serviceitemresource_{name}"] = "on"
    response = admin_client.post(f"{ITEMS_ADMIN}export/", data)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    return response


def test_changelist_and_forms_render(admin_client, pledge):
    assert admin_client.get(ITEMS_ADMIN).status_code == 200
    assert admin_client.get(f"{ITEMS_ADMIN}?q=质押").context["cl"].result_count == 1
    page = admin_client.get(f"{ITEMS_ADMIN}{pledge.pk}/change/")
    assert page.status_code == 200
    assert 'type="checkbox" name="channels" value="window"' in page.content.decode()
    for url in ("/admin/catalog/category/", "/admin/catalog/material/", f"{ITEMS_ADMIN}add/"):
        assert admin_client.get(url).status_code == 200


def test_admin_form_saves_channels_from_checkboxes(admin_client, pledge):
    response = admin_client.post(
        f"{ITEMS_ADMIN}add/",
        {
            "code": "by-form",
            "name": "表单新增事项",
            "category": pledge.category.pk,
            "ip_type": "patent",
            "level": "city",
            "legal_limit_days": "5",
            "promised_limit_days": "9",
            "channels": ["window", "mail"],
            "order": "0",
            "materials-TOTAL_FORMS": "0",
            "materials-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200  # promised above legal: the form shows the error
    assert "承诺时限不得超过法定时限。" in response.content.decode()
    assert not ServiceItem.objects.filter(code="by-form").exists()


def test_import_xlsx_upload_preview_confirm(admin_client, pledge, item):
    before = ServiceItem.objects.count()
    content = items_workbook(
        [
            new_item_row(),
            new_item_row(
                code="ip-pledge",
                name="知识产权质押登记",
                category="use",
                legal_limit_days=7,
                promised_limit_days=2,
            ),
        ]
    )

    preview = upload(admin_client, content)
    assert preview.status_code == 200
    assert not preview.context["result"].has_errors()
    assert not preview.context["result"].has_validation_errors()
    confirm = preview.context["confirm_form"]
    assert confirm is not None
    html = preview.content.decode()
    assert "专利资助申请" in html  # the preview table
    assert ServiceItem.objects.count() == before  # nothing saved before confirming

    done = admin_client.post(f"{ITEMS_ADMIN}process_import/", confirm.initial)
    assert done.status_code == 302 and done["Location"] == ITEMS_ADMIN
    created = ServiceItem.objects.get(code="patent-subsidy")
    assert created.category.code == "apply"
    assert (created.legal_limit_days, created.promised_limit_days) == (15, 7)
    assert created.channels == ["window", "online"]
    assert ServiceItem.objects.get(code="ip-pledge").promised_limit_days == 2
    assert ServiceItem.objects.count() == before + 1


def test_import_csv_exported_by_the_admin_changes_nothing(admin_client, pledge):
    exported = export(admin_client, SafeCSV)
    before = list(ServiceItem.objects.values())
    preview = upload(admin_client, exported.content, name="items.csv", file_format=SafeCSV)
    result = preview.context["result"]
    assert result.totals["skip"] == 1 and result.totals["update"] == result.totals["new"] == 0
    admin_client.post(f"{ITEMS_ADMIN}process_import/", preview.context["confirm_form"].initial)
    assert list(ServiceItem.objects.values()) == before


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (new_item_row(category="nope"), "没有代码为“nope”的分类。"),
        (new_item_row(legal_limit_days="7.5"), "请填写整数，而不是“7.5”。"),
        (new_item_row(legal_limit_days=3, promised_limit_days=5), "承诺时限不得超过法定时限。"),
    ],
)
def test_import_with_a_bad_row_shows_its_number_and_offers_no_confirm(
    admin_client, pledge, item, row, message
):
    before = (ServiceItem.objects.count(), Material.objects.count(), Category.objects.count())
    good = new_item_row(code="good-one", name="正确的一行")
    preview = upload(admin_client, items_workbook([good, row]))
    result = preview.context["result"]
    assert [r.number for r in result.invalid_rows] == [2]
    assert preview.context.get("confirm_form") is None
    html = preview.content.decode()
    assert message in html
    # In full on the page: the spreadsheet's row (the header is row 1), the column, the message.
    assert "<td>3</td>" in html  # the row number column of the error table
    assert "第 3 行" in html
    after = (ServiceItem.objects.count(), Material.objects.count(), Category.objects.count())
    assert after == before


def test_import_with_a_missing_column_says_which(admin_client, pledge, item):
    book = openpyxl.load_workbook(io.BytesIO(items_workbook([new_item_row()])))
    book.active.delete_cols(8)  # promised_limit_days
    buffer = io.BytesIO()
    book.save(buffer)
    preview = upload(admin_client, buffer.getvalue())
    assert preview.context.get("confirm_form") is None
    html = preview.content.decode()
    assert "第 1 行（表头）缺少以下列：承诺时限（工作日）。" in html
    assert "Traceback" not in html
    assert not ServiceItem.objects.filter(code="patent-subsidy").exists()


@pytest.mark.parametrize("file_format", [SafeXLSX, SafeCSV])
def test_admin_export_escapes_formulae(admin_client, pledge, file_format):
    pledge.fee = '=HYPERLINK("http://evil.example")'
    pledge.consult_phone = "+86-21-1"
    pledge.save()
    response = export(admin_client, file_format)
    dataset = file_format().create_dataset(
        response.content if file_format is SafeXLSX else response.content.decode("utf-8-sig")
    )
    ServiceItemResource().rename_headers(dataset)
    row = dict(zip(dataset.headers, dataset[0], strict=True))
    assert row["fee"] == '\'=HYPERLINK("http://evil.example")'
    assert row["consult_phone"] == "'+86-21-1"
    if file_format is SafeXLSX:
        assert row["legal_limit_days"] == 7  # a number cell, not text
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        assert all(c.data_type != "f" for r in book.active.iter_rows() for c in r)


def test_materials_and_categories_import_pages_render(admin_client):
    for model in ("material", "category"):
        page = admin_client.get(f"/admin/catalog/{model}/import/")
        assert page.status_code == 200
        assert "行号即电子表格中的行号" in page.content.decode()


def test_import_is_refused_to_non_staff(client, pledge):
    client.force_login(UserFactory(username="citizen", is_staff=False))
    response = client.get(f"{ITEMS_ADMIN}import/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
