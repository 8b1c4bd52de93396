"""好差评 rectification alerts: the window's supervisors and the bureau are told by email when a
rectification is due within one working day, and every working day while it is overdue.

Each alert is a Notice keyed on the rectification, the day and the recipient, so running the
beat job again (or from two beat processes) the same day sends nothing new. Alerts name the
case by its reference and never carry the rater's personal data. What they say is the
rectification_due_soon and rectification_overdue texts (appointments.texts).
"""

import datetime as dt
import hashlib
import logging

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import translation

from appointments import outbox, texts, workdays
from appointments.constants import NoticeChannel
from appointments.deadlines import OVERDUE, overdue_filter
from appointments.models import Notice
from ipservice import dates
from windows.constants import BUREAU_GROUP, Role
from windows.models import StaffMembership

from .models import Rectification

logger = logging.getLogger(__name__)

DUE_SOON = "due_soon"
# "Due soon": the rectify-by date is today or the next working day.
DUE_SOON_WORKING_DAYS = 1


def due_soon(today):
    """Open rectifications due today or within DUE_SOON_WORKING_DAYS working days."""
    # working_days_between(today, due) <= N  ⟺  due < the (N+1)-th working day after today.
    limit = workdays.add_working_days(today, DUE_SOON_WORKING_DAYS + 1)
    return Rectification.objects.filter(
        closed_at__isnull=True, rectify_due__gte=today, rectify_due__lt=limit
    )


def overdue(today):
    """Open rectifications past their rectify-by date (as the rectification list shows them)."""
    return Rectification.objects.filter(overdue_filter("rectify_due", today))


# Recipients -------------------------------------------------------------------------------------


def bureau_addresses():
    """settings.BUREAU_ALERT_EMAILS, or else every active bureau group member's address."""
    if settings.BUREAU_ALERT_EMAILS:
        return list(settings.BUREAU_ALERT_EMAILS)
    users = get_user_model().objects.filter(groups__name=BUREAU_GROUP, is_active=True)
    return _addresses(users.order_by("pk"), "bureau")


def supervisor_addresses(window_ids):
    """window id -> the addresses of its active supervisors."""
    memberships = (
        StaffMembership.objects.filter(
            window_id__in=window_ids, role=Role.SUPERVISOR, user__is_active=True
        )
        .select_related("user")
        .order_by("window_id", "user_id")
    )
    result = {}
    for membership in memberships:
        found = _addresses([membership.user], f"window {membership.window_id}")
        result.setdefault(membership.window_id, []).extend(found)
    return result


def _addresses(users, whose):
    found = []
    for user in users:
        if user.email:
            found.append(user.email)
        else:
            logger.info("rectification alerts (%s): user %s has no email, skipped", whose, user.pk)
    return found


# Sending ----------------------------------------------------------------------------------------


def alert_key(kind, rect, day, address):
    # The address is hashed: keys are short, and logs of keys show no address.
    tag = hashlib.blake2b(address.strip().lower().encode(), digest_size=6).hexdigest()
    return f"rectify-{kind}:{rect.pk}:{day:%Y%m%d}:{tag}"


def _recipients(rect, supervisors, bureau):
    seen, result = set(), []
    for address in [*supervisors.get(rect.window_id, []), *bureau]:
        if address.lower() not in seen:
            seen.add(address.lower())
            result.append(address)
    return result


def _facts(rect, today):
    path = reverse("reviews:rectification_detail", args=[rect.pk])
    return {
        "id": rect.pk,
        "window": rect.window.display_name,
        "reference": rect.rating.case.reference,
        "score": rect.rating.score,
        "opened": rect.opened_on.isoformat(),
        "due": rect.rectify_due.isoformat(),
        "status": rect.get_status_display(),
        "late": max(workdays.working_days_between(rect.rectify_due, today), 0),
        "url": settings.PORTAL_BASE_URL.rstrip("/") + path,
    }


def _queue_alerts(kind, rect, today, addresses, done):
    purpose = f"rectification_{kind}"
    message = texts.render(purpose, NoticeChannel.EMAIL, _facts(rect, today))
    queued = 0
    for address in addresses:
        key = alert_key(kind, rect, today, address)
        if key in done:
            continue
        with transaction.atomic():
            _notice, created = outbox.create_notice(
                key,
                channel=NoticeChannel.EMAIL,
                recipient=address,
                template=purpose,
                subject=message.subject,
                body=message.body,
            )
        queued += created
    return queued


def _alerts_of_the_day(today):
    """(kind, rectification) pairs to alert about on `today`."""
    related = ("window", "rating__case")
    found = [(DUE_SOON, rect) for rect in due_soon(today).select_related(*related)]
    found += [(OVERDUE, rect) for rect in overdue(today).select_related(*related)]
    return found


@shared_task
def send_rectification_alerts(today=None):
    """Beat job (daily 09:00, acting on working days): queue the due-soon and overdue alerts of
    `today` (ISO date; default: today in Shanghai). Returns how many emails were queued."""
    today = dt.date.fromisoformat(today) if today else dates.today()
    if not workdays.is_working_day(today):
        return 0  # nobody works on them today; the next working day's run alerts
    alerts = _alerts_of_the_day(today)
    if not alerts:
        return 0
    supervisors = supervisor_addresses({rect.window_id for _kind, rect in alerts})
    bureau = bureau_addresses()
    plan = [(kind, rect, _recipients(rect, supervisors, bureau)) for kind, rect in alerts]
    keys = [alert_key(kind, rect, today, a) for kind, rect, addresses in plan for a in addresses]
    done = set(Notice.objects.filter(key__in=keys).values_list("key", flat=True))
    queued = 0
    with translation.override(settings.LANGUAGE_CODE):
        for kind, rect, addresses in plan:
            queued += _queue_alerts(kind, rect, today, addresses, done)
    return queued
