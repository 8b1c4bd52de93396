"""The error pages and the favicon as Chromium meets them on the portal served as in
production (DJANGO_DEBUG=0, static files from WhiteNoise): a form whose CSRF cookie is gone,
an unknown address, /favicon.ico and the admin's icon."""

import pytest

from tests.browser import journeys as steps

pytestmark = [
    pytest.mark.browser,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]


def test_a_stale_form_answers_the_portals_page_and_a_reload_sends_it(visit):
    page = visit()
    page.goto("/booking/lookup/")
    # The cookie is gone (cleared, expired, another browser): the form is refused.
    page.context.clear_cookies()
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    assert steps.heading(page) == "表单未能提交"
    assert page.locator("meta[name=viewport]").count() == 1
    assert page.locator(".site-header").is_visible()
    assert "刷新" in page.locator("main").inner_text()
    assert steps.fits_the_screen(page)
    # As the page says: back, reload, send again.
    page.goto("/booking/lookup/")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    assert steps.heading(page) != "表单未能提交"


def test_an_unknown_address_and_the_favicon(visit, site):
    page = visit(language="en")
    home = page.goto("/")
    # Served as in production: the security headers (HSTS goes with HTTPS only, behind the
    # proxy of docker-compose.yml).
    headers = home.headers
    assert headers["x-content-type-options"] == "nosniff"
    assert "script-src 'self'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "same-origin"
    response = page.goto("/no-such-page/")
    assert response.status == 404
    assert steps.heading(page) == "Page not found"
    assert page.get_by_role("link", name="Find your booking").count() >= 1

    icon = page.request.get(f"{site.url}/favicon.ico")
    assert icon.status == 200 and icon.headers["content-type"].startswith("image/svg+xml")
    page.goto("/admin/login/")
    href = page.locator("link[rel=icon]").get_attribute("href")
    assert href.startswith("/static/") and href != "/static/favicon.svg"  # hashed, collected
    assert page.request.get(f"{site.url}{href}").status == 200
