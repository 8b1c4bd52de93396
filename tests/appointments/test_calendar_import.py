"""The bureau's calendar table: spreadsheet import and export, and its admin pages."""

import datetime as dt
import io

import openpyxl
import pytest
import tablib
import time_machine
from django.conf import settings
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from import_export.formats import base_formats

from appointments import workdays
from appointments.constants import CalendarSource, DayKind
from appointments.models import CalendarDay
from appointments.resources import CalendarDayResource
from tests.windows.factories import UserFactory

D = dt.date.fromisoformat
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture(autouse=True)
def fresh_calendar():
    workdays.clear_cache()
    yield
    workdays.clear_cache()


def dataset(headers, *rows):
    data = tablib.Dataset(headers=headers)
    for row in rows:
        data.append(row)
    return data


def run_import(data, dry_run=False):
    with translation.override("en"):
        return CalendarDayResource().import_data(data, dry_run=dry_run)


def row_errors(result):
    """{row number: {field: [messages]}} of the rows that failed to validate."""
    return {row.number: row.field_specific_errors for row in result.invalid_rows}


# Importing ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_good_csv_file_creates_and_updates_days_keyed_on_date():
    CalendarDay.objects.create(date=D("2027-01-01"), kind=DayKind.HOLIDAY, name="旧名称")
    text = (
        "日期,类型,名称\n"
        "2027-01-01,holiday,元旦\n"
        "2027/2/6,调休上班,春节调休\n"
        "2027-02-08,放假,春节\n"
    )
    data = base_formats.CSV().create_dataset(text)

    result = run_import(data)

    assert not result.has_errors() and not result.has_validation_errors()
    assert result.totals["new"] == 2 and result.totals["update"] == 1
    assert list(CalendarDay.objects.values_list("date", "kind", "name")) == [
        (D("2027-01-01"), "holiday", "元旦"),
        (D("2027-02-06"), "workday", "春节调休"),
        (D("2027-02-08"), "holiday", "春节"),
    ]
    # The working-day calendar follows at once.
    assert workdays.calendar_source(2027) == CalendarSource.BUREAU
    assert workdays.is_working_day(D("2027-02-06"))  # a Saturday
    assert not workdays.is_working_day(D("2027-02-08"))  # a Monday


@pytest.mark.django_db
def test_a_good_xlsx_file_with_date_cells():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["date", "kind", "name"])
    sheet.append([dt.datetime(2027, 10, 1), "holiday", "国庆节"])
    sheet.append([dt.datetime(2027, 10, 9), "workday", None])  # a Saturday, no name
    sheet.append([None, None, None])  # spreadsheet programs leave blank rows at the end
    buffer = io.BytesIO()
    book.save(buffer)
    data = base_formats.XLSX().create_dataset(buffer.getvalue())

    result = run_import(data)

    assert not result.has_errors() and not result.has_validation_errors()
    assert list(CalendarDay.objects.values_list("date", "kind", "name")) == [
        (D("2027-10-01"), "holiday", "国庆节"),
        (D("2027-10-09"), "workday", ""),
    ]


BAD_ROWS = [
    # (bad row, field, words of the message)
    (("2027-13-01", "holiday", "x"), "date", "is not a date"),
    (("01/02/2027", "holiday", "x"), "date", "is not a date"),
    (("", "holiday", "x"), "date", "date is missing"),
    (("1927-01-01", "holiday", "x"), "date", "between 2000 and 2100"),
    (("2027-02-01", "vacation", "x"), "kind", "Unknown kind"),
    (("2027-02-01", "", "x"), "kind", "kind is missing"),
    (("2027-02-01", "holiday", "名" * 41), "name", "at most 40 characters"),
    (("2027-01-05", "workday", "x"), "date", "already in row 1"),  # same date as row 1
]


@pytest.mark.django_db
@pytest.mark.parametrize(("bad_row", "field", "words"), BAD_ROWS)
def test_a_bad_row_is_reported_with_its_number_and_nothing_is_saved(bad_row, field, words):
    data = dataset(
        ["date", "kind", "name"],
        ("2027-01-05", "holiday", "good row"),
        bad_row,
        ("2027-01-06", "holiday", "good row too"),
    )

    result = run_import(data)

    errors = row_errors(result)
    assert list(errors) == [2]  # row 2: rows count from the first one under the header
    assert list(errors[2]) == [field]
    assert words in " ".join(errors[2][field])
    assert not CalendarDay.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("headers", "missing"),
    [(["date", "name"], "kind"), (["day", "kind", "name"], "date"), (["name"], "date, kind")],
)
def test_a_missing_column_refuses_the_whole_file(headers, missing):
    data = dataset(headers, *[("2027-01-01",) * len(headers)])

    result = run_import(data)

    assert result.has_errors()
    message = str(result.base_errors[0].error)
    assert f"The file has no column {missing}." in message
    assert not CalendarDay.objects.exists()


