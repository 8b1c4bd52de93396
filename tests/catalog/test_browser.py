"""The catalog on a 360-px phone in real Chromium, on the portal served as in production
(`visit`, tests/conftest.py): search, the guide, the printable checklist."""

import pytest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def page(visit):
    return visit()


def fits_the_screen(page):
    return page.evaluate("document.documentElement.scrollWidth") <= 360


def test_search_then_read_the_guide(page, pledge, pledge_windows, item):
    page.goto("/catalog/")
    assert fits_the_screen(page)
    page.get_by_label("关键词").fill("质押")
    page.get_by_role("button", name="搜索", exact=True).click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="共找到 1 项服务").count() == 1
    page.get_by_role("link", name="知识产权质押登记").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "知识产权质押登记"
    assert page.get_by_role("heading", name="市级窗口").count() == 1
    assert fits_the_screen(page)


def test_unknown_filter_is_a_message_not_an_error(page, pledge):
    response = page.goto("/catalog/?category=nope")
    assert response.status == 200
    assert "没有代码为“nope”的分类。" in page.get_by_role("alert").inner_text()


def test_checklist_print_button_works_with_javascript(page, pledge, pledge_windows):
    page.add_init_script(
        "window.print = () => { window.__printed = (window.__printed || 0) + 1; };"
    )
    page.goto("/catalog/ip-pledge/checklist/")
    assert fits_the_screen(page)
    button = page.get_by_role("button", name="打印")
    assert button.is_visible()
    button.click()
    assert page.evaluate("window.__printed") == 1
    page.get_by_label("质押登记申请表").check()
    assert page.get_by_label("质押登记申请表").is_checked()
    # On paper: no header, footer or button.
    page.emulate_media(media="print")
    assert not button.is_visible()
    assert not page.locator(".site-header").is_visible()


def test_checklist_without_javascript_has_no_dead_button(visit, pledge):
    page = visit(java_script_enabled=False)
    page.goto("/catalog/ip-pledge/checklist/")
    assert page.get_by_role("heading", level=1).count() == 1
    assert not page.locator("[data-print]").is_visible()
