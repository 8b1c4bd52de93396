"""The hall's measures (issue 13): waiting time (ticket → call), service time (call → finish),
no-shows and the share called within 15 and 30 minutes, aggregated in the database. reviews
adds them to the statistics (`/api/v1/stats/`), the dashboard and the annual report."""

import datetime as dt

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay
from django.utils import timezone

from .constants import TicketStatus
from .models import Ticket

# The lookups of a statistics scope (reviews.stats.Scope.q) on a ticket.
PATHS = {"district_code": "window__district__code", "window": "window", "item_code": "item__code"}

WAIT = ExpressionWrapper(F("called_at") - F("issued_at"), output_field=DurationField())
SERVICE = ExpressionWrapper(F("finished_at") - F("called_at"), output_field=DurationField())
ROUND = 1


def _minutes(value):
    return round(value.total_seconds() / 60, ROUND) if value is not None else None


def _rate(part, whole):
    return round(part / whole, 4) if whole else None


def tickets(start, end, scope_q=None):
    return Ticket.objects.filter(scope_q or Q(), issued_at__gte=start, issued_at__lt=end)


def figures(start, end, scope_q=None):
    """The headline figures of the tickets issued in [start, end): one query."""
    called = Q(called_at__isnull=False)
    within_15 = called & Q(called_at__lte=F("issued_at") + dt.timedelta(minutes=15))
    within_30 = called & Q(called_at__lte=F("issued_at") + dt.timedelta(minutes=30))
    row = tickets(start, end, scope_q).aggregate(
        tickets=Count("id"),
        called=Count("id", filter=called),
        within_15=Count("id", filter=within_15),
        within_30=Count("id", filter=within_30),
        wait=Avg(WAIT, filter=called),
        service=Avg(SERVICE, filter=Q(status=TicketStatus.DONE, called_at__isnull=False)),
        no_shows=Count("id", filter=Q(status=TicketStatus.NO_SHOW)),
    )
    return {
        "tickets": row["tickets"],
        "avg_wait_minutes": _minutes(row["wait"]),
        "wait_within_15_rate": _rate(row["within_15"], row["called"]),
        "wait_within_30_rate": _rate(row["within_30"], row["called"]),
        "avg_service_minutes": _minutes(row["service"]),
        "ticket_no_shows": row["no_shows"],
    }


def waiting_heatmap(start, end, scope_q=None):
    """Average wait in minutes by ISO weekday (1–7) and local hour of issue: {(weekday, hour):
    (minutes, tickets)}; one query."""
    zone = timezone.get_default_timezone()
    rows = (
        tickets(start, end, scope_q)
        .filter(called_at__isnull=False)
        .annotate(
            weekday=ExtractIsoWeekDay("issued_at", tzinfo=zone),
            hour=ExtractHour("issued_at", tzinfo=zone),
        )
        .values("weekday", "hour")
        .annotate(wait=Avg(WAIT), n=Count("id"))
        .order_by("weekday", "hour")
    )
    return {(r["weekday"], r["hour"]): (_minutes(r["wait"]), r["n"]) for r in rows}
