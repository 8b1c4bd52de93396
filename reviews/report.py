"""The annual report (年度报告): the year's statistics as an .xlsx workbook.

Every figure comes from reviews.stats (`stats_overview`: the totals and the breakdowns by month,
district, window and item, the same functions as GET /api/v1/stats/), so the report and the API
can never disagree; the network's progress against the 2025 targets comes from windows.targets,
as on the public network page. Nothing is counted here.

The workbook is bilingual: Chinese labels with English beside or under them. The sheets people
read carry no API keys; the last sheet ("For programs") gives the key in the API of every column
and summary row, so that a program can read the workbook too. A report of a year that is not
over says so on its first rows (the period it covers). It holds aggregates and the names of public
institutions only: no person's name, phone, ID number or comment, and no staff member (a
breakdown by staff member stays on the dashboard).

Sheets are written in openpyxl's write-only mode (rows are streamed to disk, memory stays flat
whatever the number of windows and items); write-only sheets accept charts, so the line chart of
the monthly trend and the bar charts of the districts sit under their own tables.
"""

from django.conf import settings
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override, pgettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, LineChart, Reference, Series
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from appointments.constants import Channel, Status
from catalog.models import ServiceItem
from ipservice.spreadsheets import escape_formula
from windows import targets
from windows.models import District, ServicePoint

from .constants import Score
from .models import covered_until
from .stats_breakdowns import stats_overview

BREAKDOWNS = ("month", "district", "window", "item")
ENGLISH = "en"

# --- labels ---------------------------------------------------------------------------------------

FIGURE_LABELS = {
    "bookings": _("Bookings"),
    "no_shows": _("No-shows"),
    "no_show_rate": _("No-show rate"),
    "cancelled_bookings": _("Cancelled bookings"),
    "cases": _("Cases by status"),
    "cases_total": pgettext_lazy("count", "Cases"),
    "channels": _("Cases by channel"),
    "completed": pgettext_lazy("count", "Completed"),
    "completed_with_promise": _("Completed, with a promised time limit"),
    "completed_on_time": _("Completed within the promised time limit"),
    "on_time_rate": _("On-time completion rate"),
    "avg_working_days": _("Average working days to complete"),
    "ratings": _("Ratings"),
    "scores": _("Ratings by score"),
    "good_ratings": _("Good ratings (5 and 4)"),
    "good_rate": _("Good rating rate (5 and 4)"),
    "avg_score": _("Average score"),
    "bad_reviews": _("Bad reviews (2 and 1)"),
    "rectifications_closed": _("Rectifications closed"),
    "rectifications_closed_on_time": _("Rectifications closed on time"),
    "rectification_rate": _("Rectification rate"),
    "rectification_on_time_rate": _("On-time rectification rate"),
    "complaints": _("Complaints"),
    "complaints_closed": _("Complaints closed"),
    # The hall's queue (hall.stats).
    "tickets": _("Queue tickets"),
    "avg_wait_minutes": _("Average wait (minutes)"),
    "wait_within_15_rate": _("Called within 15 minutes"),
    "wait_within_30_rate": _("Called within 30 minutes"),
    "avg_service_minutes": _("Average service time (minutes)"),
    "ticket_no_shows": _("Tickets not answered (过号)"),
    # Online applications (applications.stats).
    "applications": _("Online applications"),
    "avg_prereview_hours": _("Average pre-review time (clock hours)"),
    "correction_rate": _("Correction rate"),
    "first_pass_rate": _("Accepted first time"),
    "zero_visit": _("Completed with no visit (online, result by post)"),
    "zero_visit_rate": _("Zero-visit share (零跑腿)"),
}
# The parts of the figures that are counts by category.
PART_LABELS = {
    "cases": dict(Status.choices),
    "channels": dict(Channel.choices),
    "scores": {str(value): label for value, label in Score.choices},
}
SHEET_TITLES = {
    "summary": _("Summary"),
    "month": _("By month"),
    "district": _("By district"),
    "window": _("By window"),
    "item": _("By service item"),
    "keys": _("For programs"),
}
# Rows of records that name no district / window / item (the same words as the dashboard's).
NONE_LABELS = {
    "district": _("City level or not specified"),
    "window": _("Not specified"),
    "item": _("Not specified"),
}

