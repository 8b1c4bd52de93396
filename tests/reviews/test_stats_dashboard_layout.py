"""The dashboard as an analyst reads it (issue 11): headed tables that fit, the years that have
figures, contents to jump between the sections, the year before beside this one, and the
.xlsx of what is on screen."""

import datetime as dt
import io
import re

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from hall.constants import TicketStatus
from hall.models import Ticket
from reviews.views.stats import COLUMN_GROUPS, COLUMNS, change
from tests.catalog.factories import ServiceItemFactory
from tests.windows.factories import ServicePointFactory

from .stats_factories import at, make_completed, more_of_the_same, rate
from .stats_fixtures import *  # noqa: F403

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

URL = "/bureau/stats/"
EXPORT = "/bureau/stats/export/"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _section(html, section_id):
    match = re.search(rf'<section id="{section_id}".*?</section>', html, re.S)
    assert match, f"no section {section_id}"
    return match.group(0)


def _first_column_headings(part):
    return re.findall(r'<thead><tr><th scope="col">([^<]*)</th>', part)


def _workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def _rows(sheet):
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def _reads(queries):
    """The queries that read data: not the savepoints and the PostgreSQL memory setting of
    stats_overview (backend-dependent)."""
    return [q for q in queries.captured_queries if "FROM" in q["sql"].upper()]


# --- tables ---------------------------------------------------------------------------------------


def test_each_breakdown_heads_its_first_column_with_what_the_rows_are(client, bureau, known):
    client.force_login(bureau)

    html = client.get(URL, {"year": 2025}).content.decode()

    expected = {"month": "月份", "district": "区", "window": "窗口", "item": "事项"}
    expected["staff"] = "工作人员"
    for section, heading in expected.items():
        headings = _first_column_headings(_section(html, section))
        assert headings and set(headings) == {heading}, section
    assert "姓名" not in html
    status = html[html.index('<section id="status-channel"') : html.index("stats-breakdowns")]
    assert _first_column_headings(status) == ["办件状态", "办理渠道"]


def test_headings_in_english(client, bureau, known):
    client.force_login(bureau)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    html = client.get(URL, {"year": 2025}).content.decode()

    assert set(_first_column_headings(_section(html, "month"))) == {"Month"}
    assert set(_first_column_headings(_section(html, "item"))) == {"Service item"}


def test_no_table_is_thirteen_columns_wide(client, bureau, known):
    """The figures are split into groups of at most seven, one table each; every table sits in
    a named scroll region that the keyboard reaches (for a phone)."""
    client.force_login(bureau)

    html = client.get(URL, {"year": 2025}).content.decode()

    tables = re.findall(r"<table.*?</table>", _section(html, "window"), re.S)
    assert len(tables) == len(COLUMN_GROUPS) == 3
    for table in tables:
        header = re.search(r"<thead>.*?</thead>", table, re.S).group(0)
        assert len(re.findall(r"<th ", header)) <= 8  # the row heading and at most 7 figures
    grouped = [name for _id, _title, names in COLUMN_GROUPS for name in names]
    assert sorted(grouped) == sorted(name for name, _label, _kind in COLUMNS)
    regions = re.findall(r'<div class="table-scroll"[^>]*>', html)
    assert regions
    for region in regions:
        assert 'role="region"' in region and 'tabindex="0"' in region
        assert "aria-labelledby=" in region


# --- years ----------------------------------------------------------------------------------------


def _year_choices(response):
    return [int(value) for value, _label in response.context["form"].fields["year"].widget.choices]


def test_the_year_list_offers_the_years_that_have_figures(client, bureau, known):
    client.force_login(bureau)

    response = client.get(URL)

    # 2024: a case registered and a complaint received; 2026: a booking for January; now 2026.
    assert _year_choices(response) == [2026, 2025, 2024]
    assert '<option value="2000"' not in response.content.decode()


def test_window_staff_see_the_years_of_their_windows(client, known):
    client.force_login(known.staff_a)

    assert _year_choices(client.get(URL)) == [2026, 2025]


def test_with_no_figures_only_the_current_year(client, bureau):
    client.force_login(bureau)

    assert _year_choices(client.get(URL)) == [2026]


# --- contents -------------------------------------------------------------------------------------


def test_contents_link_to_every_section(client, bureau, known):
    client.force_login(bureau)

    html = client.get(URL, {"year": 2025}).content.decode()

    contents = re.search(r'<nav class="stats-toc.*?</nav>', html, re.S).group(0)
    anchors = re.findall(r'href="#([\w-]+)"', contents)
    assert anchors == [
        "overview",
        "status-channel",
        "month",
        "district",
        "window",
        "item",
        "staff",
    ]
    for anchor in anchors:
        assert f'<section id="{anchor}"' in html
    assert html.count('href="#contents"') == len(anchors)
    assert 'src="/static/reviews/stats.js"' in html


