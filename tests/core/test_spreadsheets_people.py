"""The admin's spreadsheets speak as the admin does (ipservice.spreadsheets): columns headed by
the labels people read (名称, 英文名称, 演示数据), choices written as their labels
(节假日（放假）, 专利), yes/no as 是/否, sheets named for what they hold; such a file imports back
with no change, field names and codes are still read, and a bad row is shown in full on the page
(row, column, message, in Chinese), not behind a badge, with nothing saved."""

import io

import openpyxl
import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from import_export.formats import base_formats

from appointments.constants import DayKind
from appointments.models import CalendarDay
from catalog.models import ServiceItem
from ipservice.spreadsheets import ChoiceLabelWidget, YesNoWidget
from tests.catalog.factories import CategoryFactory, MaterialFactory, ServiceItemFactory
from tests.windows.factories import DistrictFactory, ServicePointFactory, UserFactory
from windows.models import ServicePoint

pytestmark = pytest.mark.django_db

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def bureau(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def items():
    category = CategoryFactory(code="apply")
    item = ServiceItemFactory(
        code="patent-filing",
        name="专利申请",
        name_en="Patent filing",
        category=category,
        legal_limit_days=None,  # no limit: an empty cell, never "None"
        promised_limit_days=None,
        guide_en="Bring the form.",
    )
    MaterialFactory(item=item, name="申请书", note="一式两份", note_en="Two copies")
    other = ServiceItemFactory(code="trademark", name="商标注册", category=category)
    return item, other


def admin_url(model, action):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{action}")


def format_index(model, format_class=base_formats.XLSX):
    formats = admin.site._registry[model].get_export_formats()
    return str(next(i for i, f in enumerate(formats) if issubclass(f, format_class)))


def export_xlsx(client, model, resource_name):
    """The admin's export with every column ticked, as the page has them by default."""
    form = client.get(admin_url(model, "export")).context["form"]
    data = {"resource": "0", "format": format_index(model)}
    data |= {name: "on" for name in form.fields if name.startswith(resource_name)}
    response = client.post(admin_url(model, "export"), data)
    assert response.status_code == 200
    return openpyxl.load_workbook(io.BytesIO(response.content))


def upload(client, model, book):
    buffer = io.BytesIO()
    book.save(buffer)
    return client.post(
        admin_url(model, "import"),
        {
            "resource": "0",
            "format": format_index(model),
            "import_file": SimpleUploadedFile("file.xlsx", buffer.getvalue(), XLSX_TYPE),
        },
    )


def rows(sheet):
    values = list(sheet.values)
    return values[0], [dict(zip(values[0], row, strict=True)) for row in values[1:]]


def items_snapshot():
    return list(ServiceItem.objects.order_by("code").values())


# The export ---------------------------------------------------------------------------------------


def test_the_export_is_headed_and_written_as_the_admin_shows(bureau, items):
    book = export_xlsx(bureau, ServiceItem, "serviceitemresource")
    assert book.active.title == "服务事项"  # not "Tablib Dataset"
    header, data = rows(book.active)
    assert header[:3] == ("代码", "名称", "英文名称")
    assert {"英文办事指南", "演示数据", "知识产权类型"} <= set(header)
    filing = next(row for row in data if row["代码"] == "patent-filing")
    assert filing["知识产权类型"] == "专利" and filing["层级"] == "市级"
    assert filing["演示数据"] == "否" and filing["已发布"] == "是"
    assert filing["法定时限（工作日）"] is None  # an empty cell
    assert filing["英文办事指南"] == "Bring the form."


def test_the_export_form_names_the_columns_as_the_file_heads_them(bureau, items):
    page = bureau.get(admin_url(ServiceItem, "export")).content.decode()
    assert "英文名称" in page and "演示数据" in page
    assert "Name En" not in page and "Is Demo" not in page


def test_the_import_page_lists_the_columns_by_their_labels(bureau):
    page = bureau.get(admin_url(ServiceItem, "import")).content.decode()
    assert "代码, 名称, 英文名称, 服务类别" in page


# The round trip, and a bad row ----------------------------------------------------------------


def test_a_file_with_chinese_headers_and_labels_imports_back_with_no_change(bureau, items):
    before = items_snapshot()
    book = export_xlsx(bureau, ServiceItem, "serviceitemresource")
    preview = upload(bureau, ServiceItem, book)
    result = preview.context["result"]
    assert not result.has_errors() and not result.has_validation_errors()
    assert result.totals["skip"] == 2
    html = preview.content.decode()
    assert "None" not in html.split("import-preview", 1)[1]  # empty cells preview empty
    confirm = preview.context["confirm_form"]
    bureau.post(admin_url(ServiceItem, "process_import"), confirm.initial)
    assert items_snapshot() == before


def test_a_changed_label_is_read_back_as_its_code(bureau, items):
    book = export_xlsx(bureau, ServiceItem, "serviceitemresource")
    header = [cell.value for cell in book.active[1]]
    book.active.cell(row=2, column=header.index("知识产权类型") + 1, value="商标")
    book.active.cell(row=2, column=header.index("办理渠道") + 1, value="窗口办理、邮寄办理")
    preview = upload(bureau, ServiceItem, book)
    assert not preview.context["result"].has_validation_errors(), (
        preview.context["result"].invalid_rows[0].error_dict
    )
    bureau.post(admin_url(ServiceItem, "process_import"), preview.context["confirm_form"].initial)
    item = ServiceItem.objects.get(code=book.active.cell(row=2, column=1).value)
    assert item.ip_type == "trademark" and item.channels == ["window", "mail"]


def test_a_bad_row_is_shown_in_full_and_nothing_is_saved(bureau, items):
    before = items_snapshot()
    book = export_xlsx(bureau, ServiceItem, "serviceitemresource")
    header = [cell.value for cell in book.active[1]]
    book.active.cell(row=3, column=header.index("知识产权类型") + 1, value="宇宙")
    book.active.cell(row=3, column=header.index("法定时限（工作日）") + 1, value="7.5")
    preview = upload(bureau, ServiceItem, book)
    assert preview.context.get("confirm_form") is None
    html = preview.content.decode()
    # On the page, not in a badge's tooltip: the spreadsheet's row, the column, the message.
    assert "validation-error-count" not in html
    assert "第 3 行“知识产权类型”列：“宇宙”不是可选的值" in html
    assert "第 3 行“法定时限（工作日）”列：请填写整数，而不是“7.5”。" in html
    assert "部分行未通过校验" in html and "验数据证" not in html
    assert items_snapshot() == before


def test_field_names_and_codes_are_still_read(bureau, items):
    book = export_xlsx(bureau, ServiceItem, "serviceitemresource")
    resource = admin.site._registry[ServiceItem].get_import_resource_classes(None)[0]()
    names = {label: name for name, label in resource.labels().items()}
    for cell in book.active[1]:
        cell.value = names[cell.value]  # code, name, name_en…
    header = [cell.value for cell in book.active[1]]
    book.active.cell(row=2, column=header.index("ip_type") + 1, value="copyright")
    book.active.cell(row=2, column=header.index("is_demo") + 1, value=1)
    preview = upload(bureau, ServiceItem, book)
    assert not preview.context["result"].has_validation_errors()
    bureau.post(admin_url(ServiceItem, "process_import"), preview.context["confirm_form"].initial)
    item = ServiceItem.objects.get(code=book.active.cell(row=2, column=1).value)
    assert (item.ip_type, item.is_demo) == ("copyright", True)


# Windows and the calendar ---------------------------------------------------------------------


def test_the_windows_export_and_its_round_trip(bureau):
    xuhui = DistrictFactory(code="310104", name="徐汇区")
    ServicePointFactory(code="xuhui", district=xuhui, address_en="1 Caoxi North Road")
    before = list(ServicePoint.objects.values())
    book = export_xlsx(bureau, ServicePoint, "servicepointresource")
    assert book.active.title == "服务网点"
    header, data = rows(book.active)
    assert {"英文地址", "办公时间", "提供的服务事项", "启用"} <= set(header), header
    assert data[0]["英文地址"] == "1 Caoxi North Road" and data[0]["启用"] == "是"
    preview = upload(bureau, ServicePoint, book)
    assert not preview.context["result"].has_validation_errors()
    bureau.post(admin_url(ServicePoint, "process_import"), preview.context["confirm_form"].initial)
    assert list(ServicePoint.objects.values()) == before


def test_the_calendar_in_chinese_with_a_bad_row(bureau):
    book = openpyxl.Workbook()
    book.active.append(["日期", "类型", "名称"])
    book.active.append(["2027-01-01", "节假日（放假）", "元旦"])
    book.active.append(["2027-02-06", "调休工作日", "春节调休"])
    book.active.append(["2027-02-07", "workday", ""])  # the code is read too
    book.active.append(["2027-02-08", "开会", ""])
    preview = upload(bureau, CalendarDay, book)
    assert preview.context.get("confirm_form") is None
    html = preview.content.decode()
    assert "第 5 行“类型”列：" in html and "开会" in html
    assert not CalendarDay.objects.exists()

    book.active.delete_rows(5)
    preview = upload(bureau, CalendarDay, book)
    bureau.post(admin_url(CalendarDay, "process_import"), preview.context["confirm_form"].initial)
    kinds = dict(CalendarDay.objects.values_list("date__day", "kind"))
    assert kinds == {1: DayKind.HOLIDAY, 6: DayKind.WORKDAY, 7: DayKind.WORKDAY}


def test_the_calendar_exports_what_the_admin_shows(bureau):
    CalendarDay.objects.create(date="2027-01-01", kind=DayKind.HOLIDAY, name="元旦")
    response = bureau.post(
        admin_url(CalendarDay, "export"),
        {
            "resource": "0",
            "format": format_index(CalendarDay),
            **{f"calendardayresource_{name}": "on" for name in ("date", "kind", "name")},
        },
    )
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet.title == "工作日历日期"
    assert list(sheet.values) == [
        ("日期", "类型", "名称"),
        ("2027-01-01", "节假日（放假）", "元旦"),
    ]


# The widgets ----------------------------------------------------------------------------------


def test_a_choice_is_read_from_any_of_its_names():
    widget = ChoiceLabelWidget(DayKind.choices, aliases={"放假": DayKind.HOLIDAY})
    for name in (
        "holiday",
        "HOLIDAY",
        "节假日（放假）",
        "节假日(放假)",
        "Holiday (no work)",
        "放假",
    ):
        assert widget.clean(name) == "holiday"
    with pytest.raises(ValueError, match="开会"):
        widget.clean("开会")


def test_yes_and_no():
    widget = YesNoWidget()
    assert [widget.clean(v) for v in ("是", "否", "1", 0, "Yes", "no", True)] == [
        True,
        False,
        True,
        False,
        True,
        False,
        True,
    ]
    with pytest.raises(ValueError):
        widget.clean("maybe")


def test_every_column_has_its_own_name_in_every_language():
    """A header read back must name one column: no label is another column's label or field
    name, in any language."""
    from django.utils import translation

    from appointments.resources import CalendarDayResource
    from catalog.resources import CategoryResource, MaterialResource, ServiceItemResource
    from windows.resources import DistrictResource, ServicePointResource

    for resource_class in (
        CategoryResource,
        ServiceItemResource,
        MaterialResource,
        DistrictResource,
        ServicePointResource,
        CalendarDayResource,
    ):
        resource = resource_class()
        for language in ("zh-hans", "en"):
            with translation.override(language):
                names = {}
                for column, label in resource.labels().items():
                    for name in {column, label.casefold()}:
                        assert names.setdefault(name, column) == column, (resource_class, name)
