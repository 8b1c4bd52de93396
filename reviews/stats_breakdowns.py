"""Breakdowns of the statistics of reviews.stats: the same figures per month, district, window,
item or staff member (`stats_by`), several at once in two passes (`stats_overview`, for the
dashboard and the annual report), and the years that have figures (`years_with_data`).
reviews.stats counts; this module groups and labels what it counts."""

from contextlib import contextmanager

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Max, Min
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.translation import gettext as _

from appointments.models import Case
from catalog.models import ServiceItem
from windows.models import District, ServicePoint

from .models import Complaint
from .stats import (
    CASE_PATHS,
    COMPLAINT_PATHS,
    DIMENSIONS,
    Figures,
    Scope,
    public_figures,
    queue_figures,
    queue_heatmap,
    raw_figures,
    with_complaints,
)

# --- breakdowns -----------------------------------------------------------------------------------


# Labels: [(group, key, label)] in display order; the group is what the query grouped by (an id),
# the key what the API shows (a month, a district or item code, a window or user id).


def _month_labels(groups):
    return [(month, month, str(MONTHS[month])) for month in range(1, 13)]


def _district_labels(groups):
    districts = District.objects.filter(pk__in=[g for g in groups if g])
    labels = [(d.pk, d.code, d.display_name) for d in districts]
    return _with_none(labels, groups, _("City level or not specified"))


def _window_labels(groups):
    windows = ServicePoint.objects.filter(pk__in=[g for g in groups if g])
    labels = [(w.pk, w.pk, w.display_name) for w in windows]
    return _with_none(labels, groups, _("Not specified"))


def _item_labels(groups):
    items = ServiceItem.objects.filter(pk__in=[g for g in groups if g])
    labels = [(i.pk, i.code, i.display_name) for i in items]
    return _with_none(labels, groups, _("Not specified"))


def _staff_labels(groups):
    users = get_user_model().objects.filter(pk__in=[g for g in groups if g])
    labels = [(u.pk, u.pk, u.get_full_name() or u.get_username()) for u in users]
    labels.sort(key=_label)
    return _with_none(labels, groups, _("Not recorded"))


def _label(triple):
    return triple[2]


def _with_none(labels, groups, label):
    """Records without a district, window, item or staff member get a row of their own, last,
    so that the rows always add up to the headline figures."""
    return labels + [(None, None, label)] if None in groups else labels


LABELS = {
    "month": _month_labels,
    "district": _district_labels,
    "window": _window_labels,
    "item": _item_labels,
    "staff": _staff_labels,
}


def _rows(dimension, groups, complaints=True):
    complaints_apply = complaints and with_complaints(dimension)
    return [
        {
            "key": key,
            "label": label,
            **public_figures(groups.get(group, {}), complaints=complaints_apply),
        }
        for group, key, label in LABELS[dimension](groups)
    ]


def stats_by(
    year, dimension, *, district=None, window=None, item=None, windows=None, complaints=True
):
    """[{"key", "label", **figures}] per month (all twelve), district (None: city level), window,
    item (key: code) or staff member (key: user id, None: not recorded), in display order.

    Staff rows have `complaints` None: a complaint names a window, not a person.
    Queries: cases, ratings, online applications and complaints (not by staff, nor without
    `complaints`), grouped (cases three times by month, once per date that gives the month),
    and one for the labels (none by month).
    """
    if dimension not in DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r}; use one of {', '.join(DIMENSIONS)}")
    scope = Scope.build(district=district, window=window, item=item, windows=windows)
    grouping = dimension if dimension == "month" else (dimension,)
    return _rows(dimension, raw_figures(year, scope, grouping, complaints), complaints)


# Several breakdowns at once: one pass grouped by window × item × staff member, rolled up.
DETAIL = ("window", "item", "staff")
_ROLL_UP = {
    "window": lambda key, districts: key[0],
    "district": lambda key, districts: districts.get(key[0]),
    "item": lambda key, districts: key[1],
    "staff": lambda key, districts: key[2],
}


def stats_overview(
    year,
    dimensions=DIMENSIONS,
    *,
    district=None,
    window=None,
    item=None,
    windows=None,
    complaints=True,
):
    """{"totals": compute_stats(...), "by": {dimension: stats_by(...)}} for several dimensions,
    in two passes over the data instead of one per dimension: by month, and by window × item ×
    staff member, whose groups add up to the district, window, item, staff and total figures.

    For the dashboard and the annual report. Queries, whatever the rows: 4 (window × item ×
    staff: cases, ratings, online applications, complaints) + 1 (districts of the windows) + 6
    (month, when asked: cases three times) + one per other dimension for its labels + 2 (the
    hall's figures and heat map); one complaints query fewer per pass without `complaints`; on
    PostgreSQL also the savepoint and work_mem setting of the detail pass (_room_to_hash).
    """
    scope = Scope.build(district=district, window=window, item=item, windows=windows)
    with _room_to_hash():
        detail = raw_figures(year, scope, DETAIL, complaints)
    totals = Figures()
    for figures in detail.values():
        totals.merge(figures)
    districts = _districts_of({key[0] for key in detail})
    by = {}
    for dimension in dimensions:
        if dimension == "month":
            by[dimension] = _rows(
                dimension, raw_figures(year, scope, "month", complaints), complaints
            )
            continue
        groups = {}
        for key, figures in detail.items():
            group = _ROLL_UP[dimension](key, districts)
            groups.setdefault(group, Figures()).merge(figures)
        by[dimension] = _rows(dimension, groups, complaints)
    totals = public_figures(totals, complaints=complaints)
    totals = {"year": year, **totals, **queue_figures(year, scope)}
    return {"totals": totals, "by": by, "queue_heatmap": queue_heatmap(year, scope)}


# PostgreSQL estimates the groups of window × item × staff × status × channel as the product of
# their distinct values (about 120,000 for a year of 600,000 cases, where there are some 11,000),
# finds such a hash table too big for the default work_mem (4 MB) and sorts 600,000 rows on disk
# instead. A little more memory for this one transaction lets it hash: about 2 s → 0.7 s
# measured on the benchmark's data.
DETAIL_WORK_MEM = "64MB"


@contextmanager
def _room_to_hash():
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('work_mem', %s, true)", [DETAIL_WORK_MEM])
        yield


def _districts_of(window_ids):
    ids = [pk for pk in window_ids if pk is not None]
    return dict(ServicePoint.objects.filter(pk__in=ids).values_list("pk", "district_id"))


# --- which years have figures ---------------------------------------------------------------------


def years_with_data(windows=None, *, complaints=True):
    """The years, newest first, from the first record to the last (cases by creation,
    appointment or completion; complaints by receipt) within the windows a viewer may see (None:
    all): the dashboard's year list. Two queries of MIN/MAX aggregates (cases; complaints, when
    the viewer sees them), which PostgreSQL answers from the indexes on those columns whatever
    the number of records. Empty when there is nothing. Ratings come after their case's creation
    and before now, so they add no year."""
    scope = Scope.build(windows=windows)
    moments = Case.objects.filter(scope.q(CASE_PATHS)).aggregate(
        first=Min("created_at"),
        last_created=Max("created_at"),
        last_start=Max("start"),
        last_completed=Max("completed_at"),
    )
    if complaints:
        moments.update(
            Complaint.objects.filter(scope.q(COMPLAINT_PATHS)).aggregate(
                first_complaint=Min("created_at"), last_complaint=Max("created_at")
            )
        )
    years = [timezone.localtime(moment).year for moment in moments.values() if moment]
    if not years:
        return []
    return list(range(max(years), min(years) - 1, -1))
