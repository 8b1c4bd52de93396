"""Issue 10, the headers: a Content-Security-Policy without inline script (django-csp), a
Permissions-Policy with the camera only where the check-in scanner needs it, and
`Cache-Control: no-store` on every answer that shows personal data whole. The templates hold
no inline script, event handler or style, so that the policy can forbid them."""

import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from appointments import services
from tests.appointments.factories import CaseFactory, person
from tests.reviews.factories import CompletedCaseFactory, bad_rating

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "pass-word-123"  # UserFactory's
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)  # Monday, a working day
START = dt.datetime(2026, 11, 24, 9, 0, tzinfo=SHANGHAI)


def directives(response):
    policy = response["Content-Security-Policy"]
    parts = (part.strip().split() for part in policy.split(";") if part.strip())
    return {name: sources for name, *sources in parts}


# Content-Security-Policy ------------------------------------------------------------------------


def public_pages(item, window):
    return ["/", "/catalog/", f"/catalog/{item.code}/", f"/windows/{window.pk}/", "/book/"]


def test_pages_forbid_inline_script_and_style(client, item, window_a):
    for url in [*public_pages(item, window_a), "/accounts/login/", "/complaints/new/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        policy = directives(response)
        assert policy["script-src"] == ["'self'"], url
        assert policy["style-src"] == ["'self'"], url  # no inline style either
        assert policy["default-src"] == ["'self'"] and policy["object-src"] == ["'none'"]
        assert policy["frame-ancestors"] == ["'none'"] and policy["base-uri"] == ["'self'"]
        assert policy["form-action"] == ["'self'"]


def test_staff_pages_and_the_admin_have_the_policy_too(client, staff_a, bureau):
    client.force_login(staff_a)
    for url in ("/staff/", "/staff/check-in/", "/staff/cases/"):
        assert directives(client.get(url))["script-src"] == ["'self'"], url
    client.force_login(bureau)
    assert directives(client.get("/admin/"))["script-src"] == ["'self'"]


def test_error_pages_and_the_api_have_the_policy(client, api):
    assert directives(client.get("/no-such-page/"))["script-src"] == ["'self'"]
    assert "Content-Security-Policy" in api.get("/api/v1/districts/")


def test_the_api_docs_load_their_start_up_script_as_a_file(client):
    response = client.get(reverse("api-docs"))
    assert response.status_code == 200
    html = response.content.decode()
    assert inline_scripts(html) == []
    policy = directives(response)
    assert policy["script-src"] == ["'self'"]
    # Swagger UI's page template has a <style> element: allowed here, and here only.
    assert "'unsafe-inline'" in policy["style-src"]
    script = re.search(r'<script src="(/api/docs/\?[^"]*)"', html).group(1)
    start = client.get(script.replace("&amp;", "&"))
    assert start.status_code == 200 and "SwaggerUIBundle" in start.content.decode()


# The templates: every script a file, no handler attribute, no inline style --------------------


def template_files():
    folders = [ROOT / "templates", *ROOT.glob("*/templates")]
    return sorted(path for folder in folders for path in folder.rglob("*.html"))


SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.I)
HANDLER_ATTRIBUTE = re.compile(r"<[a-z][^>]*?\son[a-z]+\s*=", re.I | re.S)
STYLE_ATTRIBUTE = re.compile(r"<[a-z][^>]*?\sstyle\s*=", re.I | re.S)


def inline_scripts(html):
    return [attrs for attrs in SCRIPT_TAG.findall(html) if not re.search(r"\ssrc\s*=", attrs)]


def test_the_project_has_templates_to_check():
    names = {path.relative_to(ROOT).as_posix() for path in template_files()}
    assert "templates/base.html" in names
    assert "appointments/templates/appointments/workbench/check_in.html" in names
    assert len(names) > 50


