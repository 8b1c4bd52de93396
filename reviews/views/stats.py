"""The statistics dashboard (统计看板): bureau staff see every window, a window's staff their own.

The filter form and the access rules here are shared with the API (reviews/api/stats_views.py),
so that both validate parameters with the same messages and refuse the same people.
"""

from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import render
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET

from appointments.constants import Channel, Status
from catalog.models import ServiceItem
from ipservice import dates
from windows.constants import WEEKDAYS
from windows.models import District, ServicePoint, is_bureau

from ..stats import compute_stats
from ..stats_breakdowns import stats_overview, years_with_data

FIRST_YEAR = 2000


# --- who sees what --------------------------------------------------------------------------------


def viewer_windows(user):
    """None for bureau staff (every window), else the ids of the windows `user` works at.

    Anyone else (no window, not bureau) is refused: statistics are for staff only."""
    if is_bureau(user):
        return None
    ids = list(ServicePoint.objects.for_user(user).values_list("pk", flat=True))
    if not ids:
        raise PermissionDenied(_("Statistics are for bureau staff and window staff only."))
    return ids


def scope_for(cleaned, allowed):
    """compute_stats keyword arguments for valid form data; 404 for a window the viewer does not
    work at, as for any other window's records. Complaints (办不成事) are the bureau's: they
    report on the windows, the bureau handles them (/reviews/complaints/ is the bureau's alone),
    so a window's staff get no complaint figures, on the dashboard as in the API (None)."""
    window = cleaned.get("window")
    if window is not None and allowed is not None and window.pk not in allowed:
        raise Http404("Not one of your windows.")
    return {
        "district": cleaned.get("district"),
        "window": window,
        "item": cleaned.get("item"),
        "windows": allowed,
        "complaints": sees_complaints(allowed),
    }


def sees_complaints(allowed):
    return allowed is None


def check_breakdown(dimension, allowed):
    if dimension == "staff" and allowed is not None:
        raise PermissionDenied(_("Only bureau staff see figures per staff member."))


# --- the filters ----------------------------------------------------------------------------------


class StatsFilterForm(forms.Form):
    """Year and optional district, window and item: for the dashboard and the API."""

    year = forms.IntegerField(
        label=gettext_lazy("Year"),
        error_messages={
            "required": gettext_lazy("Give a year, e.g. year=2025."),
            "invalid": gettext_lazy("The year must be a whole number, e.g. 2025."),
        },
    )
    district = forms.CharField(label=gettext_lazy("District"), required=False, max_length=6)
    window = forms.IntegerField(
        label=gettext_lazy("Window"),
        required=False,
        error_messages={"invalid": gettext_lazy("The window must be a window id (a number).")},
    )
    item = forms.CharField(label=gettext_lazy("Service item"), required=False, max_length=30)

    def clean_year(self):
        year, last = self.cleaned_data["year"], dates.today().year + 1
        if not FIRST_YEAR <= year <= last:
            raise ValidationError(
                _("Statistics cover the years %(first)s to %(last)s."),
                params={"first": FIRST_YEAR, "last": last},
                code="out_of_range",
            )
        return year

    def clean_district(self):
        return self._known(District, "code", self.cleaned_data["district"], "district")

    def clean_window(self):
        return self._known(ServicePoint, "pk", self.cleaned_data["window"], "window")

    def clean_item(self):
        return self._known(ServiceItem, "code", self.cleaned_data["item"], "item")

    UNKNOWN = {
        "district": gettext_lazy("There is no district with the code “%(value)s”."),
        "window": gettext_lazy("There is no window with the id %(value)s."),
        "item": gettext_lazy("There is no service item with the code “%(value)s”."),
    }

    def _known(self, model, field, value, name):
        if value in (None, ""):
            return None
        found = model.objects.filter(**{field: value}).first()
        if found is None:
            raise ValidationError(self.UNKNOWN[name], params={"value": value}, code="unknown")
        return found

    def error_list(self):
        return [str(message) for errors in self.errors.values() for message in errors]


