"""Retention (issue 14): collect only what the item needs, keep it only as long as needed. A
daily beat job deletes the files of applications closed longer than
APPLICATION_RETENTION_DAYS ago; the application, its timeline and the names of its files stay."""

import datetime as dt
import logging

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from appointments.constants import Status as CaseStatus

from .constants import Action
from .models import Application
from .services import record_event

logger = logging.getLogger(__name__)
BATCH = 200


def expired(now=None):
    """Applications whose files are due for deletion: closed (rejected, or their case
    completed or rejected) before the retention period and not purged yet."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.APPLICATION_RETENTION_DAYS)
    closed_case = Q(case__status=CaseStatus.COMPLETED, case__completed_at__lt=cutoff) | Q(
        case__status=CaseStatus.REJECTED, case__updated_at__lt=cutoff
    )
    return Application.objects.filter(files_purged_at=None).filter(
        Q(closed_at__lt=cutoff) | closed_case
    )


@shared_task
def purge_expired_files(now=None):
    """Deletes the files of expired applications, a batch at a time; returns how many."""
    purged = 0
    for pk in expired(now).values_list("pk", flat=True)[:BATCH]:
        purged += purge_files(pk)
    if purged:
        logger.info("deleted the files of %s applications after the retention period", purged)
    return purged


def purge_files(pk):
    """One application's files deleted, the rows kept (their file emptied). The storage is
    told after commit: a rolled-back purge keeps its files."""
    with transaction.atomic():
        application = Application.objects.select_for_update().filter(pk=pk).first()
        if application is None or application.files_purged_at is not None:
            return 0
        names = []
        for submission in application.submissions.exclude(file=""):
            names.append(submission.file.name)
            storage = submission.file.storage
            submission.file = ""
            submission.save(update_fields=["file"])
        application.files_purged_at = timezone.now()
        application.save(update_fields=["files_purged_at"])
        record_event(application, Action.PURGE)
        if names:
            transaction.on_commit(lambda: [storage.delete(name) for name in names])
    return 1
