"""The one ordering rule of the hall (hall.ordering), table-driven."""

import datetime as dt

import pytest
from django.utils import timezone

from hall.ordering import BOOKED_ON_TIME, FIRST, OTHERS, rank

TZ = timezone.get_default_timezone()
SLOT = dt.datetime(2026, 12, 2, 10, 0, tzinfo=TZ)
SLOT_END = SLOT + dt.timedelta(minutes=30)


def at(hour, minute):
    return dt.datetime(2026, 12, 2, hour, minute, tzinfo=TZ)


# (case, priority, green channel, booked slot?, arrived, expected rank); HALL_GRACE_MINUTES = 15
CASES = [
    ("walk-in", False, False, False, at(10, 0), OTHERS),
    ("walk-in, priority person", True, False, False, at(10, 0), FIRST),
    ("walk-in, green-channel item", False, True, False, at(10, 0), FIRST),
    ("booked, on time", False, False, True, at(10, 5), BOOKED_ON_TIME),
    ("booked, at the start of the grace window", False, False, True, at(9, 45), BOOKED_ON_TIME),
    ("booked, at the end of the grace window", False, False, True, at(10, 45), BOOKED_ON_TIME),
    ("booked, too early", False, False, True, at(9, 44), OTHERS),
    ("booked, too late", False, False, True, at(10, 46), OTHERS),
    ("booked, too late but priority", True, False, True, at(11, 30), FIRST),
    ("booked, on time, green channel", False, True, True, at(10, 0), FIRST),
]


@pytest.mark.parametrize(
    "priority,green,booked,arrived,expected",
    [row[1:] for row in CASES],
    ids=[row[0] for row in CASES],
)
def test_rank(settings, priority, green, booked, arrived, expected):
    settings.HALL_GRACE_MINUTES = 15
    got = rank(
        priority=priority,
        green_channel=green,
        slot_start=SLOT if booked else None,
        slot_end=SLOT_END if booked else None,
        arrived_at=arrived,
    )
    assert got == expected


def test_the_classes_come_in_this_order():
    assert FIRST < BOOKED_ON_TIME < OTHERS