@pytest.mark.django_db
def test_round_trip_export_then_import_changes_nothing():
    CalendarDay.objects.create(date=D("2027-01-01"), kind=DayKind.HOLIDAY, name="元旦")
    CalendarDay.objects.create(date=D("2027-02-06"), kind=DayKind.WORKDAY, name="=春节调休")
    CalendarDay.objects.create(date=D("2027-10-01"), kind=DayKind.HOLIDAY, name="")
    before = list(CalendarDay.objects.values_list("pk", "date", "kind", "name"))
    for fmt in (base_formats.XLSX(), base_formats.CSV()):
        with translation.override("zh-hans"):
            exported = fmt.export_data(CalendarDayResource().export())
        data = fmt.create_dataset(exported)
        # A spreadsheet must not run the name as a formula: exported with a quote before it.
        assert "'=春节调休" in data["名称"]
        # Headed and written as the admin shows them.
        assert data.headers == ["日期", "类型", "名称"]
        assert data["类型"] == ["节假日（放假）", "调休工作日", "节假日（放假）"]

        preview = run_import(data, dry_run=True)
        assert not preview.has_errors() and not preview.has_validation_errors()
        assert preview.totals["skip"] == 3  # nothing would change

        run_import(data)
        assert list(CalendarDay.objects.values_list("pk", "date", "kind", "name")) == before


# Admin -------------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client, db):
    client.force_login(UserFactory(username="calendar-admin", is_staff=True, is_superuser=True))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def format_index(format_class):
    model_admin = admin.site._registry[CalendarDay]
    return str(model_admin.get_import_formats().index(format_class))


def upload(admin_client, text):
    return admin_client.post(
        reverse("admin:appointments_calendarday_import"),
        {
            "resource": "0",
            "format": format_index(base_formats.CSV),
            "import_file": SimpleUploadedFile("days.csv", text.encode(), "text/csv"),
        },
    )


@pytest.mark.django_db
def test_admin_import_previews_then_saves_on_confirm(admin_client):
    assert workdays.is_working_day(D("2027-01-01"))

    preview = upload(admin_client, "date,kind,name\n2027-01-01,holiday,元旦\n")

    assert preview.status_code == 200
    assert not CalendarDay.objects.exists()  # only a preview so far
    confirm = preview.context["confirm_form"]
    response = admin_client.post(
        reverse("admin:appointments_calendarday_process_import"), confirm.initial
    )
    assert response.status_code == 302
    assert CalendarDay.objects.get().name == "元旦"
    assert not workdays.is_working_day(D("2027-01-01"))  # in effect at once


@pytest.mark.django_db
def test_admin_import_of_a_bad_file_shows_the_row_and_offers_no_confirm(admin_client):
    response = upload(admin_client, "date,kind,name\n2027-01-01,holiday,元旦\n2027-01-02,party,x\n")

    assert response.status_code == 200
    assert "confirm_form" not in response.context
    assert response.context["result"].invalid_rows[0].number == 2
    assert "Unknown kind" in response.content.decode()
    assert not CalendarDay.objects.exists()


@pytest.mark.django_db
def test_admin_import_of_a_file_without_a_column_says_which(admin_client):
    response = upload(admin_client, "date,name\n2027-01-01,元旦\n")

    assert "confirm_form" not in response.context
    assert "The file has no column kind." in response.content.decode()
    assert not CalendarDay.objects.exists()


@time_machine.travel(dt.datetime(2026, 6, 1, 10, tzinfo=SHANGHAI), tick=False)
@pytest.mark.django_db
def test_admin_list_tells_the_calendar_of_this_year_and_the_next(admin_client):
    url = reverse("admin:appointments_calendarday_changelist")

    page = admin_client.get(url).content.decode()
    assert "2026: working days follow the official State Council schedule" in page
    assert "2027: no official schedule and no days entered" in page

    CalendarDay.objects.create(date=D("2027-01-01"), kind=DayKind.HOLIDAY, name="元旦")
    page = admin_client.get(url).content.decode()
    assert "2027: no official schedule in the system; working days follow the days" in page


@time_machine.travel(dt.datetime(2026, 6, 1, 10, tzinfo=SHANGHAI), tick=False)
@pytest.mark.django_db
def test_admin_list_filters_by_year_and_kind(admin_client):
    CalendarDay.objects.create(date=D("2026-09-29"), kind=DayKind.HOLIDAY, name="临时")
    CalendarDay.objects.create(date=D("2027-01-01"), kind=DayKind.HOLIDAY, name="元旦")
    CalendarDay.objects.create(date=D("2027-02-06"), kind=DayKind.WORKDAY, name="调休")
    url = reverse("admin:appointments_calendarday_changelist")

    def shown(query):
        response = admin_client.get(url, query)
        return [day.date for day in response.context["cl"].result_list]

    assert shown({"year": "2027"}) == [D("2027-01-01"), D("2027-02-06")]
    assert shown({"year": "2027", "kind": "workday"}) == [D("2027-02-06")]
    assert shown({"year": "2026"}) == [D("2026-09-29")]
    assert len(shown({})) == 3
    page = admin_client.get(url, {"year": "2027"}).content.decode()
    assert "Friday" in page  # the weekday column


@pytest.mark.django_db
def test_admin_edit_takes_effect_at_once(admin_client):
    assert workdays.is_working_day(D("2027-03-01"))
    response = admin_client.post(
        reverse("admin:appointments_calendarday_add"),
        {"date": "2027-03-01", "kind": "holiday", "name": "测试"},
    )
    assert response.status_code == 302
    assert not workdays.is_working_day(D("2027-03-01"))
    day = CalendarDay.objects.get()
    response = admin_client.post(
        reverse("admin:appointments_calendarday_delete", args=[day.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert workdays.is_working_day(D("2027-03-01"))


def test_anonymous_visitors_cannot_reach_the_calendar_admin(client, db):
    response = client.get(reverse("admin:appointments_calendarday_import"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
