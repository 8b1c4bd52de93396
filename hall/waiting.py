"""What the hall shows: a ticket's place and estimated wait, the calling display's snapshot
(cached for a second, forgotten when the queue changes), and the SMS when a turn nears."""

import math
import statistics

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone

from appointments.constants import NoticeChannel
from appointments.notices import queue_message
from ipservice import dates
from windows.models import ServicePoint

from . import ordering
from .constants import TicketStatus
from .models import CounterSession, Ticket

IN_HALL = (TicketStatus.WAITING, TicketStatus.CALLED, TicketStatus.SERVING)
QUEUE_KEY = "hall:queue:{}"
QUEUE_SECONDS = 1
RECENT_CALLS = 8
RECENT_SERVICES = 20  # the estimate's median is taken over this many recent services
RECENT_DAYS = 30


def ahead_q(ticket):
    """Waiting tickets before `ticket` in the order of hall.ordering (rank, issued_at, id)."""
    same_rank = Q(rank=ticket.rank) & (
        Q(issued_at__lt=ticket.issued_at) | Q(issued_at=ticket.issued_at, id__lt=ticket.pk or 0)
    )
    return Q(rank__lt=ticket.rank) | same_rank


def ahead_count(ticket):
    waiting = Ticket.objects.filter(
        window_id=ticket.window_id, day=ticket.day, status=TicketStatus.WAITING
    )
    if ticket.pk:
        waiting = waiting.exclude(pk=ticket.pk)
    return waiting.filter(ahead_q(ticket)).count()


def open_counters(window_id, day):
    return CounterSession.objects.filter(
        counter__window_id=window_id, day=day, signed_out_at__isnull=True
    ).count()


def median_service_minutes(window_id, group, now=None):
    """The median of call → finish of the window's recent services of this group, in minutes;
    HALL_SERVICE_MINUTES before there are any."""
    since = (now or timezone.now()) - timezone.timedelta(days=RECENT_DAYS)
    spans = (
        Ticket.objects.filter(
            window_id=window_id,
            group=group,
            status=TicketStatus.DONE,
            finished_at__gte=since,
            called_at__isnull=False,
        )
        .annotate(span=F("finished_at") - F("called_at"))
        .order_by("-finished_at")
        .values_list("span", flat=True)[:RECENT_SERVICES]
    )
    minutes = [span.total_seconds() / 60 for span in spans]
    return statistics.median(minutes) if minutes else settings.HALL_SERVICE_MINUTES


def estimate_minutes(ticket, ahead=None):
    """The people ahead, served by the open counters at the group's median service time."""
    if ticket.status != TicketStatus.WAITING:
        return 0
    ahead = ahead_count(ticket) if ahead is None else ahead
    counters = max(open_counters(ticket.window_id, ticket.day), 1)
    return math.ceil(ahead * median_service_minutes(ticket.window_id, ticket.group) / counters)


def ticket_state(ticket):
    """What the holder sees (the status page and GET /api/v1/tickets/{id}/)."""
    waiting = ticket.status == TicketStatus.WAITING
    ahead = ahead_count(ticket) if waiting else 0
    return {
        "id": ticket.pk,
        "number": ticket.number,
        "status": ticket.status,
        "status_label": str(TicketStatus(ticket.status).label),
        "position": ahead,
        "estimated_wait_minutes": estimate_minutes(ticket, ahead) if waiting else 0,
        "counter": ticket.counter.number if ticket.counter_id else None,
        "counter_label": str(ticket.counter) if ticket.counter_id else "",
        "window": ticket.window.display_name,
        "item": ticket.item.display_name,
    }


# --- the calling display ---


def queue_changed(window_id):
    """Forget the display's snapshot once the change is committed."""
    key = QUEUE_KEY.format(window_id)
    transaction.on_commit(lambda: cache.delete(key))


def queue_snapshot(window_id, now=None):
    """{calls, waiting, time}: no personal data, cached for QUEUE_SECONDS; None for a window
    that is not active (read only when the cache has nothing)."""
    key = QUEUE_KEY.format(window_id)
    snapshot = cache.get(key)
    if snapshot is None:
        if not ServicePoint.objects.active().filter(pk=window_id).exists():
            return None
        snapshot = _snapshot(window_id, dates.local_day(now or timezone.now()))
        cache.set(key, snapshot, QUEUE_SECONDS)
    return {**snapshot, "time": timezone.localtime(now).isoformat(timespec="seconds")}


def _snapshot(window_id, day):
    calls = (
        Ticket.objects.filter(
            window_id=window_id, day=day, called_at__isnull=False, counter__isnull=False
        )
        .exclude(status=TicketStatus.WAITING)
        .order_by("-called_at", "-id")
        .values("group", "sequence", "status", "recalls", "counter__number", "counter__label")[
            :RECENT_CALLS
        ]
    )
    waiting = (
        Ticket.objects.filter(window_id=window_id, day=day, status=TicketStatus.WAITING)
        .values("group")
        .annotate(n=Count("id"))
        .order_by("group")
    )
    return {
        "calls": [
            {
                "number": f"{row['group']}{row['sequence']:03d}",
                "counter": row["counter__number"],
                "counter_label": row["counter__label"],
                "status": row["status"],
                "recalls": row["recalls"],
            }
            for row in calls
        ],
        "waiting": {row["group"]: row["n"] for row in waiting},
    }


# --- the SMS when a turn nears ---


def notify_near(window_id, day):
    """Text the waiting people with a phone who are now HALL_NOTIFY_AHEAD or fewer from the
    front; once each (the flag, and the notice's key)."""
    front = (
        Ticket.objects.filter(window_id=window_id, day=day, status=TicketStatus.WAITING)
        .select_related("window")
        .order_by(*ordering.ORDER_BY)[: settings.HALL_NOTIFY_AHEAD + 1]
    )
    for ahead, ticket in enumerate(front):
        if ticket.near_notice_sent or not ticket.phone:
            continue
        if not Ticket.objects.filter(pk=ticket.pk, near_notice_sent=False).update(
            near_notice_sent=True
        ):
            continue
        queue_message(
            "queue_near",
            f"queue-near:{ticket.pk}",
            channel=NoticeChannel.SMS,
            recipient=ticket.phone,
            facts={
                "number": ticket.number,
                "window": ticket.window.display_name,
                "ahead": ahead,
                "url": status_url(ticket),
            },
        )


def status_url(ticket, *, absolute=True):
    from .services import ticket_token  # services import this module

    path = reverse("hall:ticket", args=[ticket.pk]) + f"?token={ticket_token(ticket)}"
    return settings.PORTAL_BASE_URL.rstrip("/") + path if absolute else path
