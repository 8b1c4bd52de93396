"""Fixtures of the feedback tests (import them with `from .feedback_fixtures import *`)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import Client

from .factories import CompletedCaseFactory, supervisor_of

SHANGHAI = ZoneInfo("Asia/Shanghai")


def shanghai(*args):
    return dt.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def supervisor_a(window_a):
    return supervisor_of(window_a)


@pytest.fixture
def completed_a(window_a, item, staff_a):
    return CompletedCaseFactory(window=window_a, item=item, handled_by=staff_a)


@pytest.fixture
def completed_b(window_b, item, staff_b):
    return CompletedCaseFactory(window=window_b, item=item, handled_by=staff_b)


@pytest.fixture
def english(db):
    """A second browser, in English (the first, `client`, is in Chinese)."""
    browser = Client()
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return browser


def login(client, user):
    client.force_login(user)
    return client
