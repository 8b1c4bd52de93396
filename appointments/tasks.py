"""Celery tasks of the appointments app. They take primary keys (never model instances), reload
the rows and return early when the work is already done, so a redelivered task (acks_late)
does no harm.

Nothing here waits on a long ETA: Redis hands a message whose countdown outlives the broker's
visibility timeout to a second worker. What is due later (tomorrow's reminders, deadlines) is
found in the database by the beat jobs of ipservice/celery.py; retry delays are capped well
under the timeout (settings.NOTICE_RETRY_MAX_DELAY, checked in settings).
"""

import datetime as dt
import logging
import random

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from ipservice import dates
from windows.models import StaffMembership

from . import notices, outbox, services, workdays
from .cases import with_deadlines
from .constants import RUNNING_STATUSES, NoticeStatus, Status
from .deadlines import NEAR_DUE, OVERDUE
from .models import Case, Notice

logger = logging.getLogger(__name__)

# A queued notice older than this was lost (broker down at commit time): send it again.
STALE_NOTICE_AGE = dt.timedelta(minutes=10)
STALE_BATCH = 500


def retry_delay(attempts):
    """Seconds before the next try after `attempts` failed ones: doubling from
    NOTICE_RETRY_DELAY, capped, with jitter so that notices failing together (a gateway outage)
    do not all come back at the same second."""
    base = settings.NOTICE_RETRY_DELAY * 2 ** max(attempts - 1, 0)
    return min(base, settings.NOTICE_RETRY_MAX_DELAY) * random.uniform(0.5, 1.0)


@shared_task(bind=True, max_retries=None)
def send_notice(self, notice_id):
    """Send one notice; retried with growing delays while the gateway or mail server fails.

    The cap is the notice's own attempt count (outbox.deliver fails it after
    NOTICE_MAX_ATTEMPTS), which survives redeliveries and the stale-notice sweep; a refusal
    for good (4xx) fails it at once."""
    try:
        return outbox.deliver(notice_id)
    except outbox.SendError as exc:
        if self.request.is_eager:
            return False  # in-process (no broker): stays queued for send_stale_notices
        raise self.retry(exc=exc, countdown=retry_delay(exc.attempts)) from exc


@shared_task
def send_stale_notices(older_than=None):
    """Enqueue notices still queued long after they were made (their message was lost: the
    broker was down at commit, or the worker holding it was killed); fail those out of attempts.
    Returns how many were enqueued.

    Beat runs it every 5 minutes for notices older than STALE_NOTICE_AGE; a worker runs it on
    start-up for every queued notice (`older_than=0` seconds, ipservice/celery.py): what a
    killed worker held is sent again at once. A notice whose message was not lost is then sent
    by whichever message comes first; outbox.deliver sends it once."""
    age = STALE_NOTICE_AGE if older_than is None else dt.timedelta(seconds=older_than)
    cutoff = timezone.now() - age
    stale = Notice.objects.filter(status=NoticeStatus.QUEUED, created_at__lt=cutoff)
    stale.filter(attempts__gte=settings.NOTICE_MAX_ATTEMPTS).update(status=NoticeStatus.FAILED)
    ids = list(
        stale.filter(attempts__lt=settings.NOTICE_MAX_ATTEMPTS)
        .order_by("created_at")
        .values_list("pk", flat=True)[:STALE_BATCH]
    )
    for notice_id in ids:
        send_notice.delay(notice_id)
    return len(ids)


@shared_task
def mark_no_shows():
    """Bookings whose slot passed without a check-in become no-shows. Returns how many."""
    return services.mark_no_shows()


# Reminders ------------------------------------------------------------------------------------


def reminder_days(today):
    """The days whose bookings are reminded on `today`: every day after it up to the next
    working day. On a Friday that is Saturday to Monday (or to a Sunday 调休); the day before a
    holiday it runs to the first working day after it."""
    return today + dt.timedelta(days=1), workdays.add_working_days(today, 1)


def bookings_to_remind(today):
    first, last = reminder_days(today)
    return (
        Case.objects.active_bookings()
        .filter(start__gte=dates.day_bounds(first)[0], start__lt=dates.day_bounds(last)[1])
        .filter(start__gt=timezone.now())  # a re-run for a past day reminds of nothing past
        .select_related("window", "item", "slot")
        .order_by("start", "pk")
    )


