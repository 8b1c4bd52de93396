"""The annual report built by a real Celery worker consuming from Redis (not eager mode): the
request commits, the task is published, the worker builds the file and the API shows it done;
and a worker process killed in the middle of a build loses nothing. Transactional: the worker
has its own database connections."""

import os
import signal
import time

import psycopg2
import pytest
from django.db import connection
from openpyxl import load_workbook

from reviews.constants import ReportStatus
from reviews.models import AnnualReport
from reviews.stats import compute_stats
from tests.conftest_worker import real_worker, worker_process  # noqa: F401 (fixtures)

from .stats_factories import known_year

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_a_real_worker_builds_the_report(
    real_worker,  # noqa: F811
    api,
    client,
    bureau,
    window_a,
    window_b,
    item,
    staff_a,
    staff_b,
):
    known_year(window_a, window_b, item, staff_a, staff_b)
    api.force_authenticate(bureau)

    response = api.post("/api/v1/reports/annual/", {"year": 2025}, format="json")

    assert response.status_code == 202
    report_id = response.json()["id"]
    real_worker.wait_for(
        lambda: (
            AnnualReport.objects.get(pk=report_id).status
            in (ReportStatus.DONE, ReportStatus.FAILED)
        ),
        timeout=30,
        what="the report to be built",
    )
    real_worker.wait_idle()
    report = AnnualReport.objects.get(pk=report_id)
    assert (report.status, report.progress, report.error) == (ReportStatus.DONE, 100, "")
    assert real_worker.runs("reviews.build_annual_report", "SUCCESS") == 1
    body = api.get(f"/api/v1/reports/{report_id}/").json()
    client.force_login(bureau)
    download = client.get(body["download"])
    assert download.status_code == 200
    workbook = load_workbook(report.file.path)
    # The summary's rows by their English label (column B), the value in column C.
    summary = {row[1]: row[2] for row in workbook.worksheets[0].iter_rows(values_only=True)}
    assert summary["Ratings"] == compute_stats(2025)["ratings"] == 3


@pytest.mark.postgres
def test_a_worker_killed_mid_build_leaves_the_report_to_be_finished(
    worker_process,  # noqa: F811
    tmp_path,
    bureau,
    window_a,
    window_b,
    item,
    staff_a,
    staff_b,
):
    known_year(window_a, window_b, item, staff_a, staff_b)
    worker = worker_process(DJANGO_MEDIA_ROOT=tmp_path / "worker-media")
    with cases_locked():
        # The build claims the row, then waits on the statistics query: it is mid-build.
        report = request_report_now(bureau)
        wait_until(lambda: mid_build(report), worker)
        [child] = worker.children()
        os.kill(child, signal.SIGKILL)
    # acks_late + reject_on_worker_lost: the message comes back marked redelivered, a new pool
    # process takes the abandoned build over at once and finishes it.
    wait_until(lambda: AnnualReport.objects.get(pk=report.pk).status == ReportStatus.DONE, worker)

    report.refresh_from_db()
    assert (report.progress, report.error) == (100, "")
    assert "WorkerLostError" in worker.output or "SIGKILL" in worker.output
    assert load_workbook(tmp_path / "worker-media" / report.file.name).worksheets


def mid_build(report):
    report = AnnualReport.objects.get(pk=report.pk)
    # Progress 10 is reported just before the statistics queries.
    return report.status == ReportStatus.RUNNING and report.progress == 10


def request_report_now(user):
    from reviews.report_tasks import request_report

    report, _created = request_report(2025, user)  # autocommit: published at once
    return report


class cases_locked:
    """Holds an exclusive lock on the cases table from a connection of its own."""

    def __enter__(self):
        db = connection.settings_dict
        self.connection = psycopg2.connect(
            dbname=db["NAME"],
            user=db["USER"],
            password=db["PASSWORD"] or None,
            host=db["HOST"],
            port=db["PORT"] or 5432,
        )
        with self.connection.cursor() as cursor:
            cursor.execute("LOCK TABLE appointments_case IN ACCESS EXCLUSIVE MODE")
        return self

    def __exit__(self, *exc):
        self.connection.rollback()
        self.connection.close()


def wait_until(condition, worker, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out; worker log:\n{worker.output}")