def _metric_choices(allowed):
    return [(name, label) for name, label, _kind in columns_for(allowed)]


class DashboardForm(StatsFilterForm):
    """The page's form: the same fields as selects, plus what the charts show."""

    metric = forms.ChoiceField(label=gettext_lazy("Charts show"), required=False)

    def __init__(self, *args, allowed=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].widget = forms.Select(choices=self._years(allowed))
        self.fields["metric"].choices = _metric_choices(allowed)
        windows = ServicePoint.objects.select_related("district")
        if allowed is not None:
            windows = windows.filter(pk__in=allowed)
            # A window's staff see their own windows only: choosing a district adds nothing.
            del self.fields["district"]
        else:
            districts = [("", _("All districts"))]
            districts += [(d.code, d.display_name) for d in District.objects.all()]
            self.fields["district"].widget = forms.Select(choices=districts)
        everything = _("All windows") if allowed is None else _("All my windows")
        window_choices = [("", everything)] + [(w.pk, w.display_name) for w in windows]
        self.fields["window"].widget = forms.Select(choices=window_choices)
        items = [("", _("All service items"))]
        items += [(i.code, i.display_name) for i in ServiceItem.objects.all()]
        self.fields["item"].widget = forms.Select(choices=items)

    def _years(self, allowed):
        """The years that have figures for this viewer (from the database), the current year
        (the default) and the year asked for, newest first."""
        years = set(years_with_data(allowed, complaints=sees_complaints(allowed)))
        years.add(dates.today().year)
        asked = str(self.data.get("year", ""))
        if asked.isdigit() and FIRST_YEAR <= int(asked) <= dates.today().year + 1:
            years.add(int(asked))
        return [(year, year) for year in sorted(years, reverse=True)]

    def clean_metric(self):
        return self.cleaned_data["metric"] or "cases_total"


# --- tables and charts ----------------------------------------------------------------------------

COUNT, RATE, AVERAGE = "count", "rate", "average"
COLUMNS = [
    ("cases_total", pgettext_lazy("count", "Cases"), COUNT),
    ("bookings", gettext_lazy("Bookings"), COUNT),
    ("no_shows", gettext_lazy("No-shows"), COUNT),
    ("completed", pgettext_lazy("count", "Completed"), COUNT),
    ("on_time_rate", gettext_lazy("On-time completion rate"), RATE),
    ("avg_working_days", gettext_lazy("Average working days to complete"), AVERAGE),
    ("ratings", gettext_lazy("Ratings"), COUNT),
    ("good_rate", gettext_lazy("Good rating rate (5 and 4)"), RATE),
    ("avg_score", gettext_lazy("Average score"), AVERAGE),
    ("bad_reviews", gettext_lazy("Bad reviews (2 and 1)"), COUNT),
    ("rectification_rate", gettext_lazy("Rectification rate"), RATE),
    ("rectification_on_time_rate", gettext_lazy("On-time rectification rate"), RATE),
    ("complaints", gettext_lazy("Complaints"), COUNT),
    ("applications", gettext_lazy("Online applications"), COUNT),
    ("avg_prereview_hours", gettext_lazy("Average pre-review time (clock hours)"), AVERAGE),
    ("correction_rate", gettext_lazy("Correction rate"), RATE),
    ("first_pass_rate", gettext_lazy("Accepted first time"), RATE),
    ("zero_visit_rate", gettext_lazy("Zero-visit share (零跑腿)"), RATE),
]
KINDS = {name: kind for name, _label, kind in COLUMNS}


def columns_for(allowed):
    """The columns a viewer sees: without complaints for a window's staff (scope_for)."""
    if sees_complaints(allowed):
        return COLUMNS
    return [column for column in COLUMNS if not column[0].startswith("complaints")]


LABELS = {name: label for name, label, _kind in COLUMNS}

