"""The admin's export page in real Chromium, on the portal served as in production (issue 11's
`visit`): django-import-export's "Select all" box works under the Content-Security-Policy
(templates/admin/import_export/export.html, static/js/export-select-all.js), and the export
still downloads the columns left ticked.

The library's template, extended rather than copied, keeps its onchange attribute and two style
attributes: Chromium refuses and reports them once, as it reads the page, and nothing more
when the box is used. The test expects exactly those reports at load, and none after."""

import io

import openpyxl
import pytest
from playwright.sync_api import expect

from tests.browser import journeys as steps
from tests.catalog.factories import CategoryFactory, ServiceItemFactory
from tests.production import DESK_SCREEN, PASSWORD, with_server_password
from tests.windows.factories import UserFactory
from windows.services import make_bureau_staff

pytestmark = [
    pytest.mark.browser,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]

EXPORT_URL = "/admin/catalog/serviceitem/export/"
FIELDS = '.selectable-field-export-row input[type="checkbox"]:not(.select-toggle)'
# Every Content-Security-Policy violation of the page, as the page itself learns of them.
RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(event.effectiveDirective + " " + event.blockedURI);
});
"""


@pytest.fixture
def bureau_admin(site):
    user = with_server_password(UserFactory(username="bureau-admin"))
    make_bureau_staff(user)
    return user


def expected_reports(visit):
    """Take the console's reports of the library's attributes from what `visit` fails the test
    for: one inline handler, two inline styles, nothing else."""
    handler = [p for p in visit.problems if "inline event handler" in p]
    style = [p for p in visit.problems if "inline style" in p]
    assert (len(handler), len(style)) == (1, 2), visit.problems
    assert len(visit.problems) == 3, visit.problems
    visit.problems.clear()


def ticked(page):
    return page.locator(FIELDS).evaluate_all("boxes => boxes.map((box) => box.checked)")


def test_select_all_unticks_and_ticks_every_field_and_the_export_downloads(visit, bureau_admin):
    item = ServiceItemFactory(category=CategoryFactory(), code="pledge", name="知识产权质押登记")
    page = visit(screen=DESK_SCREEN)
    page.add_init_script(RECORD_VIOLATIONS)
    steps.log_in(page, bureau_admin, PASSWORD, next_path=EXPORT_URL)
    assert page.url.endswith(EXPORT_URL)
    toggle = page.locator("input.select-toggle")
    expect(toggle).to_be_checked()
    at_load = page.evaluate("window.cspViolations")
    assert sorted(at_load) == ["script-src-attr inline", *["style-src-attr inline"] * 2]
    expected_reports(visit)
    assert len(ticked(page)) >= 5 and all(ticked(page))

    toggle.uncheck()
    assert not any(ticked(page))
    toggle.check()
    assert all(ticked(page))

    # Only two columns: untick all, tick two.
    toggle.uncheck()
    page.locator('input[name="serviceitemresource_code"]').check()
    page.locator('input[name="serviceitemresource_name"]').check()
    page.locator("#id_format").select_option(label="xlsx")
    with page.expect_download() as download:
        page.locator('.submit-row input[type="submit"]').click()
    assert download.value.suggested_filename.endswith(".xlsx")
    with open(download.value.path(), "rb") as file:
        sheet = openpyxl.load_workbook(io.BytesIO(file.read())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows[0]) == 2
    assert rows[1] == (item.code, item.name)

    # Nothing refused since the page was read (`visit` checks the console as well).
    assert page.evaluate("window.cspViolations") == at_load
