"""The dashboard as an .xlsx workbook: what is on screen, with the page's filters.

GET /bureau/stats/export/?year=&district=&window=&item= takes the dashboard's parameters, checks
them with the same form and refuses the same people (views/stats.py), and writes the figures the
page shows (`figures_on_screen`): the year at a glance beside the year before, cases by status
and channel, one sheet per breakdown with the first column headed as on the page, and the hall's
waiting heat map when the page shows it (tickets were called). Headers
are the labels people read, in the language of the request; values are numbers with a number
format (rates as percentages), so that they can be added up and charted. Written with
openpyxl's write-only mode (rows streamed to a temporary file, memory flat).
"""

import tempfile

from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from appointments.constants import Channel, Status
from ipservice.spreadsheets import XLSX_CONTENT_TYPE, escape_formula

from .stats import AVERAGE, RATE, column_groups, dashboard_form, figures_on_screen, viewer_windows

MINUTES = "minutes"  # the heat map's waits: minutes to one decimal (hall.stats.ROUND)
FORMATS = {RATE: "0.0%", AVERAGE: "0.00", MINUTES: "0.0"}
BOLD = Font(bold=True)


@login_required
@require_GET
def dashboard_export(request):
    allowed = viewer_windows(request.user)
    form = dashboard_form(request, allowed)
    if not form.is_valid():
        context = {"form": form, "allowed": allowed, "is_bureau": allowed is None}
        return render(request, "reviews/stats/dashboard.html", context, status=400)
    figures = figures_on_screen(form.cleaned_data, allowed)
    scratch = tempfile.TemporaryFile(suffix=".xlsx")
    write_workbook(figures, scratch)
    scratch.seek(0)
    name = f"statistics-{figures['year']}.xlsx"
    response = FileResponse(scratch, as_attachment=True, filename=name)
    response["Content-Type"] = XLSX_CONTENT_TYPE
    response["Cache-Control"] = "private, no-store"
    return response


def write_workbook(figures, target):
    workbook = Workbook(write_only=True)
    workbook.properties.title = _("Statistics %(year)s") % {"year": figures["year"]}
    _overview(workbook, figures)
    _counts(workbook, figures)
    for section in figures["sections"]:
        _breakdown(workbook, section)
    if figures["heatmap"]:
        _heatmap(workbook, figures)
    workbook.save(target)


def _sheet(workbook, title, widths):
    # Excel allows 31 characters and none of []:*?/\ in a sheet's name.
    for character in "[]:*?/\\":
        title = str(title).replace(character, " ")
    sheet = workbook.create_sheet(title[:31].strip())
    for letter, width in widths.items():
        sheet.column_dimensions[letter].width = width
    return sheet


def _bold(sheet, values):
    cells = []
    for value in values:
        cell = WriteOnlyCell(sheet, value=value)
        cell.font = BOLD
        cells.append(cell)
    return cells


def _number(sheet, value, kind):
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = FORMATS.get(kind, "#,##0")
    return cell


def _overview(workbook, figures):
    sheet = _sheet(workbook, _("The year at a glance"), {"A": 36, "B": 14, "C": 14})
    year, before = figures["year"], figures["previous_year"]
    sheet.append(_bold(sheet, [_("Statistics %(year)s") % {"year": year}]))
    sheet.append(_bold(sheet, [_("Indicator"), year, *([before] if before else [])]))
    for tile in figures["headline"]:
        previous = [_number(sheet, tile["previous"], tile["kind"])] if before else []
        sheet.append([str(tile["label"]), _number(sheet, tile["value"], tile["kind"]), *previous])


def _counts(workbook, figures):
    sheet = _sheet(workbook, _("Cases by status and channel"), {"A": 30, "B": 14, "C": 14})
    stats, previous = figures["stats"], figures["previous"]
    year, before = figures["year"], figures["previous_year"]
    for title, first, choices, key in (
        (_("Cases by status"), figures["status_heading"], Status.choices, "cases"),
        (_("Cases by channel"), figures["channel_heading"], Channel.choices, "channels"),
    ):
        sheet.append(_bold(sheet, [title]))
        sheet.append(_bold(sheet, [str(first), year, *([before] if before else [])]))
        for value, label in choices:
            row = [str(label), _number(sheet, stats[key][value], None)]
            if before:
                row.append(_number(sheet, previous[key][value], None))
            sheet.append(row)
        sheet.append([])


def _breakdown(workbook, section):
    """The section's rows with every figure the page shows, in the page's column groups."""
    groups = column_groups(section["columns"])
    columns = [column for _id, _title, shown in groups for column in shown]
    sheet = _sheet(workbook, section["title"], {"A": 30})
    labels = [str(label) for _name, label, _kind in columns]
    sheet.append(_bold(sheet, [str(section["heading"]), *labels]))
    for row in section["rows"]:
        sheet.append(
            # Names come from the registries the bureau imports: never let one run as a formula.
            [escape_formula(str(row["label"]))]
            + [_number(sheet, row[name], kind) for name, _label, kind in columns]
        )


def _heatmap(workbook, figures):
    """The hall's waiting heat map as on the page: the year's tickets and average wait, then
    average minutes from ticket to call by weekday and hour of issue, and the tickets behind
    each cell (the page's cell titles)."""
    heatmap, stats = figures["heatmap"], figures["stats"]
    title = _("Waiting in the hall by weekday and hour")
    sheet = _sheet(workbook, title, {"A": 24})
    sheet.append(_bold(sheet, [title]))
    sheet.append([_("Queue tickets"), _number(sheet, stats["tickets"], None)])
    sheet.append([_("Average wait (minutes)"), _number(sheet, stats["avg_wait_minutes"], MINUTES)])
    hours = [f"{hour}:00" for hour in heatmap["hours"]]
    for heading, value, kind in (
        (_("Average wait (minutes)"), "minutes", MINUTES),
        (_("Queue tickets"), "tickets", None),
    ):
        sheet.append([])
        sheet.append(_bold(sheet, [heading]))
        sheet.append(_bold(sheet, [_("Weekday"), *hours]))
        for row in heatmap["rows"]:
            # Empty where the page's cell is: no ticket called at that hour.
            cells = [
                _number(sheet, None if cell["minutes"] is None else cell[value], kind)
                for cell in row["cells"]
            ]
            sheet.append([str(row["label"]), *cells])