# The breakdown tables show the figures in groups, one table each, so that a table fits a desk's
# screen without scrolling sideways (13 columns did not); on a phone each table scrolls in a
# region reachable by keyboard. A new figure goes in COLUMNS and in a group; a new family of
# figures (the queue's, the online applications') is a new group here.
COLUMN_GROUPS = [
    (
        "cases",
        gettext_lazy("Bookings and cases"),
        ("cases_total", "bookings", "no_shows", "completed", "on_time_rate", "avg_working_days"),
    ),
    (
        "ratings",
        gettext_lazy("Ratings and follow-up"),
        (
            "ratings",
            "good_rate",
            "avg_score",
            "bad_reviews",
            "rectification_rate",
            "rectification_on_time_rate",
            "complaints",
        ),
    ),
    (
        "applications",
        gettext_lazy("Online applications (网上办)"),
        (
            "applications",
            "avg_prereview_hours",
            "correction_rate",
            "first_pass_rate",
            "zero_visit_rate",
        ),
    ),
]


def column_groups(columns):
    """[(id, title, [(name, label, kind)])] of the columns a viewer sees, in COLUMN_GROUPS'
    order; a column in no group gets a group of its own at the end (never dropped)."""
    by_name = {column[0]: column for column in columns}
    groups, placed = [], set()
    for group_id, title, names in COLUMN_GROUPS:
        shown = [by_name[name] for name in names if name in by_name]
        placed.update(names)
        if shown:
            groups.append((group_id, title, shown))
    rest = [column for column in columns if column[0] not in placed]
    if rest:
        groups.append(("other", gettext_lazy("Other figures"), rest))
    return groups


def show(value, kind):
    """A figure as people read it: 1,234 / 66.7% / 3.25; a dash where there is nothing."""
    if value is None:
        return "—"
    if kind == RATE:
        return f"{value * 100:.1f}%"
    if kind == AVERAGE:
        return f"{value:.2f}"
    return number_format(value, force_grouping=True)


def table(rows, columns=COLUMNS, heading=""):
    """A table of `rows`: `heading` heads the first column (月份, 区, 窗口...), one column per
    figure."""
    return {
        "heading": heading,
        "columns": [label for _name, label, _kind in columns],
        "rows": [
            {
                "label": row["label"],
                "cells": [show(row[name], kind) for name, _label, kind in columns],
            }
            for row in rows
        ],
    }


def tables(rows, columns, heading):
    """One table per group of columns (column_groups), each titled by its group."""
    return [
        {"id": group_id, "title": title, **table(rows, shown, heading)}
        for group_id, title, shown in column_groups(columns)
    ]


# Charts are inline SVG drawn here, so they need no script and no library; sizes are in viewBox
# units, 360 wide: one unit is one CSS pixel on a phone.
CHART_WIDTH = 360
BAR_AREA = 250
ROW_HEIGHT = 34
COLUMN_HEIGHT = 150


def _scale(rows, metric):
    """The value of a full bar: 100% for rates and 5 for scores, so that bars compare across
    pages; the largest value for counts and days."""
    if KINDS[metric] == RATE:
        return 1
    if metric == "avg_score":
        return 5
    values = [row[metric] for row in rows if row[metric] is not None]
    top = max(values, default=0)
    return top if top > 0 else 1


def bar_chart(rows, metric):
    """Horizontal bars, one per row, label above its bar: long Chinese names fit a phone."""
    top, kind = _scale(rows, metric), KINDS[metric]
    bars = []
    for i, row in enumerate(rows):
        value = row[metric]
        width = round(BAR_AREA * max(value or 0, 0) / top, 1)
        y = i * ROW_HEIGHT
        bars.append(
            {
                "label": row["label"],
                "text": show(value, kind),
                "label_y": y + 12,
                "y": y + 16,
                "width": width,
                "text_x": width + 4,
                "text_y": y + 27,
            }
        )
    return {"width": CHART_WIDTH, "height": max(len(rows), 1) * ROW_HEIGHT, "bars": bars}


