"""Fixtures of the statistics tests (import them with `from .stats_fixtures import *`): the
clock stopped in January 2026 and the hand-worked 2025 of stats_factories.known_year()."""

import datetime as dt

import pytest
import time_machine

from .stats_factories import known_year

__all__ = ["fast_passwords", "frozen", "known"]


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    # Autouse fixtures come first: the staff users of the tests are made with the fast hasher.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def frozen():
    with time_machine.travel(dt.datetime(2026, 1, 15, 10, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def known(window_a, window_b, item, staff_a, staff_b):
    return known_year(window_a, window_b, item, staff_a, staff_b)
