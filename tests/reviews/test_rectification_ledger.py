"""The rectification ledger (台账) as .xlsx, and the rectifications API list."""

import io
import zipfile

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook
from rest_framework.test import APIClient

from ipservice.spreadsheets import XLSX_CONTENT_TYPE as XLSX_TYPE
from reviews.services.rectifications import add_note, follow_up

from .factories import CompletedCaseFactory, bad_rating, rate_case
from .feedback_fixtures import *  # noqa: F403
from .feedback_fixtures import login

pytestmark = pytest.mark.django_db

LEDGER = "/reviews/rectifications/ledger.xlsx"


def sheet_rows(response):
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]


def test_the_ledger_is_a_valid_xlsx_with_masked_personal_data(client, window_a, bureau):
    case = CompletedCaseFactory(window=window_a, name="欧阳娜娜", phone="13812345678")
    rating = rate_case(case, score=1, comment='=HYPERLINK("http://evil")')
    rect = rating.rectification
    follow_up(rect, bureau, timezone.now(), "phone", "群众反映等候时间长")
    login(client, bureau)
    response = client.get(LEDGER)
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_TYPE
    assert "attachment" in response["Content-Disposition"]
    assert zipfile.is_zipfile(io.BytesIO(response.content))
    rows = sheet_rows(response)
    header, row = rows[0], rows[1]
    assert len(rows) == 2
    values = dict(zip(header, row))
    assert "欧阳**" in row and "138****5678" in row
    assert case.reference in row
    assert values[header[0]] == rect.pk
    # Nothing whole: neither the name nor the number appear anywhere in the file.
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        text = "".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    assert "13812345678" not in text and "欧阳娜娜" not in text
    # A comment that looks like a formula is kept as text, never run.
    assert any(isinstance(v, str) and v.startswith("'=HYPERLINK") for v in row)
    assert any(isinstance(v, str) and "群众反映等候时间长" in v for v in row)


def test_the_ledger_headers_follow_the_language(english, client, window_a, bureau):
    bad_rating(window_a)
    login(english, bureau)
    header = sheet_rows(english.get(LEDGER))[0]
    assert "Case reference" in header and "Rectify by" in header


def test_the_ledger_follows_the_filters_and_the_users_windows(client, window_a, window_b, staff_a):
    mine = bad_rating(window_a).rectification
    bad_rating(window_b)
    login(client, staff_a)
    rows = sheet_rows(client.get(LEDGER))
    assert [r[0] for r in rows[1:]] == [mine.pk]
    rows = sheet_rows(client.get(LEDGER, {"status": "closed"}))
    assert len(rows) == 1  # the header only


def test_the_ledger_needs_a_login(client):
    response = client.get(LEDGER)
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_ledger_queries_do_not_grow_with_rows(client, window_a, bureau):
    bad_rating(window_a)
    login(client, bureau)
    client.get(LEDGER)
    with CaptureQueriesContext(connection) as few:
        client.get(LEDGER)
    for _ in range(5):
        rect = bad_rating(window_a).rectification
        add_note(rect, bureau, "记录")
    with CaptureQueriesContext(connection) as many:
        client.get(LEDGER)
    assert len(many) == len(few)


# --- GET /api/v1/rectifications/ -----------------------------------------------------------------


API = "/api/v1/rectifications/"


def test_api_list_masks_and_scopes(window_a, window_b, staff_a, bureau):
    case = CompletedCaseFactory(window=window_a, name="张三丰", phone="13912345678")
    mine = rate_case(case, score=2).rectification
    bad_rating(window_b)
    api = APIClient()
    api.force_authenticate(staff_a)
    data = api.get(API).json()
    assert data["count"] == 1
    row = data["results"][0]
    assert row["id"] == mine.pk and row["reference"] == case.reference
    assert row["person"] == "张**" and row["phone"] == "139****5678"
    assert row["score"] == 2 and row["deadline"] in ("ok", "near_due", "overdue")
    assert row["rectify_due"] == mine.rectify_due.isoformat()
    api.force_authenticate(bureau)
    assert api.get(API).json()["count"] == 2


def test_api_list_refuses_anonymous_with_401(api):
    response = api.get(API)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_api_list_with_a_token(bureau, window_a):
    from rest_framework.authtoken.models import Token

    bad_rating(window_a)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=bureau).key}")
    assert api.get(API).json()["count"] == 1


@pytest.mark.parametrize(
    "params", [{"status": "nonsense"}, {"deadline": "tomorrow"}, {"window": "abc"}]
)
def test_api_list_bad_filters_are_400(bureau, params):
    api = APIClient()
    api.force_authenticate(bureau)
    response = api.get(API, params)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_api_list_another_windows_filter_is_400_for_staff(window_b, staff_a):
    api = APIClient()
    api.force_authenticate(staff_a)
    assert api.get(API, {"window": window_b.pk}).status_code == 400


def test_api_list_filters(window_a, bureau):
    a = bad_rating(window_a).rectification
    b = bad_rating(window_a).rectification
    follow_up(b, bureau, timezone.now(), "phone", "联系上了")
    api = APIClient()
    api.force_authenticate(bureau)
    ids = [r["id"] for r in api.get(API, {"status": "open"}).json()["results"]]
    assert ids == [a.pk]


def test_api_list_query_count_is_constant(window_a, bureau):
    bad_rating(window_a)
    api = APIClient()
    api.force_authenticate(bureau)
    api.get(API)
    with CaptureQueriesContext(connection) as few:
        api.get(API)
    for _ in range(5):
        bad_rating(window_a)
    with CaptureQueriesContext(connection) as many:
        assert api.get(API).json()["count"] == 6
    assert len(many) == len(few)