def column_chart(rows, metric):
    """Vertical columns, one per month, with the top of the scale marked."""
    top, kind = _scale(rows, metric), KINDS[metric]
    left, slot = 40, (CHART_WIDTH - 44) / max(len(rows), 1)
    columns = []
    for i, row in enumerate(rows):
        value = row[metric]
        height = round(COLUMN_HEIGHT * max(value or 0, 0) / top, 1)
        x = round(left + i * slot + slot * 0.15, 1)
        columns.append(
            {
                "label": row["label"],
                "short": row["key"],
                "text": show(value, kind),
                "x": x,
                "y": round(10 + COLUMN_HEIGHT - height, 1),
                "width": round(slot * 0.7, 1),
                "height": height,
                "label_x": round(x + slot * 0.35, 1),
            }
        )
    return {
        "width": CHART_WIDTH,
        "height": COLUMN_HEIGHT + 32,
        "baseline": 10 + COLUMN_HEIGHT,
        "top_text": show(top if kind != COUNT else int(top), kind),
        "columns": columns,
    }


# (dimension, section title, heading of the table's first column). A breakdown the statistics
# offer (reviews.stats.DIMENSIONS) is shown by adding it here.
SECTIONS = [
    ("month", gettext_lazy("By month"), pgettext_lazy("statistics table", "Month")),
    ("district", gettext_lazy("By district"), pgettext_lazy("statistics table", "District")),
    ("window", gettext_lazy("By window"), pgettext_lazy("statistics table", "Window")),
    ("item", gettext_lazy("By service item"), pgettext_lazy("statistics table", "Service item")),
    ("staff", gettext_lazy("By staff member"), pgettext_lazy("statistics table", "Staff member")),
]


def _dimensions(allowed, cleaned):
    """What a viewer gets broken down: the bureau everything; a window's staff month, item and
    (with several windows) window; a dimension the filters pin to one value is left out."""
    shown = []
    for dimension, title, heading in SECTIONS:
        if allowed is not None and dimension in ("district", "staff"):
            continue
        if dimension == "window" and (cleaned.get("window") or (allowed and len(allowed) < 2)):
            continue
        if dimension in ("district", "item") and cleaned.get(dimension):
            continue
        shown.append((dimension, title, heading))
    return shown


def _section(dimension, title, heading, rows, metric, columns):
    chart = column_chart(rows, metric) if dimension == "month" else bar_chart(rows, metric)
    return {
        "id": dimension,
        "title": title,
        "heading": heading,
        "rows": rows,
        "columns": columns,
        "chart": chart,
        "chart_title": _("%(metric)s, %(dimension)s")
        % {"metric": LABELS[metric], "dimension": str(title).lower()},
        "tables": tables(rows, columns, heading),
        "empty": not rows,
    }


# --- the year against the one before --------------------------------------------------------------


def change(value, before, kind):
    """How a figure moved since the year before, as people read it: +12.5% for a count (relative
    change), +2.1 percentage points for a rate, +0.25 for an average; None where there is
    nothing to compare (no figure, or a count from zero)."""
    if value is None or before is None:
        return None
    if kind == RATE:
        points = (value - before) * 100
        return _("%(change)s percentage points") % {"change": f"{points:+.1f}"}
    if kind == AVERAGE:
        return f"{value - before:+.2f}"
    if not before:
        return None
    return f"{(value - before) / before * 100:+.1f}%"


def _headline(stats, previous, columns):
    """One tile per figure: this year's value, the year before's and the change."""
    return [
        {
            "name": name,
            "label": label,
            "kind": kind,
            "value": stats[name],
            "text": show(stats[name], kind),
            "previous": None if previous is None else previous[name],
            "previous_text": None if previous is None else show(previous[name], kind),
            "change": None if previous is None else change(stats[name], previous[name], kind),
        }
        for name, label, kind in columns
    ]


def _by_value(choices, counts, before=None):
    return [
        (
            label,
            number_format(counts[value], force_grouping=True),
            None if before is None else number_format(before[value], force_grouping=True),
        )
        for value, label in choices
    ]


# --- what the page shows (and its export) ---------------------------------------------------------


