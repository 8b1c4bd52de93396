"""Building the annual report in the background: the task, and how pages and API ask for it.

A build is claimed with ONE conditional UPDATE (pending, or running but abandoned, to running,
stamped with its start time); every later write of that build (progress, file, outcome) is
conditioned on the same start time, so that a duplicate message or a build taken over after a
dead worker can never overwrite the run that owns the row. What is done is never redone.

A worker killed in the middle leaves the row running; with `acks_late` and
`task_reject_on_worker_lost` the message comes back marked redelivered and takes the row over.
Any other message finding the row running (a duplicate) looks again once that run would be
surely dead (the hard time limit has passed), then takes it over if it is still unfinished.
A report whose message was lost (the broker down when it was sent) stays pending; past the same
limit it can be retried, and a new request for its year is not held up by it. A failure marks
the row failed with a message for people (the traceback goes to the log); staff retry it.
"""

import datetime as dt
import logging
import tempfile

from celery import shared_task
from celery.exceptions import MaxRetriesExceededError, SoftTimeLimitExceeded
from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .constants import ReportStatus
from .models import AnnualReport
from .report import write_report

logger = logging.getLogger(__name__)

ACTIVE = (ReportStatus.PENDING, ReportStatus.RUNNING)


def abandoned_after():
    """A build running for longer than the hard time limit has been killed: it may be taken
    over (and a report pending that long has lost its message)."""
    return dt.timedelta(seconds=getattr(settings, "CELERY_TASK_TIME_LIMIT", None) or 3600)


def abandoned(now):
    """Running past the time limit (its worker died), or pending that long (its message was
    lost, e.g. the broker was down when it was sent)."""
    cutoff = now - abandoned_after()
    return Q(status=ReportStatus.RUNNING, started_at__lt=cutoff) | Q(
        status=ReportStatus.PENDING, created_at__lt=cutoff
    )


# --- asking for a report --------------------------------------------------------------------------


def enqueue(report):
    report_id = report.pk
    # robust: a broker that is down must not turn the request into an error page; the report
    # stays pending, and can be retried once abandoned.
    transaction.on_commit(lambda: build_annual_report.delay(report_id), robust=True)


@transaction.atomic
def request_report(year, user):
    """(report, created): a new report of `year` queued for building, or the one of that year
    already queued or being built (a second click does not build it twice). The database holds
    one such report per year (constraint one_active_report_per_year); an abandoned one gives
    way to the new request (marked failed, it can be retried later)."""
    now = timezone.now()
    AnnualReport.objects.filter(abandoned(now), year=year).update(
        status=ReportStatus.FAILED, error=abandoned_message(), finished_at=now
    )
    active = AnnualReport.objects.filter(year=year, status__in=ACTIVE).first()
    if active is not None:
        return active, False
    try:
        with transaction.atomic():
            report = AnnualReport.objects.create(year=year, requested_by=user)
    except IntegrityError:
        # A concurrent request for the same year inserted first (the constraint decided); its
        # report is the newest of the year, whatever state it has reached since.
        return AnnualReport.objects.filter(year=year).order_by("-pk").first(), False
    enqueue(report)
    return report, True


def abandoned_message():
    with translation.override(settings.LANGUAGE_CODE):
        return _("The build was abandoned (its worker stopped); the report was asked for again.")


def can_retry(report, now=None):
    """A failed build, or an abandoned one (see `abandoned`), can be started again."""
    cutoff = (now or timezone.now()) - abandoned_after()
    if report.status == ReportStatus.FAILED:
        return True
    if report.status == ReportStatus.RUNNING:
        return report.started_at is not None and report.started_at < cutoff
    return report.status == ReportStatus.PENDING and report.created_at < cutoff


@transaction.atomic
def retry_report(report):
    """Queues `report` again if it can be retried; False if not (done, or still building)."""
    now = timezone.now()
    retryable = Q(status=ReportStatus.FAILED) | abandoned(now)
    try:
        with transaction.atomic():
            updated = AnnualReport.objects.filter(retryable, pk=report.pk).update(
                status=ReportStatus.PENDING, progress=0, error="", started_at=None, finished_at=None
            )
    except IntegrityError:
        return False  # another report of its year is queued or being built
    if updated:
        enqueue(report)
    return bool(updated)


