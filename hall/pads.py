"""The rating pad at a counter (评价器): a tablet signed in as that counter's device, not as a
person. A supervisor makes a pad link on the counter page (a new `Counter.pad_key`, which signs
out any earlier pad); the tablet opens it once and keeps the token in a cookie scoped to the
pad's path (ipservice.private_links). The pad may rate only the case finished at its counter
within HALL_PAD_SECONDS; reviews (reviews/views/pad.py) records the rating itself."""

import datetime as dt
import secrets

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from .constants import TicketStatus
from .models import Counter, Ticket

PAD_SALT = "hall.pad"
PAD_COOKIE = "pad_token"


def new_pad_key(counter):
    counter.pad_key = secrets.token_hex(16)
    counter.save(update_fields=["pad_key"])
    return counter


def pad_token(counter):
    return salted_hmac(PAD_SALT, f"{counter.pk}:{counter.pad_key}").hexdigest()[:40]


def pad_link(counter):
    """The link a supervisor opens on the tablet once; empty before a pad key is made."""
    if not counter.pad_key:
        return ""
    path = reverse("reviews:pad", args=[counter.pk])
    return f"{settings.PORTAL_BASE_URL.rstrip('/')}{path}?token={pad_token(counter)}"


def get_counter_for_pad(pk, token):
    """The counter whose pad holds `token`, or None (no key yet, a key made again, a guess)."""
    counter = Counter.objects.filter(pk=pk, active=True).select_related("window").first()
    if counter is None or not counter.pad_key or not isinstance(token, str):
        return None
    return counter if constant_time_compare(pad_token(counter), token) else None


def pad_ticket(counter, now=None):
    """The ticket finished at `counter` within HALL_PAD_SECONDS, with a case, or None: the only
    one its pad may rate."""
    since = (now or timezone.now()) - dt.timedelta(seconds=settings.HALL_PAD_SECONDS)
    return (
        Ticket.objects.filter(
            counter=counter,
            status=TicketStatus.DONE,
            finished_at__gte=since,
            case__isnull=False,
        )
        .select_related("case__item", "case__window", "served_by")
        .order_by("-finished_at", "-id")
        .first()
    )