# --- the year before ------------------------------------------------------------------------------


def test_the_year_before_beside_each_headline_figure(client, bureau, known):
    case = make_completed(
        known.window_a,
        known.item,
        accepted=at(2026, 1, 5).date(),
        completed=at(2026, 1, 7, 15),
        promised=at(2026, 1, 9).date(),
    )
    rate(case, 5, when=at(2026, 1, 8, 9))
    client.force_login(bureau)

    response = client.get(URL, {"year": 2026})

    tiles = {tile["name"]: tile for tile in response.context["headline"]}
    assert response.context["previous_year"] == 2025
    assert (tiles["cases_total"]["previous_text"], tiles["cases_total"]["text"]) == ("7", "1")
    assert tiles["cases_total"]["change"] == "-85.7%"
    # 好评率 2025: 2 of 3 (66.7%); 2026: 1 of 1 (100%).
    assert tiles["good_rate"]["change"] == "+33.3 个百分点"
    overview = _section(response.content.decode(), "overview")
    assert "2025 年：7" in overview and "-85.7%" in overview
    assert "2026年尚未结束：其数据截至今日，2025年为全年数据。" in overview
    past = _section(client.get(URL, {"year": 2025}).content.decode(), "overview")
    assert "尚未结束" not in past
    html = response.content.decode()
    status = html[html.index('<section id="status-channel"') : html.index("stats-breakdowns")]
    assert '<th scope="col" class="num">2025</th>' in status


@pytest.mark.parametrize(
    ("value", "before", "kind", "expected"),
    [
        (12, 10, "count", "+20.0%"),
        (5, 0, "count", None),
        (0.5, 0.25, "rate", "+25.0 percentage points"),
        (2.5, 3.0, "average", "-0.50"),
        (None, 3.0, "average", None),
    ],
)
def test_change(value, before, kind, expected):
    from django.utils import translation

    with translation.override("en"):
        assert change(value, before, kind) == expected


# --- the export -----------------------------------------------------------------------------------


def test_the_export_is_what_is_on_screen(client, bureau, known):
    client.force_login(bureau)
    page = client.get(URL, {"year": 2025})
    assert f'href="{EXPORT}?year=2025&amp;metric=cases_total"' in page.content.decode()

    response = client.get(EXPORT, {"year": 2025})

    assert 'filename="statistics-2025.xlsx"' in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    book = _workbook(response)
    assert book.sheetnames == [
        "年度概览",
        "办件状态与渠道",
        "按月份",
        "按区",
        "按窗口",
        "按服务事项",
        "按工作人员",
    ]
    overview = _rows(book.worksheets[0])
    assert overview[1] == ["指标", 2025, 2024]
    figures = {row[0]: row[1:] for row in overview[2:]}
    assert figures["办件数"] == [7, 1]
    assert figures["好评率（5分和4分）"][0] == pytest.approx(2 / 3, abs=1e-4)
    months = _rows(book.worksheets[2])
    assert months[0][0] == "月份" and "办件数" in months[0] and "姓名" not in months[0]
    assert [row[0] for row in months[1:]][:2] == ["一月", "二月"]
    assert sum(row[months[0].index("办件数")] for row in months[1:]) == 7
    districts = _rows(book.worksheets[3])
    assert districts[0][0] == "区"
    assert "徐汇区" in [row[0] for row in districts[1:]]


def test_the_export_keeps_the_filters_and_the_viewers_limits(client, known):
    client.force_login(known.staff_a)

    book = _workbook(client.get(EXPORT, {"year": 2025, "item": known.item.code}))

    overview = {row[0]: row[1:] for row in _rows(book.worksheets[0])[2:]}
    assert overview["办件数"][0] == 4  # c1, c2, c3, c7 at window A with this item
    assert "办不成事反映" not in overview  # complaints are the bureau's
    assert len(book.worksheets) == 3, book.sheetnames  # overview, status and channel, by month
    assert client.get(EXPORT, {"year": 2025, "window": known.window_b.pk}).status_code == 404


def _ticket(window, item, sequence, issued, wait):
    return Ticket.objects.create(
        window=window,
        item=item,
        day=issued.date(),
        group="A",
        sequence=sequence,
        rank=3,
        status=TicketStatus.DONE,
        issued_at=issued,
        called_at=issued + dt.timedelta(minutes=wait),
        finished_at=issued + dt.timedelta(minutes=wait + 5),
    )


