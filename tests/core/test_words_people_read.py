"""Words people read: no internal codes on the citizen's pages, and a case not yet accepted
says it has no time limit rather than "—个工作日"."""

import pytest
from django.urls import reverse

from appointments.constants import Status
from tests.appointments.factories import CaseFactory
from tests.catalog.factories import ServiceItemFactory
from tests.windows.factories import ServicePointFactory, StaffMembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def item():
    return ServiceItemFactory(code="cannot-be-done", name="办不成事反映", promised_limit_days=5)


def test_the_item_pages_show_no_internal_code(client, item):
    for url in (item.get_absolute_url(), reverse("catalog:checklist", args=[item.code])):
        page = client.get(url).content.decode()
        assert ">cannot-be-done<" not in page and " cannot-be-done" not in page
        assert "办不成事反映" in page


def test_the_booking_item_step_shows_no_internal_code(client, item):
    window = ServicePointFactory()
    window.items.add(item)
    page = client.get(reverse("appointments:book")).content.decode()
    assert "办不成事反映" in page
    assert "cannot-be-done</" not in page and "事项代码" not in page
    assert "5 个工作日内办结" in page or "5个工作日内办结" in page


def test_a_case_not_yet_accepted_says_when_its_limit_starts_or_that_it_has_none(client):
    window = ServicePointFactory()
    clerk = StaffMembershipFactory(window=window).user
    no_limits = ServiceItemFactory(legal_limit_days=None, promised_limit_days=None)
    limited = ServiceItemFactory(legal_limit_days=15, promised_limit_days=7)
    client.force_login(clerk)
    for item, expected in ((no_limits, ["无法定时限", "无承诺时限"]), (limited, ["15", "7"])):
        case = CaseFactory(window=window, item=item, status=Status.CHECKED_IN)
        page = client.get(reverse("appointments:case_detail", args=[case.pk])).content.decode()
        assert "—个工作日" not in page and "— 个工作日" not in page
        for words in expected:
            assert words in page