@shared_task
def send_reminders(today=None):
    """Beat job (daily, 18:00 Shanghai): queue the reminder of every booking on the next working
    day. `today` (ISO date) re-runs the job of another day. Returns how many were queued now.

    Idempotent: each reminder has its key (notices.reminder_key) and is queued in its own
    transaction, so a second run, a second beat, or a run redelivered after the worker died
    half-way queues only what is missing."""
    today = dt.date.fromisoformat(today) if today else dates.today()
    bookings = list(bookings_to_remind(today))
    done = _existing_keys(f"{notices.reminder_key(case)}:sms" for case in bookings)
    queued = 0
    with translation.override(settings.LANGUAGE_CODE):  # no request: the portal's language
        for case in bookings:
            if f"{notices.reminder_key(case)}:sms" in done:
                continue
            with transaction.atomic():
                queued += notices.booking_reminder(case)
    logger.info("reminders for %s: %s queued, %s already", today, queued, len(bookings) - queued)
    return queued


def _existing_keys(keys):
    return set(Notice.objects.filter(key__in=list(keys)).values_list("key", flat=True))


# Missing materials (容缺受理) ------------------------------------------------------------------


def pending_to_remind(today):
    """Cases accepted with materials missing whose promised date falls after `today` and by the
    next working day: `today` is the working day before it (Friday for Monday)."""
    first, last = reminder_days(today)
    return (
        Case.objects.filter(status=Status.PENDING, materials_due__range=(first, last))
        .select_related("window", "item")
        .prefetch_related("missing_materials")
        .order_by("materials_due", "pk")
    )


@shared_task
def send_material_reminders(today=None):
    """Beat job (daily, 18:00 Shanghai): remind the people whose missing materials are due the
    next working day. Idempotent as send_reminders: each reminder has its key
    (notices.materials_reminder_key), queued in its own transaction. Returns how many now."""
    today = dt.date.fromisoformat(today) if today else dates.today()
    pending = list(pending_to_remind(today))
    done = _existing_keys(notices.materials_reminder_key(case) for case in pending)
    queued = 0
    for case in pending:
        if notices.materials_reminder_key(case) in done:
            continue
        with transaction.atomic():
            queued += notices.materials_reminder(case)
    logger.info("material reminders for %s: %s queued", today, queued)
    return queued


# Deadline digest to window staff ------------------------------------------------------------


def cases_near_deadline(today):
    """Running cases near or past their deadline (cases.deadline_state), by window, earliest
    due first."""
    return (
        with_deadlines(Case.objects.filter(status__in=RUNNING_STATUSES), today)
        .filter(deadline__in=[OVERDUE, NEAR_DUE])
        .select_related("window", "item")
        .order_by("window_id", "due", "pk")
    )


def _by_window(cases):
    grouped = {}
    for case in cases:
        grouped.setdefault(case.window_id, []).append(case)
    return grouped


@shared_task
def send_deadline_digests(today=None):
    """Beat job (daily 08:30, acting on working days): each staff member of a window with cases
    near or past their deadline gets one email listing them, keyed per window, day and person.
    Staff without an email address are skipped (and logged). Returns how many were queued."""
    today = dt.date.fromisoformat(today) if today else dates.today()
    if not workdays.is_working_day(today):
        return 0  # nobody at the windows; the next working day's digest lists what is due
    grouped = _by_window(cases_near_deadline(today))
    memberships = list(
        StaffMembership.objects.filter(window_id__in=grouped, user__is_active=True)
        .select_related("user", "window")
        .order_by("window_id", "user_id")
    )
    done = _existing_keys(notices.digest_key(m.window, m.user, today) for m in memberships)
    queued = 0
    with translation.override(settings.LANGUAGE_CODE):
        for membership in memberships:
            user, window = membership.user, membership.window
            if notices.digest_key(window, user, today) in done:
                continue
            if not user.email:
                logger.info("deadline digest of %s: user %s has no email", window.code, user.pk)
                continue
            with transaction.atomic():
                _notice, created = notices.deadline_digest(window, user, grouped[window.pk], today)
            queued += created
    return queued