def test_the_export_has_the_heat_map_the_page_shows(client, bureau, known):
    monday_nine, tuesday_eleven = at(2025, 3, 10, 9, 5), at(2025, 3, 11, 11, 20)
    _ticket(known.window_a, known.item, 1, monday_nine, 10)
    _ticket(known.window_a, known.item, 2, monday_nine, 20)
    _ticket(known.window_b, known.item, 1, tuesday_eleven, 50)
    client.force_login(bureau)
    page = client.get(URL, {"year": 2025})
    assert page.context["heatmap"]["hours"] == [9, 10, 11]
    assert ("queue-heatmap", "大厅等候时长（按星期和时段）") in page.context["contents"]

    book = _workbook(client.get(EXPORT, {"year": 2025}))

    assert book.sheetnames[-1] == "大厅等候时长（按星期和时段）"
    rows = _rows(book.worksheets[-1])
    assert rows[1][:2] == ["排队取号数", 3]
    assert rows[2][1] == pytest.approx(80 / 3, abs=0.05)  # (10 + 20 + 50) / 3 minutes
    waits = rows.index(["星期", "9:00", "10:00", "11:00"])
    assert rows[waits + 1] == ["星期一", 15, None, None]
    assert rows[waits + 2] == ["星期二", None, None, 50]
    assert rows[waits + 3] == ["星期三", None, None, None]
    tickets = rows.index(["星期", "9:00", "10:00", "11:00"], waits + 1)
    assert rows[tickets + 1] == ["星期一", 2, None, None]
    assert rows[tickets + 2] == ["星期二", None, None, 1]
    # A window's staff get the heat map of their own windows only, as on their page.
    client.force_login(known.staff_a)
    rows = _rows(_workbook(client.get(EXPORT, {"year": 2025})).worksheets[-1])
    assert rows[1][1] == 2
    assert rows[rows.index(["星期", "9:00"]) + 1] == ["星期一", 15]


def test_no_heat_map_without_called_tickets(client, bureau, known):
    client.force_login(bureau)

    book = _workbook(client.get(EXPORT, {"year": 2025}))

    assert "大厅等候时长（按星期和时段）" not in book.sheetnames


def test_the_export_refuses_like_the_page(client, bureau):
    assert client.get(EXPORT, {"year": 2025}).status_code == 302
    client.force_login(bureau)

    response = client.get(EXPORT, {"year": "abc"})

    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()


def test_english_export(client, bureau, known):
    client.force_login(bureau)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    book = _workbook(client.get(EXPORT, {"year": 2025}))

    assert _rows(book.worksheets[2])[0][0] == "Month"
    assert _rows(book.worksheets[2])[1][0] == "January"


# --- queries --------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [URL, EXPORT])
def test_queries_do_not_depend_on_the_rows(
    client, bureau, known, item, url, django_assert_max_num_queries
):
    client.force_login(bureau)
    client.get(url, {"year": 2025})  # warm the calendar cache
    with CaptureQueriesContext(connection) as few:
        client.get(url, {"year": 2025})
    for _n in range(3):
        other = ServicePointFactory(district=known.window_a.district)
        more_of_the_same(other, ServiceItemFactory(category=item.category), 10)

    # Reads: session, user, bureau group (3); the form's districts, windows, items and years
    # (cases, complaints: 5); the overview: window x item x staff (cases, ratings, online
    # applications, complaints: 4), the districts of the windows (1), by month (cases three
    # times, ratings, online applications, complaints: 6), one label query per breakdown but the
    # month's (4), the hall's waiting figures and heat map (2); the year before (cases, ratings,
    # online applications, complaints, the hall's figures: 5): 30, whatever the rows. Not
    # counted: the statements without FROM (on PostgreSQL the savepoint around the detail pass
    # and its work_mem setting, reviews.stats_breakdowns._room_to_hash).
    with django_assert_max_num_queries(len(few)):
        response = client.get(url, {"year": 2025})
    assert response.status_code == 200
    assert len(_reads(few)) == 30


def test_years_with_data_count_cases_and_complaints(known):
    from reviews.stats_breakdowns import years_with_data

    from .stats_factories import make_complaint

    make_complaint(when=at(2022, 5, 1))

    assert years_with_data() == [2026, 2025, 2024, 2023, 2022]
    assert years_with_data(complaints=False) == [2026, 2025, 2024]
    assert years_with_data([known.window_a.pk], complaints=False) == [2026, 2025]


def test_the_first_year_has_nothing_before_it(client, bureau):
    client.force_login(bureau)

    page = client.get(URL, {"year": 2000})
    book = _workbook(client.get(EXPORT, {"year": 2000}))

    assert page.context["previous_year"] is None
    assert "stat-before" not in page.content.decode()
    assert _rows(book.worksheets[0])[1] == ["指标", 2000]


@pytest.mark.parametrize(
    "params",
    [
        {"year": "99999999999999999999"},
        {"year": 2025, "window": "abc"},
        {"year": 2025, "item": "x" * 40},
    ],
)
def test_bad_export_parameters_are_400(client, bureau, params):
    client.force_login(bureau)

    assert client.get(EXPORT, params).status_code == 400
