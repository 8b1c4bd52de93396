import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from tests.catalog.factories import CategoryFactory, ServiceItemFactory
from tests.windows.factories import StaffMembershipFactory

from .factories import CounterFactory, signed_in

# A Wednesday, a working day, mid-morning in Shanghai.
MORNING = dt.datetime(2026, 12, 2, 9, 30, tzinfo=timezone.get_default_timezone())


@pytest.fixture
def clock():
    """Time stands still at MORNING; `clock.shift(seconds)` moves it on."""
    with time_machine.travel(MORNING, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def _empty_cache(empty_cache):
    """Every hall test starts and ends with an empty cache (tests/conftest.py)."""


@pytest.fixture
def items(db, window_a, item):
    """Two items of two categories (groups A and B) and a green-channel item (group A)."""
    other = ServiceItemFactory(
        code="TM-REG", category=CategoryFactory(code="manage", name="管理服务", order=99)
    )
    green = ServiceItemFactory(code="GREEN", category=item.category, green_channel=True)
    window_a.items.add(other, green)
    return {"a": item, "b": other, "green": green}


@pytest.fixture
def counters(db, window_a):
    return [CounterFactory(window=window_a, number=n) for n in (1, 2, 3)]


@pytest.fixture
def clerks(db, window_a, counters):
    """A clerk signed in at each counter of window A."""
    users = []
    for counter in counters:
        user = StaffMembershipFactory(window=window_a).user
        signed_in(counter, user)
        users.append(user)
    return users