# --- the task -------------------------------------------------------------------------------------


class Run:
    """One build of one report, identified by the start time it claimed the row with."""

    def __init__(self, report_id, started):
        self.report_id, self.started = report_id, started

    def rows(self):
        return AnnualReport.objects.filter(
            pk=self.report_id, status=ReportStatus.RUNNING, started_at=self.started
        )

    def progress(self, percent):
        self.rows().update(progress=percent)

    def finish(self, name):
        return self.rows().update(
            status=ReportStatus.DONE, progress=100, file=name, finished_at=timezone.now()
        )

    def fail(self, message):
        self.rows().update(status=ReportStatus.FAILED, error=message, finished_at=timezone.now())


def claim(report_id, now, *, take_over=False):
    """Run or None: ONE conditional UPDATE decides which build owns the row. `take_over`: also
    a build still running (its worker is known to be dead)."""
    claimable = Q(status=ReportStatus.PENDING) | abandoned(now)
    if take_over:
        claimable |= Q(status=ReportStatus.RUNNING)
    claimed = AnnualReport.objects.filter(claimable, pk=report_id).update(
        status=ReportStatus.RUNNING, started_at=now, progress=0, error="", finished_at=None
    )
    return Run(report_id, now) if claimed else None


@shared_task(bind=True, name="reviews.build_annual_report", max_retries=3)
def build_annual_report(self, report_id):
    """Builds the .xlsx of AnnualReport `report_id` once; see the module's docstring."""
    now = timezone.now()
    run = claim(report_id, now, take_over=redelivered(self.request))
    if run is None:
        _look_again_later(self, report_id, now)
        return
    # A task has no request: the report's words and its error are in the portal's language.
    with translation.override(settings.LANGUAGE_CODE):
        try:
            _build(run)
        except SoftTimeLimitExceeded:
            logger.error("annual report %s: soft time limit exceeded", report_id)
            run.fail(_("Building the report took too long and was stopped. Please try again."))
        except Exception as exc:
            logger.exception("annual report %s could not be built", report_id)
            run.fail(failure_message(exc))


def redelivered(request):
    """True for a message handed back by the broker because the worker running it was lost
    (acks_late + task_reject_on_worker_lost; kombu marks it): the build it started is dead, so
    this one takes the row over at once. Should that build still be alive after all, the start
    time it claimed with no longer matches: it can change nothing."""
    return bool((request.delivery_info or {}).get("redelivered"))


def failure_message(exc):
    # People see the kind of failure, never a traceback or SQL; the log has the details.
    return _(
        "The report could not be built because of an unexpected error (%(kind)s). The details "
        "are in the worker's log. Please try again; if it fails again, tell the portal's "
        "administrators."
    ) % {"kind": type(exc).__name__}


def _build(run):
    report = AnnualReport.objects.get(pk=run.report_id)
    with tempfile.TemporaryFile(suffix=".xlsx") as scratch:
        write_report(report.year, scratch, progress=run.progress)
        scratch.seek(0)
        name = f"annual-report-{report.year}-{report.pk}.xlsx"
        report.file.save(name, File(scratch, name=name), save=False)
    if not run.finish(report.file.name):
        # Taken over (or deleted) meanwhile: the row is not ours, nor is this file.
        report.file.storage.delete(report.file.name)


def _look_again_later(task, report_id, now):
    """Not claimed: done, failed or gone (nothing to do), or running: another message's build
    (a duplicate); come back when it would be abandoned."""
    report = AnnualReport.objects.filter(pk=report_id).only("status", "started_at").first()
    if report is None or report.status != ReportStatus.RUNNING or task.request.is_eager:
        return
    wait = report.started_at + abandoned_after() - now
    try:
        raise task.retry(countdown=max(int(wait.total_seconds()) + 5, 5))
    except MaxRetriesExceededError:
        logger.warning(
            "annual report %s: still running after %s checks", report_id, task.max_retries
        )