@pytest.mark.parametrize("path", template_files(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_template_has_inline_script_or_style(path):
    html = path.read_text()
    assert inline_scripts(html) == [], "a <script> without src: move it to a static .js file"
    assert not HANDLER_ATTRIBUTE.search(html), "an on…= handler: use addEventListener in a .js"
    assert "javascript:" not in html.lower()
    assert not STYLE_ATTRIBUTE.search(html), "a style attribute: use a class in the .css"
    assert "<style" not in html.lower(), "a <style> element: use the app's .css"


def test_the_checks_find_what_they_look_for():
    assert inline_scripts("<script>alert(1)</script>") == [""]
    assert inline_scripts('<script src="/static/a.js" defer></script>') == []
    assert HANDLER_ATTRIBUTE.search('<button type="button"\n  onclick="go()">')
    assert not HANDLER_ATTRIBUTE.search('<form method="post" class="one-line">')
    assert STYLE_ATTRIBUTE.search('<p class="x" style="color: red">')


# Permissions-Policy -----------------------------------------------------------------------------


def features(response):
    policy = response["Permissions-Policy"]
    return dict(part.strip().split("=", 1) for part in policy.split(","))


def test_the_camera_is_off_on_public_pages(client, item, window_a, api):
    for url in public_pages(item, window_a):
        policy = features(client.get(url))
        assert policy["camera"] == "()", url
        assert policy["microphone"] == policy["geolocation"] == policy["payment"] == "()"
    assert features(api.get("/api/v1/windows/"))["camera"] == "()"


def test_only_the_check_in_scanners_pages_may_use_the_camera(client, staff_a, window_a, item):
    case = CaseFactory(window=window_a, item=item)
    client.force_login(staff_a)
    # The check-in page and the workbench, which carries the same check-in form and scanner.
    for url in ("/staff/check-in/", "/staff/"):
        policy = features(client.get(url))
        assert policy["camera"] == "(self)", url
        assert policy["microphone"] == "()", url
    for url in (f"/staff/cases/{case.pk}/", "/staff/cases/", "/staff/cases/new/"):
        assert features(client.get(url))["camera"] == "()", url
    # A failed check-in shows the page again, scanner included.
    response = client.post("/staff/check-in/", {"reference": "NOSUCH"})
    assert features(response)["camera"] == "(self)"


# Cache-Control: no-store ------------------------------------------------------------------------


def no_store(response):
    return "no-store" in response.get("Cache-Control", "")


def test_the_manage_page_is_never_stored(client, window_a, item):
    with time_machine.travel(NOW, tick=False):
        booking = services.book(window=window_a, item=item, start=START, **person(1))
        url = reverse("appointments:manage", args=[booking.reference])
        opened = client.get(f"{url}?token={services.booking_token(booking)}")
        assert opened.status_code == 303 and no_store(opened)  # the exchange too
        assert no_store(client.get(url))


def test_the_case_page_and_the_case_api_are_never_stored(client, staff_a, window_a, item):
    case = CaseFactory(window=window_a, item=item)
    client.force_login(staff_a)
    page = client.get(f"/staff/cases/{case.pk}/")
    assert page.status_code == 200 and case.id_number in page.content.decode()
    assert no_store(page)
    api = APIClient()
    token = api.post(
        "/api/v1/auth/token/", {"username": staff_a.username, "password": PASSWORD}, format="json"
    ).json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    detail = api.get(f"/api/v1/cases/{case.pk}/")
    assert detail.status_code == 200 and no_store(detail)
    assert no_store(api.get("/api/v1/cases/"))


def test_exports_are_never_stored(client, staff_a, bureau, window_a, item):
    CaseFactory(window=window_a, item=item)
    client.force_login(staff_a)
    for export in ("csv", "xlsx"):
        response = client.get("/staff/cases/", {"export": export})
        assert response.status_code == 200 and no_store(response), export
    bad_rating(window_a)
    client.force_login(bureau)
    ledger = client.get("/reviews/rectifications/ledger.xlsx")
    assert ledger.status_code == 200 and no_store(ledger)


def test_the_rating_page_is_never_stored(client, window_a, item, staff_a):
    case = CompletedCaseFactory(window=window_a, item=item, handled_by=staff_a)
    link = f"/rate/{case.reference}/?token={services.booking_token(case)}"
    assert no_store(client.get(link))
    assert no_store(client.get(f"/rate/{case.reference}/"))


def test_public_pages_for_anonymous_visitors_keep_their_caching(client, item, api, staff_a):
    assert not no_store(client.get(f"/catalog/{item.code}/"))
    assert not no_store(api.get("/api/v1/items/"))
    client.force_login(staff_a)
    assert no_store(client.get(f"/catalog/{item.code}/"))


def test_static_files_keep_their_caching(settings):
    # WhiteNoise answers for static files above the no-store middleware, for staff too.
    order = settings.MIDDLEWARE
    no_store_middleware = order.index("ipservice.headers.NoStoreMiddleware")
    assert order.index("whitenoise.middleware.WhiteNoiseMiddleware") < no_store_middleware
    auth = order.index("django.contrib.auth.middleware.AuthenticationMiddleware")
    assert auth < no_store_middleware
