"""The annual report workbook against the hand-built 2025 of the statistics tests: its figures
are those of compute_stats and of GET /api/v1/stats/, it has its charts, and no personal data."""

import datetime as dt
import io
import re

import pytest
import time_machine
from openpyxl import load_workbook
from openpyxl.chart import BarChart, LineChart

from reviews.models import Complaint
from reviews.report import HEADER_ROWS, write_report
from reviews.stats import compute_stats
from reviews.stats_breakdowns import stats_by
from tests.appointments.factories import resident_id
from tests.windows.factories import ServicePointFactory
from windows import targets
from windows.constants import Kind, Level

from .stats_factories import at, known_year, make_case

pytestmark = [pytest.mark.django_db]

SUMMARY, MONTH, DISTRICT, WINDOW, ITEM, KEYS = range(6)
TARGET_KEYS = ("training_bases", "brand_bases", "information_points", "district_coverage")
PERSON = {"name": "欧阳秘密", "phone": "13912345678", "id_number": resident_id(seq=777)}
COMMENT = "窗口工作人员态度恶劣秘密评论"


@pytest.fixture
def frozen():
    with time_machine.travel(dt.datetime(2026, 1, 15, 10, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def known(frozen, window_a, window_b, item, staff_a, staff_b):
    data = known_year(window_a, window_b, item, staff_a, staff_b)
    # Personal data that must never reach the report: on a case, a rating and a complaint.
    case = data.cases[0]
    for field, value in PERSON.items():
        setattr(case, field, value)
    case.save()
    data.ratings.r4.comment = COMMENT
    data.ratings.r4.save()
    Complaint.objects.update(name=PERSON["name"], phone=PERSON["phone"])
    return data


def build(year):
    buffer = io.BytesIO()
    write_report(year, buffer)
    buffer.seek(0)
    return load_workbook(buffer)


@pytest.fixture
def workbook(known):
    return build(2025)


def keys_of(workbook):
    """[(sheet, column, Chinese, English, key)] of the sheet for programs (the last one)."""
    return list(workbook.worksheets[KEYS].iter_rows(min_row=2, values_only=True))


def summary_values(workbook):
    """{key: value} of the summary: column A holds the Chinese label, C the value; the key
    comes from the sheet for programs."""
    summary = workbook.worksheets[SUMMARY].title
    key_of = {chinese: key for sheet, _c, chinese, _e, key in keys_of(workbook) if sheet == summary}
    values = {}
    for row in workbook.worksheets[SUMMARY].iter_rows(min_col=1, max_col=3, values_only=True):
        if row[0] in key_of:
            values.setdefault(key_of[row[0]], row[2])
    return values


def flatten(stats):
    flat = {}
    for key, value in stats.items():
        if key in ("year", "key", "label", "filters"):
            continue
        if isinstance(value, dict):
            flat.update({f"{key}.{part}": v for part, v in value.items()})
        else:
            flat[key] = value
    return flat


def table(workbook, index):
    """[{key: value}] of a breakdown sheet, keyed by the sheet for programs (its columns)."""
    sheet = workbook.worksheets[index]
    keys = [key for name, _c, _zh, _en, key in keys_of(workbook) if name == sheet.title]
    rows = list(sheet.iter_rows(values_only=True))
    # Charts sit below the table; the table ends at the first empty row.
    body = []
    for row in rows[HEADER_ROWS:]:
        if all(value is None for value in row[:3]):
            break
        body.append(dict(zip(keys, row, strict=False)))
    return body


def test_summary_holds_every_figure_of_compute_stats(workbook):
    expected = flatten(compute_stats(2025))

    found = summary_values(workbook)

    assert set(expected) <= set(found)
    assert {key: found[key] for key in expected} == expected
    # The hand-built figures (test_stats.py): ratings 5, 4, 1 → 好评率 66.7%, one 差评.
    assert (found["ratings"], found["good_rate"], found["bad_reviews"]) == (3, 0.6667, 1)
    assert found["rectification_rate"] == 0.0
    assert found["rectification_on_time_rate"] is None


def test_summary_equals_the_stats_api(workbook, api, bureau):
    api.force_authenticate(bureau)
    body = api.get("/api/v1/stats/", {"year": 2025}).json()

    found = summary_values(workbook)

    assert {key: found[key] for key in flatten(body)} == flatten(body)


def test_summary_labels_are_bilingual(workbook):
    sheet = workbook.worksheets[SUMMARY]
    english = {row[1]: row for row in sheet.iter_rows(max_col=3, values_only=True) if row[1]}

    assert english["Good rating rate (5 and 4)"][0] == "好评率（5分和4分）"
    assert english["Cases by status: Completed"][2] == 3
    assert "2025" in sheet["A1"].value


def test_the_sheets_for_people_show_no_api_keys(workbook):
    """Human column names only; the keys are on the last sheet, for programs."""
    keys = {key for *_rest, key in keys_of(workbook)}
    assert {"good_rate", "cases.completed", "on_time_rate", "training_bases"} <= keys
    for sheet in workbook.worksheets[:KEYS]:
        for row in sheet.iter_rows(values_only=True):
            for value in row:
                assert not (isinstance(value, str) and value in keys - {"key"}), (
                    sheet.title,
                    value,
                )
                if isinstance(value, str):
                    assert not re.fullmatch(r"[a-z]+(_[a-z]+)+(\.[a-z0-9_]+)?", value), value
    assert workbook.sheetnames[KEYS].startswith("供程序读取")


def test_a_report_of_a_year_not_over_says_so(known):
    with time_machine.travel(dt.datetime(2026, 12, 3, 2, tzinfo=dt.UTC), tick=False):
        sheet = build(2026).worksheets[SUMMARY]

    rows = {row[0]: row[1] for row in sheet.iter_rows(max_col=2, values_only=True) if row[0]}
    assert rows["覆盖期间 / Period covered"].startswith("2026-01-01至2026-12-03（年度尚未结束")


def test_a_report_of_a_past_year_covers_it_whole(workbook):
    sheet = workbook.worksheets[SUMMARY]
    rows = {row[0]: row[1] for row in sheet.iter_rows(max_col=2, values_only=True) if row[0]}
    assert rows["覆盖期间 / Period covered"].startswith("2025年全年")


def target_rows(workbook):
    """{key: (Chinese, English, target, actual, met, met in English, covered)}."""
    summary = workbook.worksheets[SUMMARY]
    key_of = {zh: key for sheet, _c, zh, _en, key in keys_of(workbook) if sheet == summary.title}
    rows = summary.iter_rows(max_col=7, values_only=True)
    return {
        key_of[row[0]]: row for row in rows if row[0] in key_of and key_of[row[0]] in TARGET_KEYS
    }


def test_summary_has_the_2025_targets_with_the_registrys_counts(workbook):
    rows = target_rows(workbook)

    assert [rows[key][2] for key in TARGET_KEYS] == [15, 16, 35, 1]
    for progress in targets.measure():
        row = rows[progress.key]
        if progress.is_percent:
            assert (row[3], row[6]) == (progress.actual / 100, f"{progress.covered} / 16")
        else:
            assert row[3] == progress.actual
        # Built in January 2026: the 2021-2025 period is over, the 2025 figures are its result.
        assert row[5] == ("Reached" if progress.met else "Below the target")
    # Three comprehensive district windows in two of the 16 districts.
    assert rows["district_coverage"][6] == "2 / 16"


def test_targets_count_the_registry(known):
    ServicePointFactory(kind=Kind.TRAINING, level=Level.CITY, district=None)

    rows = target_rows(build(2025))

    assert rows["training_bases"][2:4] == (15, 1)


@pytest.mark.parametrize(
    ("index", "dimension"),
    [(MONTH, "month"), (DISTRICT, "district"), (WINDOW, "window"), (ITEM, "item")],
)
def test_breakdown_sheets_equal_stats_by(workbook, index, dimension):
    expected = stats_by(2025, dimension)

    rows = table(workbook, index)

    assert [row["key"] for row in rows] == [row["key"] for row in expected]
    for found, wanted in zip(rows, expected, strict=True):
        assert {k: found[k] for k in flatten(wanted)} == flatten(wanted), wanted["key"]


def test_district_and_month_sheets_equal_the_api_breakdowns(workbook, api, bureau, known):
    api.force_authenticate(bureau)
    for index, dimension in ((DISTRICT, "district"), (MONTH, "month")):
        body = api.get("/api/v1/stats/", {"year": 2025, "breakdown": dimension}).json()
        rows = {row["key"]: row for row in table(workbook, index)}
        for wanted in body["rows"]:
            found = rows[wanted["key"]]
            assert {k: found[k] for k in flatten(wanted)} == flatten(wanted)


def test_known_cells_of_the_district_and_month_sheets(workbook, known):
    districts = {row["key"]: row for row in table(workbook, DISTRICT)}
    months = {row["key"]: row for row in table(workbook, MONTH)}

    # Pudong: c5 (accepted) created in 2025, c6 completed 2025 in 3 working days.
    assert districts["310115"]["label"] == "浦东新区"
    assert districts["310115"]["label_en"] == "Pudong New Area"
    assert (districts["310115"]["cases_total"], districts["310115"]["avg_working_days"]) == (1, 3.0)
    # March: the booking c1 (created 1 March, seen 10 March) and the no-show c2; c1's rating.
    assert (months[3]["bookings"], months[3]["no_shows"], months[3]["ratings"]) == (2, 1, 1)
    assert months[3]["good_rate"] == 1.0


def test_charts_are_native_excel_charts(workbook):
    month_charts = workbook.worksheets[MONTH]._charts
    district_charts = workbook.worksheets[DISTRICT]._charts

    assert any(isinstance(chart, LineChart) for chart in month_charts)
    assert any(isinstance(chart, BarChart) for chart in district_charts)
    line = next(chart for chart in month_charts if isinstance(chart, LineChart))
    # Twelve months of data, from the month sheet itself.
    reference = line.series[0].val.numRef.f
    assert reference.startswith(f"'{workbook.worksheets[MONTH].title}'!")
    assert re.search(r"\$3:\$[A-Z]+\$14$", reference), reference


def test_no_personal_data_anywhere(workbook, known):
    secrets = [*PERSON.values(), COMMENT, known.staff_a.username, known.staff_b.username]
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows(values_only=True):
            text = " ".join(str(value) for value in row if value is not None)
            for secret in secrets:
                assert secret not in text, (sheet.title, secret)


def test_an_empty_year_builds(frozen):
    workbook = build(2003)

    assert len(workbook.worksheets) == 6
    assert summary_values(workbook)["ratings"] == 0


def test_a_name_like_a_formula_stays_text(frozen, district, item):
    window = ServicePointFactory(name="=1+1", district=district)
    make_case(window, item, created=at(2025, 5, 5))

    sheet = build(2025).worksheets[WINDOW]

    names = [row[1] for row in sheet.iter_rows(min_row=HEADER_ROWS + 1, values_only=True)]
    assert "'=1+1" in names
