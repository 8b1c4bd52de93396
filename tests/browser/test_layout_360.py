"""Issue 11, "Layout": no citizen page scrolls sideways on a 360-px phone, with the portal's
large text, with the root font at 200% (the browser's text size), in Chinese and in English;
the item page's scrolling materials table is reachable by keyboard; in English at 1280 px the
header stays one row with "log out" level with the other links."""

import pytest

from appointments.services import booking_token
from tests.appointments.factories import CaseFactory, SlotFactory
from tests.catalog.factories import MaterialFactory
from tests.reviews.factories import CompletedCaseFactory
from tests.windows.factories import StaffMembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH = 360
# The masked ID and the reference are long unbroken strings: the manage page must wrap them.
LONG_ID = "91310000MA1FL8XQ3N"


@pytest.fixture
def citizen_data(window_a, item):
    for n in range(4):
        MaterialFactory(
            item=item,
            name=f"专利实施许可合同备案申请表（加盖公章的原件及复印件）{n}",
            name_en=f"Application form for recording a patent licence contract, sealed {n}",
            tolerable=n == 0,
            note="须由法定代表人签字并加盖单位公章，复印件须注明“与原件一致”",
        )
    slot = SlotFactory(window=window_a, booked=1)
    booking = CaseFactory(
        booking=True,
        window=window_a,
        item=item,
        slot=slot,
        start=slot.start,
        id_type="uscc",
        id_number=LONG_ID,
    )
    completed = CompletedCaseFactory(window=window_a, item=item)
    return {"booking": booking, "completed": completed}


def citizen_pages(window, item, booking, completed):
    token = booking_token(booking)
    return [
        "/",
        "/catalog/",
        f"/catalog/{item.code}/",
        f"/catalog/{item.code}/checklist/",
        "/windows/",
        f"/windows/{window.pk}/",
        "/windows/network/",
        "/book/",
        f"/book/?item={item.code}",
        "/booking/lookup/",
        f"/booking/{booking.reference}/?token={token}",
        f"/booking/{booking.reference}/reschedule/",
        f"/booking/{booking.reference}/cancel/",
        "/complaints/new/",
        "/complaints/lookup/",
        f"/rate/{completed.reference}/?token={booking_token(completed)}",
    ]


def overflowing(page):
    """The page's width beyond the screen, and the elements sticking out (for the message)."""
    return page.evaluate(
        """() => {
          const width = document.documentElement.clientWidth;
          const wide = [...document.querySelectorAll('body *')]
            .filter(el => el.getBoundingClientRect().right > width + 1)
            .filter(el => !el.closest('.table-scroll'))
            .slice(0, 5)
            .map(el => el.tagName + '.' + el.className + ': ' + el.textContent.slice(0, 40));
          return {scroll: document.documentElement.scrollWidth, width, wide};
        }"""
    )


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("mode", ["plain", "large", "zoom200"])
def test_no_citizen_page_scrolls_sideways_at_360(
    browser, live_server, window_a, item, citizen_data, language, mode
):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": WIDTH, "height": 740}
    )
    cookies = [{"name": "django_language", "value": language, "url": live_server.url}]
    if mode == "large":
        cookies.append({"name": "a11y", "value": "large", "url": live_server.url})
    context.add_cookies(cookies)
    page = context.new_page()
    try:
        for path in citizen_pages(window_a, item, **citizen_data):
            response = page.goto(path)
            assert response.status < 400, path
            if mode == "zoom200":
                # The browser's text size at 200%: every rem and em doubles.
                page.evaluate("document.documentElement.style.fontSize = '200%'")
            found = overflowing(page)
            assert found["scroll"] <= WIDTH, (path, found)
    finally:
        context.close()


def test_the_materials_table_scrolls_by_keyboard(page, window_a, item, citizen_data):
    page.goto(f"/catalog/{item.code}/")
    region = page.locator('[role=region][aria-labelledby="materials-heading"]')
    assert region.get_attribute("tabindex") == "0"
    region.focus()
    assert region.evaluate("el => el === document.activeElement")
    # At 200% text the table is wider than the phone: the arrow keys scroll it.
    page.evaluate("document.documentElement.style.fontSize = '200%'")
    assert region.evaluate("el => el.scrollWidth > el.clientWidth")
    region.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    # The browser may scroll smoothly: wait for it rather than read it at once.
    page.wait_for_function("el => el.scrollLeft > 0", arg=region.element_handle(), timeout=5000)


def test_english_header_is_one_row_at_1280_with_log_out_level(browser, live_server, window_a):
    user = StaffMembershipFactory(window=window_a, user=UserFactory(username="clerk")).user
    user.is_staff = True
    user.save()
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page = context.new_page()
    try:
        page.goto("/")
        one_row(page)
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill("clerk")
        page.get_by_label("Password").fill("pass-word-123")
        page.get_by_role("button", name="Log in").click()
        page.goto("/")
        one_row(page)
        # The account's links sit at the end of the staff bar, level with its links.
        log_out = page.get_by_role("button", name="Log out (clerk)").bounding_box()
        for other in (
            page.locator(".staff-bar a").first.bounding_box(),
            page.get_by_role("link", name="Administration").bounding_box(),
        ):
            assert abs(middle(log_out) - middle(other)) <= 1
    finally:
        context.close()


def middle(box):
    return box["y"] + box["height"] / 2


def one_row(page):
    """Brand, links and tools all on one line: their boxes share a vertical band."""
    boxes = page.evaluate(
        """() => [...document.querySelectorAll(
              '.site-header .brand, .site-header .main-nav li, .site-header .tools button')]
            .map(el => { const r = el.getBoundingClientRect(); return [r.top, r.bottom]; })"""
    )
    tops = [top for top, _bottom in boxes]
    bottoms = [bottom for _top, bottom in boxes]
    assert min(bottoms) > max(tops), boxes  # every box overlaps every other vertically
