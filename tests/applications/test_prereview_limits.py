"""Each item's pre-review limit (预审): hours, or working days on the official calendar; the
default is APPLICATION_PREREVIEW_HOURS (24 h, the sources' limit for pledge registration)."""

import datetime as dt
import zoneinfo

import pytest

from applications import services
from applications.constants import LimitUnit
from applications.models import PrereviewLimit
from appointments import workdays

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(*args):
    return dt.datetime(*args, tzinfo=SHANGHAI)


# (start, working hours, due), Shanghai time, on the official calendar of 2026 (chinesecalendar):
# Fri 09-25 is Mid-Autumn, 10-01 to 10-07 National Day, Sun 09-20 and Sat 10-10 调休 workdays.
WORKING_HOURS = [
    pytest.param(at(2026, 9, 22, 10, 0), 4, at(2026, 9, 22, 14, 0), id="same day"),
    pytest.param(at(2026, 9, 22, 10, 0), 24, at(2026, 9, 23, 10, 0), id="next working day"),
    pytest.param(at(2026, 9, 22, 0, 0), 24, at(2026, 9, 23, 0, 0), id="a whole working day"),
    pytest.param(at(2026, 11, 6, 15, 0), 24, at(2026, 11, 9, 15, 0), id="over a weekend"),
    pytest.param(at(2026, 11, 6, 15, 0), 9, at(2026, 11, 7, 0, 0), id="ends with Friday"),
    pytest.param(at(2026, 11, 7, 10, 0), 24, at(2026, 11, 10, 0, 0), id="start on a Saturday"),
    pytest.param(at(2026, 11, 8, 23, 0), 1, at(2026, 11, 9, 1, 0), id="start on a Sunday"),
    pytest.param(at(2026, 9, 24, 15, 0), 24, at(2026, 9, 28, 15, 0), id="weekday holiday"),
    pytest.param(at(2026, 9, 30, 15, 0), 24, at(2026, 10, 8, 15, 0), id="before National Day"),
    pytest.param(at(2026, 10, 3, 9, 0), 2, at(2026, 10, 8, 2, 0), id="start in the holiday"),
    pytest.param(at(2026, 10, 9, 15, 0), 24, at(2026, 10, 10, 15, 0), id="makeup Saturday"),
    pytest.param(
        at(2026, 9, 19, 10, 0), 30, at(2026, 9, 21, 6, 0), id="start before makeup Sunday"
    ),
    pytest.param(at(2026, 9, 18, 20, 0), 48, at(2026, 9, 21, 20, 0), id="makeup Sunday inside"),
]


@pytest.mark.parametrize("start, hours, due", WORKING_HOURS)
def test_working_hours_run_on_working_days_only(start, hours, due):
    assert workdays.add_working_hours(start, hours) == due
    # The same moment given in UTC (as stored) gives the same due time.
    assert workdays.add_working_hours(start.astimezone(dt.UTC), hours) == due


def test_the_calendar_entered_by_the_bureau_counts(db):
    # A later year without official data: the bureau's rows decide (no second calendar).
    from appointments.constants import DayKind
    from appointments.models import CalendarDay

    CalendarDay.objects.create(date=dt.date(2027, 10, 1), kind=DayKind.HOLIDAY, name="国庆节")
    CalendarDay.objects.create(date=dt.date(2027, 10, 9), kind=DayKind.WORKDAY, name="国庆调休")
    # Thu 2027-09-30 15:00: 9 h that day, Fri 10-01 off, the weekend, Mon 10-04 15:00.
    assert workdays.add_working_hours(at(2027, 9, 30, 15, 0), 24) == at(2027, 10, 4, 15, 0)
    # Fri 10-08 15:00: the makeup Saturday counts.
    assert workdays.add_working_hours(at(2027, 10, 8, 15, 0), 24) == at(2027, 10, 9, 15, 0)


def test_the_default_is_24_working_hours(item, settings):
    assert settings.APPLICATION_PREREVIEW_HOURS == 24
    # Friday 15:00 before an ordinary weekend: due Monday 15:00.
    assert services.prereview_due(item, at(2026, 11, 6, 15, 0)) == at(2026, 11, 9, 15, 0)
    assert services.prereview_due(item, at(2026, 9, 30, 15, 0)) == at(2026, 10, 8, 15, 0)


def test_an_item_limit_in_working_hours(item):
    PrereviewLimit.objects.create(item=item, amount=4, unit=LimitUnit.HOURS)
    assert services.prereview_due(item, at(2026, 9, 24, 10, 0)) == at(2026, 9, 24, 14, 0)
    assert services.prereview_due(item, at(2026, 9, 24, 22, 0)) == at(2026, 9, 28, 2, 0)


def test_the_unit_is_labelled_working_hours():
    from django.utils import translation

    with translation.override("zh-hans"):
        assert str(LimitUnit.HOURS.label) == "工作小时"
    with translation.override("en"):
        assert str(LimitUnit.HOURS.label) == "Working hours"


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
