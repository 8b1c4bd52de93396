"""Celery tasks of the appointments app. They take primary keys (never model instances), reload
the rows and return early when the work is already done, so a redelivered task (acks_late)
does no harm."""

import datetime as dt

from celery import shared_task
from django.utils import timezone

from . import notices, services
from .constants import NoticeStatus
from .models import Notice

NOTICE_MAX_RETRIES = 5
# A queued notice older than this was lost (broker down at commit time): send it again.
STALE_NOTICE_AGE = dt.timedelta(minutes=10)


@shared_task(bind=True, max_retries=NOTICE_MAX_RETRIES)
def send_notice(self, notice_id):
    """Send one notice; retried with growing delays while the gateway or mail server fails."""
    try:
        return notices.deliver(notice_id)
    except notices.SendError as exc:
        if self.request.is_eager:
            return False  # in-process (no broker): stays queued for send_stale_notices
        if self.request.retries >= self.max_retries:
            notices.give_up(notice_id)
            return False
        raise self.retry(exc=exc, countdown=60 * 2**self.request.retries) from exc


@shared_task
def send_stale_notices():
    """Enqueue notices still queued long after they were made. Returns how many."""
    cutoff = timezone.now() - STALE_NOTICE_AGE
    stale = Notice.objects.filter(
        status=NoticeStatus.QUEUED,
        created_at__lt=cutoff,
        attempts__lt=NOTICE_MAX_RETRIES + 1,
    ).values_list("pk", flat=True)
    ids = list(stale[:500])
    for notice_id in ids:
        send_notice.delay(notice_id)
    return len(ids)


@shared_task
def mark_no_shows():
    """Bookings whose slot passed without a check-in become no-shows. Returns how many."""
    return services.mark_no_shows()
