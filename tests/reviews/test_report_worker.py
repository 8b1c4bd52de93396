"""The annual report built by a real Celery worker consuming from Redis (not eager mode): the
request commits, the task is published, the worker's threads build the file and the API shows
it done. Transactional: the worker has its own database connections."""

import pytest
from openpyxl import load_workbook

from reviews.constants import ReportStatus
from reviews.models import AnnualReport
from reviews.stats import compute_stats
from tests.conftest_worker import real_worker  # noqa: F401 (a fixture)

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
    summary = {row[2]: row[3] for row in workbook.worksheets[0].iter_rows(values_only=True)}
    assert summary["ratings"] == compute_stats(2025)["ratings"] == 3
