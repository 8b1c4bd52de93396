"""One pending or running annual report per year (issue 10): held by the database, answered 409
on the API and with a message on the page."""

import datetime as dt
import threading

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction

from reviews.constants import ReportStatus
from reviews.models import AnnualReport
from reviews.report_tasks import request_report

API = "/api/v1/reports/annual/"
PAGE = "/bureau/reports/"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(dt.datetime(2026, 1, 15, 10, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def queued_only():
    """Builds are queued in Redis and not run, as while the workers are busy: the reports stay
    pending. (In the other tests the test's transaction never commits: nothing is queued.)"""
    from ipservice.celery import app

    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = True
    app.control.purge()


@pytest.mark.django_db
@pytest.mark.parametrize("status", [ReportStatus.PENDING, ReportStatus.RUNNING])
def test_the_database_refuses_a_second_active_report_of_a_year(bureau, status):
    AnnualReport.objects.create(year=2025, requested_by=bureau, status=status)
    with pytest.raises(IntegrityError), transaction.atomic():
        AnnualReport.objects.create(year=2025, requested_by=bureau)


@pytest.mark.django_db
def test_finished_reports_of_a_year_are_not_limited(bureau):
    for status in (ReportStatus.DONE, ReportStatus.DONE, ReportStatus.FAILED, ReportStatus.PENDING):
        AnnualReport.objects.create(year=2025, requested_by=bureau, status=status)
    AnnualReport.objects.create(year=2024, requested_by=bureau)
    assert AnnualReport.objects.count() == 5


@pytest.mark.django_db
def test_the_api_answers_409_while_the_year_is_being_built(api, bureau):
    api.force_authenticate(bureau)
    first = api.post(API, {"year": 2025}, format="json")
    assert first.status_code == 202
    for _ in range(3):
        again = api.post(API, {"year": 2025}, format="json")
        assert again.status_code == 409
        body = again.json()
        assert body["code"] == "already_building" and body["errors"] == {}
        assert body["message"] == "2025年度报告已在生成中。"
        assert body["id"] == first.json()["id"]
        assert again["Location"] == f"/api/v1/reports/{body['id']}/"
    assert api.post(API, {"year": 2024}, format="json").status_code == 202
    assert AnnualReport.objects.count() == 2


@pytest.mark.django_db
def test_the_page_says_so_and_queues_nothing_more(client, bureau):
    client.force_login(bureau)
    client.post(PAGE, {"year": "2025"})
    response = client.post(PAGE, {"year": "2025"}, follow=True)
    assert "2025年度报告已在生成中。" in response.content.decode()
    assert AnnualReport.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_make_one_report(bureau, queued_only):
    barrier = threading.Barrier(4)
    outcomes = []

    def ask():
        try:
            barrier.wait()
            report, created = request_report(2025, bureau)
            outcomes.append((report.pk, created))
        finally:
            connection.close()

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(created for _pk, created in outcomes) == [False, False, False, True]
    assert len({pk for pk, _created in outcomes}) == 1
    assert AnnualReport.objects.filter(status__in=["pending", "running"]).count() == 1
