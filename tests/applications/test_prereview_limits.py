"""Each item's pre-review limit (预审): hours, or working days on the official calendar; the
default is APPLICATION_PREREVIEW_HOURS (24 h, the sources' limit for pledge registration)."""

import datetime as dt
import zoneinfo

import pytest

from applications import services
from applications.constants import LimitUnit
from applications.models import PrereviewLimit

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(*args):
    return dt.datetime(*args, tzinfo=SHANGHAI)


def test_the_default_is_24_hours(item, settings):
    assert settings.APPLICATION_PREREVIEW_HOURS == 24
    start = at(2026, 9, 24, 10, 0)
    assert services.prereview_due(item, start) == at(2026, 9, 25, 10, 0)


def test_an_item_limit_in_hours(item):
    PrereviewLimit.objects.create(item=item, amount=4, unit=LimitUnit.HOURS)
    assert services.prereview_due(item, at(2026, 9, 24, 10, 0)) == at(2026, 9, 24, 14, 0)


def test_an_item_limit_in_working_days_skips_holidays_and_weekends(item):
    # Thu 2026-09-24 + 3 working days = Wed 2026-09-30 (09-25 a holiday, 09-26/27 a weekend).
    PrereviewLimit.objects.create(item=item, amount=3, unit=LimitUnit.WORKING_DAYS)
    due = services.prereview_due(item, at(2026, 9, 24, 10, 0))
    assert due.astimezone(SHANGHAI) == at(2026, 10, 1, 0, 0)  # the end of 09-30


def test_the_state_near_due_and_overdue(item, window_a, materials, settings):
    from applications.models import Application

    application = Application(
        status="prereview", prereview_due=at(2026, 9, 24, 12, 0), item=item, window=window_a
    )
    assert services.prereview_state(application, at(2026, 9, 24, 6, 0)) == "ok"
    assert services.prereview_state(application, at(2026, 9, 24, 9, 0)) == "near_due"
    assert services.prereview_state(application, at(2026, 9, 24, 13, 0)) == "overdue"
    application.status = "accepted"
    assert services.prereview_state(application, at(2026, 9, 24, 13, 0)) is None