COUNT_FORMAT, RATE_FORMAT, AVERAGE_FORMAT = "#,##0", "0.00%", "0.00"
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)
HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
WRAP = Alignment(wrap_text=True, vertical="top")


def bilingual(text, **params):
    """(Chinese, English) of a translatable text, whatever language the request had; `params`
    fill its %(name)s placeholders in each language."""
    texts = []
    for language in (settings.LANGUAGE_CODE, ENGLISH):
        with override(language):
            texts.append(str(text) % params if params else str(text))
    return tuple(texts)


def joined(text, **params):
    """ "中文 / English" in one cell (one language only while a text is not translated)."""
    chinese, english = bilingual(text, **params)
    return english if chinese == english else f"{chinese} / {english}"


def number_format(key):
    if key.endswith("_rate"):
        return RATE_FORMAT
    if key.startswith("avg_"):
        return AVERAGE_FORMAT
    return COUNT_FORMAT


# --- the figures as columns -----------------------------------------------------------------------


class Figure:
    """One column of figures: its key in the API's dict ("cases.completed" for a part)."""

    def __init__(self, key, label, part=None, part_label=None):
        self.key = f"{key}.{part}" if part is not None else key
        self.path = (key, part)
        self.label = label
        self.part_label = part_label
        self.format = number_format(key)

    def value(self, figures):
        key, part = self.path
        value = figures.get(key)
        return value.get(part) if part is not None and value is not None else value

    def labels(self):
        """(Chinese, English) label: "Cases by status: Completed" for a part."""
        chinese, english = bilingual(self.label)
        if self.part_label is None:
            return chinese, english
        part_chinese, part_english = bilingual(self.part_label)
        return f"{chinese}：{part_chinese}", f"{english}: {part_english}"


def figures_of(stats):
    """Every figure of a stats dict, in the dict's order, parts flattened: new keys added to
    reviews.stats appear in the report without a change here (labelled by their key)."""
    columns = []
    for key, value in stats.items():
        if key in ("year", "key", "label"):
            continue
        label = FIGURE_LABELS.get(key, key)
        if isinstance(value, dict):
            names = PART_LABELS.get(key, {})
            columns += [Figure(key, label, part, names.get(part, part)) for part in value]
        else:
            columns.append(Figure(key, label))
    return columns


# --- cells ----------------------------------------------------------------------------------------


def cell(sheet, value, *, font=None, number_format=None, fill=None, alignment=None):
    result = WriteOnlyCell(sheet, value=value)
    if font:
        result.font = font
    if number_format:
        result.number_format = number_format
    if fill:
        result.fill = fill
    if alignment:
        result.alignment = alignment
    return result


def header(sheet, texts):
    return [cell(sheet, text, font=BOLD, fill=HEADER_FILL, alignment=WRAP) for text in texts]


def sheet_title(name):
    """ "按月 By month": both languages, within Excel's 31 characters."""
    chinese, english = bilingual(SHEET_TITLES[name])
    title = english if chinese == english else f"{chinese} {english}"
    return title[:31]


def set_widths(sheet, widths):
    # Write-only sheets take column widths only before their first row.
    for letter, width in widths.items():
        sheet.column_dimensions[letter].width = width


# --- summary --------------------------------------------------------------------------------------


def write_summary(workbook, year, totals, progress_of_targets, built_at):
    sheet = workbook.create_sheet(sheet_title("summary"))
    set_widths(sheet, {"A": 36, "B": 44, "C": 14, "D": 14, "E": 12, "F": 12, "G": 24})
    title_zh, title_en = bilingual(
        _("Shanghai IP public service windows: annual report %(year)s"), year=year
    )
    sheet.append([cell(sheet, title_zh, font=TITLE)])
    if title_en != title_zh:
        sheet.append([title_en])
    built = timezone.localtime(built_at).strftime("%Y-%m-%d %H:%M")
    sheet.append([joined(_("Built at")), built])
    sheet.append(
        [joined(_("Period covered")), cell(sheet, period_covered(year, built_at), font=BOLD)]
    )
    label_zh, label_en = bilingual(_("How figures are counted"))
    note_zh, note_en = bilingual(COUNTING_NOTE)
    sheet.append([label_zh, cell(sheet, note_zh, alignment=WRAP)])
    if note_en != note_zh:
        sheet.append([label_en, cell(sheet, note_en, alignment=WRAP)])
    sheet.append([])
    write_totals(sheet, year, totals)
    sheet.append([])
    built_on = timezone.localtime(built_at).date()
    period_over = targets.period_for(built_on).is_over(built_on)
    write_targets(sheet, progress_of_targets, built, period_over)


