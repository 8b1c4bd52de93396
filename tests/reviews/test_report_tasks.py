"""The annual report task (eager): its effect, once only, failure with a readable reason, retry,
and taking over a build abandoned by a dead worker."""

import datetime as dt
import logging

import pytest
import time_machine
from django.utils import timezone
from openpyxl import load_workbook

from reviews.constants import ReportStatus
from reviews.models import AnnualReport
from reviews.report_tasks import (
    abandoned_after,
    build_annual_report,
    claim,
    request_report,
    retry_report,
)

from .stats_factories import known_year

pytestmark = [pytest.mark.django_db]
NOW = dt.datetime(2026, 1, 15, 10, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def known(window_a, window_b, item, staff_a, staff_b):
    return known_year(window_a, window_b, item, staff_a, staff_b)


def test_a_request_builds_the_report_on_commit(known, bureau, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        report, created = request_report(2025, bureau)

    report.refresh_from_db()
    assert created and len(callbacks) == 1
    assert (report.status, report.progress, report.error) == (ReportStatus.DONE, 100, "")
    assert report.started_at == report.finished_at == timezone.now()
    assert report.file.name == f"reports/annual-report-2025-{report.pk}.xlsx"
    with report.file.open("rb") as handle:
        workbook = load_workbook(handle)
    assert len(workbook.worksheets) == 6


def test_nothing_is_queued_before_the_commit(bureau, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        report, _created = request_report(2025, bureau)

    report.refresh_from_db()
    assert len(callbacks) == 1
    assert (report.status, report.progress, report.file.name) == (ReportStatus.PENDING, 0, "")


def test_a_second_request_for_a_year_being_built_is_the_same_report(
    bureau, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first, created_first = request_report(2025, bureau)
        second, created_second = request_report(2025, bureau)
        other_year, _created = request_report(2024, bureau)

    assert (created_first, created_second) == (True, False)
    assert second.pk == first.pk != other_year.pk
    assert len(callbacks) == 2


def test_a_done_year_can_be_built_again(known, bureau, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first, _ = request_report(2025, bureau)
    with django_capture_on_commit_callbacks(execute=True):
        second, created = request_report(2025, bureau)

    assert created and second.pk != first.pk
    assert AnnualReport.objects.filter(status=ReportStatus.DONE).count() == 2


def test_running_the_task_again_changes_nothing(known, bureau, media):
    report = AnnualReport.objects.create(year=2025, requested_by=bureau)
    build_annual_report.delay(report.pk)
    report.refresh_from_db()
    done = (report.status, report.file.name, report.finished_at)

    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        build_annual_report.delay(report.pk)
        build_annual_report(report.pk)

    report.refresh_from_db()
    assert (report.status, report.file.name, report.finished_at) == done
    assert [p.name for p in (media / "reports").iterdir()] == [report.file.name.split("/")[1]]


def test_an_unknown_report_is_ignored():
    build_annual_report.delay(987654)

    assert not AnnualReport.objects.exists()


def test_a_failure_is_recorded_with_a_readable_reason_then_retried(
    known, bureau, settings, tmp_path, caplog, django_capture_on_commit_callbacks
):
    # The storage cannot write: MEDIA_ROOT is a file, not a directory.
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    settings.MEDIA_ROOT = blocker
    report = AnnualReport.objects.create(year=2025, requested_by=bureau)

    with caplog.at_level(logging.ERROR, logger="reviews.report_tasks"):
        build_annual_report.delay(report.pk)

    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED
    assert report.file.name == ""
    assert report.finished_at == timezone.now()
    assert "Traceback" not in report.error and 'File "' not in report.error
    assert "Error" in report.error  # the kind of failure, e.g. NotADirectoryError
    assert any(record.exc_info for record in caplog.records), "the traceback goes to the log"

    settings.MEDIA_ROOT = tmp_path / "media"
    with django_capture_on_commit_callbacks(execute=True):
        assert retry_report(report) is True

    report.refresh_from_db()
    assert (report.status, report.error, report.progress) == (ReportStatus.DONE, "", 100)
    assert report.file.name


def test_done_and_pending_reports_cannot_be_retried(known, bureau):
    done = AnnualReport.objects.create(year=2025, requested_by=bureau)
    build_annual_report.delay(done.pk)
    pending = AnnualReport.objects.create(year=2024, requested_by=bureau)

    assert retry_report(done) is False
    assert retry_report(pending) is False
    assert AnnualReport.objects.get(pk=done.pk).status == ReportStatus.DONE


def test_a_build_in_progress_is_not_started_twice(bureau):
    report = AnnualReport.objects.create(year=2025, requested_by=bureau)
    run = claim(report.pk, timezone.now())

    # The same message delivered again, or a duplicate: the running build is left alone.
    build_annual_report.delay(report.pk)

    report.refresh_from_db()
    assert run is not None
    assert (report.status, report.started_at) == (ReportStatus.RUNNING, run.started)
    assert retry_report(report) is False


def test_a_build_abandoned_by_a_dead_worker_is_taken_over(known, bureau):
    report = AnnualReport.objects.create(year=2025, requested_by=bureau)
    dead = claim(report.pk, timezone.now() - abandoned_after() - dt.timedelta(seconds=1))
    dead.progress(40)

    build_annual_report.delay(report.pk)

    report.refresh_from_db()
    assert (report.status, report.progress) == (ReportStatus.DONE, 100)
    assert report.started_at == timezone.now()
    # The dead run, should it wake up, can change nothing any more.
    assert dead.finish("reports/stale.xlsx") == 0
    dead.fail("stale")
    report.refresh_from_db()
    assert (report.status, report.error) == (ReportStatus.DONE, "")


def test_an_abandoned_build_can_be_retried_by_staff(bureau, django_capture_on_commit_callbacks):
    report = AnnualReport.objects.create(year=2025, requested_by=bureau)
    claim(report.pk, timezone.now() - abandoned_after() - dt.timedelta(minutes=1))
    report.refresh_from_db()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert retry_report(report) is True

    report.refresh_from_db()
    assert (report.status, report.started_at, len(callbacks)) == (ReportStatus.PENDING, None, 1)


def test_a_report_whose_message_was_lost_can_be_retried(bureau, django_capture_on_commit_callbacks):
    lost = AnnualReport.objects.create(year=2025, requested_by=bureau)
    AnnualReport.objects.filter(pk=lost.pk).update(
        created_at=timezone.now() - abandoned_after() - dt.timedelta(minutes=1)
    )
    lost.refresh_from_db()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert retry_report(lost) is True
    assert len(callbacks) == 1


def test_a_new_request_is_not_held_up_by_a_lost_report(bureau, django_capture_on_commit_callbacks):
    lost = AnnualReport.objects.create(year=2025, requested_by=bureau)
    AnnualReport.objects.filter(pk=lost.pk).update(
        created_at=timezone.now() - abandoned_after() - dt.timedelta(minutes=1)
    )
    lost.refresh_from_db()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        fresh, created = request_report(2025, bureau)
        # One report of a year in the queue at a time: the lost one gave way (failed, with why).
        assert retry_report(lost) is False

    assert created and fresh.pk != lost.pk
    assert len(callbacks) == 1
    lost.refresh_from_db()
    assert lost.status == ReportStatus.FAILED and lost.error
