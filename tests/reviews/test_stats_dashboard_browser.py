"""The dashboard in headless Chromium (issue 11): at a desk (1280 px) no table scrolls sideways
and the breakdowns are tabs (the page's script, under the Content-Security-Policy), so the page
is a few screens tall instead of 13,700 px; on a phone nothing but the tables' own regions
scrolls sideways; the export downloads what is shown."""

import pytest
from playwright.sync_api import expect

from .stats_factories import known_year

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

URL = "/bureau/stats/?year=2025"


@pytest.fixture
def known(window_a, window_b, item, staff_a, staff_b):
    return known_year(window_a, window_b, item, staff_a, staff_b)


def open_dashboard(browser, live_server, user, width):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": 900}, locale="zh-CN"
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"/accounts/login/?next={URL.replace('?', '%3F').replace('=', '%3D')}")
    page.fill('input[name="username"]', user.username)
    page.fill('input[name="password"]', "pass-word-123")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    if "/bureau/stats/" not in page.url:
        page.goto(URL)
    return context, page


def test_at_a_desk_tables_fit_and_breakdowns_are_tabs(browser, live_server, bureau, known):
    context, page = open_dashboard(browser, live_server, bureau, 1280)
    try:
        expect(page.locator("#month")).to_be_visible()
        expect(page.locator("#window")).to_be_hidden()
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280
        overflowing = page.locator(".table-scroll").evaluate_all(
            "regions => regions.filter(r => r.scrollWidth > r.clientWidth + 1).length"
        )
        assert overflowing == 0
        assert page.evaluate("document.documentElement.scrollHeight") < 6000

        page.locator(".stats-toc a[href='#window']").click()
        expect(page.locator("#window")).to_be_visible()
        expect(page.locator("#month")).to_be_hidden()
        assert page.locator(".stats-tabs a[href='#window']").get_attribute("aria-current")

        with page.expect_download() as download:
            page.locator("a[href^='/bureau/stats/export/']").click()
        assert download.value.suggested_filename == "statistics-2025.xlsx"
    finally:
        context.close()


def test_on_a_phone_only_the_tables_scroll_sideways(browser, live_server, bureau, known):
    context, page = open_dashboard(browser, live_server, bureau, 360)
    try:
        expect(page.locator("#overview")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        region = page.locator("#month .table-scroll").first
        region.focus()
        assert page.evaluate("document.activeElement.classList.contains('table-scroll')")
    finally:
        context.close()
