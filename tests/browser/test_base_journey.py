"""A person on a 360-px phone uses the keyboard alone: skip link, large text, English."""

import pytest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]


def test_keyboard_user_switches_large_text_and_language(page):
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    assert skip.evaluate("el => el === document.activeElement")
    assert skip.bounding_box()["x"] >= 0  # visible when focused
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")

    page.get_by_role("button", name="大字模式").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "a11y-large" in page.locator("html").get_attribute("class")
    page.reload()
    assert "a11y-large" in page.locator("html").get_attribute("class")

    with page.expect_navigation():
        page.get_by_role("button", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("link", name="Skip to main content").count() == 1
    # Nothing overflows a 360-px screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