def figures_on_screen(cleaned, allowed):
    """Everything the dashboard shows for valid filters: the page renders it, the .xlsx export
    (stats_export.py) writes it, so the file is what is on screen, the heat map included.
    Queries: those of stats_overview, five for the year before (compute_stats: cases, ratings,
    online applications, complaints, the hall's figures), none per row."""
    scope = scope_for(cleaned, allowed)
    shown = _dimensions(allowed, cleaned)
    year = cleaned["year"]
    overview = stats_overview(year, [d for d, _title, _heading in shown], **scope)
    stats, metric = overview["totals"], cleaned["metric"]
    previous = compute_stats(year - 1, **scope) if year - 1 >= FIRST_YEAR else None
    columns = columns_for(allowed)
    return {
        "stats": stats,
        "previous": previous,
        "year": year,
        "previous_year": year - 1 if previous is not None else None,
        # The year so far against a whole year: the page says so beside the comparison.
        "year_not_over": year >= dates.today().year,
        "metric_label": LABELS[metric],
        "headline": _headline(stats, previous, columns),
        "status_heading": pgettext_lazy("statistics table", "Status"),
        "channel_heading": pgettext_lazy("statistics table", "Channel"),
        "by_status": _by_value(Status.choices, stats["cases"], previous and previous["cases"]),
        "by_channel": _by_value(
            Channel.choices, stats["channels"], previous and previous["channels"]
        ),
        "sections": [
            _section(d, title, heading, overview["by"][d], metric, columns)
            for d, title, heading in shown
        ],
        "heatmap": _heatmap(overview["queue_heatmap"]),
    }


def contents(sections, heatmap=None):
    """The page's table of contents: the fixed parts, one entry per breakdown, then the hall's
    waiting heat map when tickets were called."""
    entries = [
        ("overview", _("The year at a glance")),
        ("status-channel", _("Cases by status and channel")),
        *[(section["id"], section["title"]) for section in sections],
    ]
    if heatmap:
        entries.append(("queue-heatmap", _("Waiting in the hall by weekday and hour")))
    return entries


def dashboard_form(request, allowed):
    data = request.GET.copy() if request.GET else {"year": str(dates.today().year)}
    return DashboardForm(data, allowed=allowed)


@login_required
@require_GET
def dashboard(request):
    allowed = viewer_windows(request.user)
    form = dashboard_form(request, allowed)
    context = {"form": form, "allowed": allowed, "is_bureau": allowed is None}
    if form.is_valid():
        context.update(figures_on_screen(form.cleaned_data, allowed))
        context["contents"] = contents(context["sections"], context["heatmap"])
        context["export_query"] = export_query(form.cleaned_data)
    return render(request, "reviews/stats/dashboard.html", context)


def export_query(cleaned):
    """The page's filters as a query string for its .xlsx export (the same figures)."""
    params = {
        "year": cleaned["year"],
        "district": getattr(cleaned.get("district"), "code", ""),
        "window": getattr(cleaned.get("window"), "pk", ""),
        "item": getattr(cleaned.get("item"), "code", ""),
        "metric": cleaned["metric"],
    }
    return urlencode({name: value for name, value in params.items() if value not in ("", None)})


HEAT_LEVELS = (10, 20, 30, 45)  # minutes: the classes heat-0 … heat-4 of the heat map's cells


def _heatmap(cells):
    """The waiting heat map (hall.stats.waiting_heatmap) as table rows: weekday × hour, each
    cell (minutes, tickets, level); None when no ticket was called."""
    if not cells:
        return None
    hours = range(min(h for _d, h in cells), max(h for _d, h in cells) + 1)
    rows = []
    for weekday, label in WEEKDAYS:
        row = []
        for hour in hours:
            minutes, count = cells.get((weekday + 1, hour), (None, 0))
            level = None if minutes is None else sum(minutes > limit for limit in HEAT_LEVELS)
            row.append({"minutes": minutes, "tickets": count, "level": level})
        rows.append({"label": label, "cells": row})
    return {"hours": list(hours), "rows": rows}