def period_covered(year, built_at):
    """ "1 January to 31 December 2025", or, for a year not over, the days so far, saying so."""
    until = covered_until(year, built_at)
    if until is None:
        return joined(_("The whole year %(year)s"), year=year)
    return joined(
        _("%(year)s-01-01 to %(until)s only: the year is not over, the figures are partial"),
        year=year,
        until=until.isoformat(),
    )


COUNTING_NOTE = _(
    "Bookings count by appointment date, cases by the date they were registered, completions "
    "by the completion date, ratings by the date they were given (ratings excluded after an "
    "upheld appeal do not count), complaints by the date received, in Shanghai time. Rates are "
    "shares of the figures they depend on; an empty cell means there is nothing to divide. The "
    "figures are those of /api/v1/stats/ for the same year."
)


def write_totals(sheet, year, totals):
    sheet.append([cell(sheet, joined(_("The year's totals")), font=BOLD)])
    sheet.append(header(sheet, [*bilingual(_("Indicator")), str(year)]))
    for figure in figures_of(totals):
        value = figure.value(totals)
        sheet.append([*figure.labels(), cell(sheet, value, number_format=figure.format)])


def _key_header():
    return joined(_("Key in the API"))


def write_targets(sheet, progress_of_targets, built, period_over):
    if period_over:
        title = _(
            "The network against its 2025 targets, the final result of their period "
            "(registry on %(date)s)"
        )
    else:
        title = _("The network against its 2025 targets (registry on %(date)s)")
    sheet.append([cell(sheet, joined(title, date=built), font=BOLD)])
    sheet.append(
        header(
            sheet,
            [
                *bilingual(_("Indicator")),
                joined(_("2025 target")),
                joined(_("Actual")),
                *bilingual(_("Met")),
                joined(_("Districts covered")),
            ],
        )
    )
    for progress in progress_of_targets:
        sheet.append(target_row(sheet, progress, period_over))


def target_row(sheet, progress, period_over=False):
    if period_over:
        verdict = (
            pgettext_lazy("network target", "Reached")
            if progress.met
            else pgettext_lazy("network target", "Below the target")
        )
    else:
        verdict = _("Met") if progress.met else _("Not met")
    if progress.is_percent:
        target = cell(sheet, progress.target / 100, number_format="0%")
        actual = cell(sheet, progress.actual / 100, number_format="0%")
        covered = f"{progress.covered} / {targets.SHANGHAI_DISTRICTS}"
    else:
        target, actual, covered = progress.target, progress.actual, None
    return [*bilingual(progress.label), target, actual, *bilingual(verdict), covered]


# --- breakdowns -----------------------------------------------------------------------------------

# (header label, key) of the columns that say what a row is, per breakdown.
ROW_HEADS = {
    "month": [
        (_("Month number"), "key"),
        (_("Month"), "label"),
        (_("Month (English)"), "label_en"),
    ],
    "district": [
        (_("District code"), "key"),
        (_("District"), "label"),
        (_("English name"), "label_en"),
    ],
    "window": [
        (_("Window id"), "key"),
        (_("Window"), "label"),
        (_("English name"), "label_en"),
        (_("District"), "district"),
    ],
    "item": [
        (_("Item code"), "key"),
        (_("Service item"), "label"),
        (_("English name"), "label_en"),
    ],
}
HEADER_ROWS = 2  # Chinese labels, English labels (the keys are on the sheet for programs)


