"""How a case's time limits read before acceptance (issue 11): "—个工作日" read as 一 (one)."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from appointments.constants import Status
from tests.appointments.factories import CaseFactory
from tests.catalog.factories import ServiceItemFactory

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(dt.datetime(2026, 9, 24, 8, 30, tzinfo=SHANGHAI), tick=False):
        yield


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def limits(client, case):
    html = client.get(reverse("appointments:case_detail", args=[case.pk])).content.decode()
    found = re.findall(r"<dt>(法定时限到期日|承诺时限到期日)</dt>\s*<dd>(.*?)</dd>", html, re.S)
    return [re.sub(r"<[^>]+>", "", value).strip() for _label, value in found]


def test_limits_before_acceptance_say_when_they_start(client, staff_a, window_a):
    item = ServiceItemFactory(legal_limit_days=15, promised_limit_days=7)
    window_a.items.add(item)
    case = CaseFactory(window=window_a, item=item, status=Status.CHECKED_IN)
    client.force_login(staff_a)

    values = limits(client, case)

    assert values == [
        "尚未受理：受理后从次日起计15个工作日",
        "尚未受理：受理后从次日起计7个工作日",
    ]


def test_an_item_without_limits_says_there_is_none(client, staff_a, window_a):
    item = ServiceItemFactory(legal_limit_days=None, promised_limit_days=None)
    window_a.items.add(item)
    case = CaseFactory(window=window_a, item=item, status=Status.BOOKED)
    client.force_login(staff_a)

    html = client.get(reverse("appointments:case_detail", args=[case.pk])).content.decode()

    assert "—个工作日" not in html and "— working days" not in html
    assert limits(client, case) == ["无法定时限", "无承诺时限"]


def test_in_english_too(client, staff_a, window_a, settings):
    item = ServiceItemFactory(legal_limit_days=1, promised_limit_days=None)
    window_a.items.add(item)
    case = CaseFactory(window=window_a, item=item, status=Status.BOOKED)
    client.force_login(staff_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    html = client.get(reverse("appointments:case_detail", args=[case.pk])).content.decode()

    assert "Not accepted yet: 1 working day, counted from the day after acceptance" in html
    assert "No promised time limit" in html
