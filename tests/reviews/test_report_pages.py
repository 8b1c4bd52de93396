"""The annual report pages and API against the whole cast (anonymous, window staff, bureau),
bad input, and the download."""

import datetime as dt
import io

import pytest
import time_machine
from django.conf import settings
from openpyxl import load_workbook
from rest_framework.authtoken.models import Token

from reviews.constants import ReportStatus
from reviews.models import AnnualReport
from reviews.report_tasks import build_annual_report
from tests.windows.factories import UserFactory

pytestmark = [pytest.mark.django_db]

LIST = "/bureau/reports/"
API = "/api/v1/reports/annual/"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(dt.datetime(2026, 1, 15, 10, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def done_report(user, year=2025):
    report = AnnualReport.objects.create(year=year, requested_by=user)
    build_annual_report.delay(report.pk)
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE
    return report


def download_url(report):
    return f"/bureau/reports/{report.pk}/download/"


# --- the list page --------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client):
    for url in (LIST, "/bureau/reports/1/download/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")
    assert client.post("/bureau/reports/1/retry/").status_code == 302


def test_window_staff_do_not_see_the_pages(client, staff_a, bureau):
    report = done_report(bureau)
    client.force_login(staff_a)

    # 403 as from the API: the pages are no secret, they are the bureau's.
    assert client.get(LIST).status_code == 403
    assert client.post(LIST, {"year": 2025}).status_code == 403
    assert client.get(download_url(report)).status_code == 403
    assert client.post(f"/bureau/reports/{report.pk}/retry/").status_code == 403
    assert AnnualReport.objects.count() == 1
    assert "年度报告仅供市局工作人员查看。" in client.get(LIST).content.decode()


def test_bureau_sees_the_form_and_earlier_reports(client, bureau, django_assert_num_queries):
    reports = [done_report(bureau, year) for year in (2023, 2024)]
    failed = AnnualReport.objects.create(
        year=2022, requested_by=bureau, status=ReportStatus.FAILED, error="磁盘已满"
    )
    client.force_login(bureau)

    # Session, user, bureau group, the years with figures (cases, complaints), count, the page
    # of reports with who asked for them.
    with django_assert_num_queries(7):
        response = client.get(LIST)

    assert response.status_code == 200
    page = response.content.decode()
    # No figures at all: the current year (test_report_years.py has the rule).
    assert '<select name="year"' in page and '<option value="2026" selected>' in page
    for report in reports:
        assert download_url(report) in page
    assert "磁盘已满" in page
    assert f"/bureau/reports/{failed.pk}/retry/" in page
    assert f"/bureau/reports/{reports[0].pk}/retry/" not in page
    assert "reviews/report.js" not in page  # nothing is being built: no polling


def test_requesting_a_year_builds_it(client, bureau, django_capture_on_commit_callbacks):
    client.force_login(bureau)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(LIST, {"year": "2025"})

    assert response.status_code == 302 and response["Location"] == LIST
    report = AnnualReport.objects.get()
    assert (report.year, report.status, report.requested_by) == (2025, ReportStatus.DONE, bureau)
    assert len(callbacks) == 1
    assert download_url(report) in client.get(LIST).content.decode()


def test_a_report_being_built_shows_its_progress(client, bureau):
    report = AnnualReport.objects.create(
        year=2025, requested_by=bureau, status=ReportStatus.RUNNING, progress=40
    )
    client.force_login(bureau)

    page = client.get(LIST).content.decode()

    assert f'data-status-url="/api/v1/reports/{report.pk}/"' in page
    assert 'value="40"' in page
    assert "reviews/report.js" in page
    assert '<noscript><meta http-equiv="refresh"' in page
    assert download_url(report) not in page


@pytest.mark.parametrize("year", ["1999", "2027", "2026x", ""])
def test_a_bad_year_is_refused_with_a_message(client, bureau, year):
    client.force_login(bureau)

    response = client.post(LIST, {"year": year})

    assert response.status_code == 200
    assert response.context["form"].errors["year"]
    assert not AnnualReport.objects.exists()


def test_the_current_year_can_be_requested(client, bureau, django_capture_on_commit_callbacks):
    client.force_login(bureau)

    with django_capture_on_commit_callbacks(execute=False):
        client.post(LIST, {"year": "2026"})

    assert AnnualReport.objects.get().year == 2026


def test_the_page_speaks_english_on_request(client, bureau):
    client.force_login(bureau)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    page = client.get(LIST).content.decode()

    assert "Annual reports" in page and "Build the report" in page


# --- retry ----------------------------------------------------------------------------------------


def test_a_failed_report_is_retried_from_the_page(
    client, bureau, django_capture_on_commit_callbacks
):
    report = AnnualReport.objects.create(
        year=2025, requested_by=bureau, status=ReportStatus.FAILED, error="x"
    )
    client.force_login(bureau)

    assert client.get(f"/bureau/reports/{report.pk}/retry/").status_code == 405
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/bureau/reports/{report.pk}/retry/")

    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.status, report.error) == (ReportStatus.DONE, "")


def test_retrying_a_done_report_changes_nothing(client, bureau):
    report = done_report(bureau)
    client.force_login(bureau)

    response = client.post(f"/bureau/reports/{report.pk}/retry/", follow=True)

    assert response.status_code == 200
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE
    assert client.post("/bureau/reports/999999/retry/").status_code == 404


# --- download -------------------------------------------------------------------------------------


def test_bureau_downloads_the_workbook(client, bureau):
    report = done_report(bureau)
    client.force_login(bureau)

    response = client.get(download_url(report))

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="annual-report-2025.xlsx"')
    # 年度报告-2026.xlsx, RFC 5987.
    assert "filename*=UTF-8''%E5%B9%B4%E5%BA%A6%E6%8A%A5%E5%91%8A-2025.xlsx" in disposition
    assert "no-store" in response["Cache-Control"]
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert len(workbook.worksheets) == 6


def test_only_finished_reports_with_a_file_download(client, bureau):
    pending = AnnualReport.objects.create(year=2025, requested_by=bureau)
    report = done_report(bureau, 2024)
    report.file.storage.delete(report.file.name)
    client.force_login(bureau)

    assert client.get(download_url(pending)).status_code == 404
    assert client.get(download_url(report)).status_code == 404
    assert client.get("/bureau/reports/999999/download/").status_code == 404


# --- API ------------------------------------------------------------------------------------------


def test_api_anonymous_and_window_staff_are_refused(api, staff_a, bureau):
    report = done_report(bureau)

    assert api.post(API, {"year": 2025}, format="json").status_code == 401
    assert api.get(f"/api/v1/reports/{report.pk}/").status_code == 401
    api.force_authenticate(staff_a)
    refused = api.post(API, {"year": 2025}, format="json")
    assert refused.status_code == 403
    assert set(refused.json()) >= {"code", "message"}
    assert api.get(f"/api/v1/reports/{report.pk}/").status_code == 403
    assert api.post(f"/api/v1/reports/{report.pk}/retry/").status_code == 403
    assert AnnualReport.objects.count() == 1


def test_api_request_then_status_then_download(
    api, bureau, client, django_capture_on_commit_callbacks
):
    token = Token.objects.create(user=bureau)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = api.post(API, {"year": 2025}, format="json")

    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "pending" and isinstance(body["id"], int)
    assert response["Location"] == f"/api/v1/reports/{body['id']}/"
    pending = api.get(f"/api/v1/reports/{body['id']}/").json()
    assert (pending["status"], pending["progress"], pending["download"]) == ("pending", 0, None)

    callbacks[0]()  # the commit: the task runs (eagerly)

    done = api.get(f"/api/v1/reports/{body['id']}/").json()
    assert set(done) >= {
        "id",
        "year",
        "status",
        "progress",
        "error",
        "created_at",
        "finished_at",
        "download",
    }
    assert (done["year"], done["status"], done["progress"], done["error"]) == (
        2025,
        "done",
        100,
        "",
    )
    assert done["download"] == f"http://testserver/api/v1/reports/{body['id']}/download/"
    assert done["finished_at"].startswith("2026-01-15T18:00:00")
    client.force_login(bureau)
    assert client.get(done["download"]).status_code == 200


@pytest.mark.parametrize(
    "body", [{"year": 1999}, {"year": 2027}, {"year": "twenty"}, {}, {"year": None}]
)
def test_api_bad_year_is_400(api, bureau, body):
    api.force_authenticate(bureau)

    response = api.post(API, body, format="json")

    assert response.status_code == 400
    payload = response.json()
    assert payload["code"] == "invalid" and payload["message"]
    assert payload["errors"]["year"]
    assert not AnnualReport.objects.exists()


def test_api_malformed_bodies_are_400(api, bureau):
    api.force_authenticate(bureau)

    as_list = api.post(API, [2025], format="json")
    broken = api.post(API, "{year:", content_type="application/json")

    assert (as_list.status_code, broken.status_code) == (400, 400)
    assert as_list.json()["code"] == "invalid"


def test_api_unknown_report_is_404(api, bureau):
    api.force_authenticate(bureau)

    response = api.get("/api/v1/reports/999999/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_api_failed_report_shows_why_and_retries(api, bureau, django_capture_on_commit_callbacks):
    report = AnnualReport.objects.create(
        year=2025, requested_by=bureau, status=ReportStatus.FAILED, error="构建失败的原因"
    )
    api.force_authenticate(bureau)

    failed = api.get(f"/api/v1/reports/{report.pk}/").json()
    with django_capture_on_commit_callbacks(execute=True):
        retried = api.post(f"/api/v1/reports/{report.pk}/retry/")
    again = api.post(f"/api/v1/reports/{report.pk}/retry/")

    assert (failed["status"], failed["error"], failed["download"]) == (
        "failed",
        "构建失败的原因",
        None,
    )
    assert retried.status_code == 202 and retried.json()["status"] == "pending"
    assert again.status_code == 409 and again.json()["code"] == "not_retryable"
    assert api.get(f"/api/v1/reports/{report.pk}/").json()["status"] == "done"


def test_a_user_with_no_window_is_refused(api):
    api.force_authenticate(UserFactory())

    assert api.post(API, {"year": 2025}, format="json").status_code == 403


# --- the API's download (issue 11: a token client was sent to the login page) ---------------------


def test_the_apis_download_link_gives_the_token_client_the_file(api, bureau):
    report = done_report(bureau)
    token = Token.objects.create(user=bureau)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    link = api.get(f"/api/v1/reports/{report.pk}/").json()["download"]
    response = api.get(link, HTTP_ACCEPT=XLSX)

    assert link == f"http://testserver/api/v1/reports/{report.pk}/download/"
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"].startswith(
        'attachment; filename="annual-report-2025.xlsx"'
    )
    assert "no-store" in response["Cache-Control"]
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert len(workbook.worksheets) >= 5


def test_the_apis_download_refuses_whom_the_page_refuses(api, bureau, staff_a):
    report = done_report(bureau)
    pending = AnnualReport.objects.create(year=2024, requested_by=bureau)
    url = f"/api/v1/reports/{report.pk}/download/"

    anonymous = api.get(url)
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=staff_a).key}")
    window_staff = api.get(url)
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=bureau).key}")
    not_done = api.get(f"/api/v1/reports/{pending.pk}/download/")
    unknown = api.get("/api/v1/reports/999999/download/")

    assert anonymous.status_code == 401 and anonymous.json()["code"]
    assert window_staff.status_code == 403
    assert (not_done.status_code, unknown.status_code) == (404, 404)
    assert not_done.json()["code"] == "not_found"