def row_names(dimension, rows):
    """{key: {"label", "label_en", ...}} for the rows of a breakdown: official (Chinese) and
    English names; one query per breakdown (none by month)."""
    keys = [row["key"] for row in rows if row["key"] is not None]
    names = NAME_LOOKUPS[dimension](keys)
    none_zh, none_en = bilingual(NONE_LABELS.get(dimension, ""))
    names[None] = {"label": none_zh, "label_en": none_en, "district": None}
    return names


def _month_names(keys):
    names = {}
    for month in keys:
        chinese, english = bilingual(MONTHS[month])
        names[month] = {"label": chinese, "label_en": english}
    return names


def _district_names(codes):
    return {
        code: {"label": name, "label_en": name_en or name}
        for code, name, name_en in District.objects.filter(code__in=codes).values_list(
            "code", "name", "name_en"
        )
    }


def _window_names(ids):
    rows = ServicePoint.objects.filter(pk__in=ids).values_list(
        "pk", "name", "name_en", "district__name"
    )
    return {
        pk: {"label": name, "label_en": name_en or name, "district": district}
        for pk, name, name_en, district in rows
    }


def _item_names(codes):
    return {
        code: {"label": name, "label_en": name_en or name}
        for code, name, name_en in ServiceItem.objects.filter(code__in=codes).values_list(
            "code", "name", "name_en"
        )
    }


NAME_LOOKUPS = {
    "month": _month_names,
    "district": _district_names,
    "window": _window_names,
    "item": _item_names,
}


def write_breakdown(workbook, dimension, rows, figures):
    """One sheet: the three header rows, then one row per month / district / window / item."""
    sheet = workbook.create_sheet(sheet_title(dimension))
    heads = ROW_HEADS[dimension]
    widths = {"A": 10, "B": 30, "C": 30, "D": 16}
    set_widths(sheet, {letter: widths[letter] for letter in "ABCD"[: len(heads)]})
    sheet.freeze_panes = f"{get_column_letter(len(heads) + 1)}{HEADER_ROWS + 1}"
    labels = [bilingual(label) for label, _key in heads] + [f.labels() for f in figures]
    sheet.append(header(sheet, [chinese for chinese, _english in labels]))
    sheet.append(header(sheet, [english for _chinese, english in labels]))
    names = row_names(dimension, rows)
    for row in rows:
        described = {"key": row["key"], **names.get(row["key"], {"label": row["label"]})}
        sheet.append(
            # Names come from imported registries: never let one run as a formula.
            [escape_formula(described.get(key)) for _label, key in heads]
            + [cell(sheet, f.value(row), number_format=f.format) for f in figures]
        )
    return sheet, len(heads)


# --- charts ---------------------------------------------------------------------------------------

MONTHLY_COUNTS = ("cases_total", "bookings", "completed", "ratings")
MONTHLY_RATES = ("on_time_rate", "good_rate")
DISTRICT_COUNTS = ("cases_total", "completed", "ratings")
DISTRICT_RATES = ("good_rate",)


def _series(sheet, figures, keys, first_column, rows):
    """Series of the figure columns `keys`, over the data rows, titled in both languages."""
    columns = {figure.key: i for i, figure in enumerate(figures, start=first_column + 1)}
    series = []
    for key in keys:
        values = Reference(
            sheet, min_col=columns[key], min_row=HEADER_ROWS + 1, max_row=HEADER_ROWS + rows
        )
        series.append(Series(values, title=joined(FIGURE_LABELS[key])))
    return series


def _categories(sheet, rows):
    # Column B: the Chinese name of the month or district.
    return Reference(sheet, min_col=2, min_row=HEADER_ROWS + 1, max_row=HEADER_ROWS + rows)


def _chart(chart, title, sheet, series, rows, *, percent=False):
    chart.title = joined(title)
    for one in series:
        chart.series.append(one)
    chart.set_categories(_categories(sheet, rows))
    chart.y_axis.numFmt = "0%" if percent else "#,##0"
    chart.y_axis.delete = False
    chart.x_axis.delete = False
    chart.width, chart.height = 24, 10
    return chart


def add_monthly_charts(sheet, figures, first_column, rows):
    """The monthly trend: counts, then rates, below the table."""
    counts = _chart(
        LineChart(),
        _("Monthly trend"),
        sheet,
        _series(sheet, figures, MONTHLY_COUNTS, first_column, rows),
        rows,
    )
    rates = _chart(
        LineChart(),
        _("Monthly on-time completion and good rating rates"),
        sheet,
        _series(sheet, figures, MONTHLY_RATES, first_column, rows),
        rows,
        percent=True,
    )
    below = HEADER_ROWS + rows + 3
    sheet.add_chart(counts, f"B{below}")
    sheet.add_chart(rates, f"B{below + 22}")


def add_district_charts(sheet, figures, first_column, rows):
    """The districts compared: cases, completions and ratings; 好评率."""
    height = max(10, rows * 0.7)
    counts = _chart(
        BarChart(),
        _("Districts compared"),
        sheet,
        _series(sheet, figures, DISTRICT_COUNTS, first_column, rows),
        rows,
    )
    rates = _chart(
        BarChart(),
        _("Good rating rate by district"),
        sheet,
        _series(sheet, figures, DISTRICT_RATES, first_column, rows),
        rows,
        percent=True,
    )
    below = HEADER_ROWS + rows + 3
    for chart in (counts, rates):
        chart.type = "bar"  # horizontal: long district names stay readable
        chart.height = height
    sheet.add_chart(counts, f"B{below}")
    sheet.add_chart(rates, f"B{below + int(height * 2) + 2}")


CHARTS = {"month": add_monthly_charts, "district": add_district_charts}


# --- the sheet for programs -----------------------------------------------------------------------


def write_keys(workbook, figures, progress_of_targets):
    """The key in the API (GET /api/v1/stats/) of every row of the summary and every column of
    the breakdown sheets, so that the sheets people read need none."""
    sheet = workbook.create_sheet(sheet_title("keys"))
    set_widths(sheet, {"A": 24, "B": 10, "C": 36, "D": 44, "E": 32})
    sheet.append(
        header(
            sheet,
            [
                joined(_("Sheet")),
                joined(pgettext_lazy("spreadsheet", "Column")),
                *bilingual(_("Indicator")),
                _key_header(),
            ],
        )
    )
    summary = sheet_title("summary")
    for figure in figures:
        sheet.append([summary, None, *figure.labels(), figure.key])
    for progress in progress_of_targets:
        sheet.append([summary, None, *bilingual(progress.label), progress.key])
    for dimension in BREAKDOWNS:
        heads = ROW_HEADS[dimension]
        columns = [(bilingual(label), key) for label, key in heads]
        columns += [(figure.labels(), figure.key) for figure in figures]
        for number, ((chinese, english), key) in enumerate(columns, start=1):
            sheet.append([sheet_title(dimension), get_column_letter(number), chinese, english, key])


# --- the workbook ---------------------------------------------------------------------------------


def _ignore(percent):
    pass


def write_report(year, target, *, progress=_ignore):
    """Writes the annual report of `year` to `target` (a path or a binary file object).

    `progress(percent)` is called as the work advances. Queries: those of stats_overview (about
    ten, all aggregates), two for the targets, one per breakdown for the names."""
    built_at = timezone.now()
    with override(settings.LANGUAGE_CODE):
        progress(10)
        overview = stats_overview(year, BREAKDOWNS)
        progress(60)
        workbook = Workbook(write_only=True)
        workbook.properties.title = joined(_("Annual report %(year)s"), year=year)
        workbook.properties.creator = str(_("Shanghai Intellectual Property Administration"))
        totals = overview["totals"]
        progress_of_targets = targets.measure()
        write_summary(workbook, year, totals, progress_of_targets, built_at)
        figures = figures_of(totals)
        for step, dimension in enumerate(BREAKDOWNS, start=1):
            rows = overview["by"][dimension]
            sheet, first_column = write_breakdown(workbook, dimension, rows, figures)
            if dimension in CHARTS and rows:
                CHARTS[dimension](sheet, figures, first_column, len(rows))
            progress(60 + step * 7)
        write_keys(workbook, figures, progress_of_targets)
        workbook.save(target)
        progress(95)


def download_name(year):
    # The official title of the document, in Chinese whatever the page's language.
    return f"年度报告-{year}.xlsx"
