"""Shared fixtures: the cast of personas every view is tested against (STYLE habit 3).

Tests marked `postgres`, `redis` or `browser` need the real service; on a bare machine they are
skipped, and with REQUIRE_REAL_SERVICES=1 (as .ci/run sets) a missing service fails the run.
"""

import os
import shutil

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from tests.catalog.factories import CategoryFactory, ServiceItemFactory
from tests.windows.factories import (
    DistrictFactory,
    ServicePointFactory,
    StaffMembershipFactory,
    UserFactory,
)
from windows.constants import BUREAU_GROUP

REQUIRE_REAL = os.environ.get("REQUIRE_REAL_SERVICES") == "1"


def _missing_services(item):
    missing = []
    if item.get_closest_marker("postgres") and settings.DATABASES["default"]["ENGINE"].split(".")[
        -1
    ] not in ("postgresql", "postgresql_psycopg2"):
        missing.append("PostgreSQL (set DATABASE_URL)")
    if item.get_closest_marker("redis") and not settings.REDIS_URL:
        missing.append("Redis (set REDIS_URL)")
    if item.get_closest_marker("browser") and not shutil.which(
        os.environ.get("CHROMIUM", "chromium")
    ):
        missing.append("Chromium")
    return missing


def pytest_runtest_setup(item):
    missing = _missing_services(item)
    if not missing:
        return
    message = "needs " + ", ".join(missing)
    if REQUIRE_REAL:
        pytest.fail(message + " but REQUIRE_REAL_SERVICES=1", pytrace=False)
    pytest.skip(message)


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def district(db):
    return DistrictFactory(code="310104", name="徐汇区", name_en="Xuhui")


@pytest.fixture
def item(db):
    return ServiceItemFactory(category=CategoryFactory())


@pytest.fixture
def window_a(db, district, item):
    window = ServicePointFactory(district=district, name="徐汇区窗口A")
    window.items.add(item)
    return window


@pytest.fixture
def window_b(db, district, item):
    window = ServicePointFactory(district=district, name="徐汇区窗口B")
    window.items.add(item)
    return window


@pytest.fixture
def staff_a(db, window_a):
    return StaffMembershipFactory(window=window_a).user


@pytest.fixture
def staff_b(db, window_b):
    return StaffMembershipFactory(window=window_b).user


@pytest.fixture
def bureau(db):
    user = UserFactory(username="bureau", is_staff=True)
    user.groups.add(Group.objects.get_or_create(name=BUREAU_GROUP)[0])
    return user


@pytest.fixture(scope="session", autouse=True)
def _no_cached_values_of_earlier_runs():
    """The test database is made anew for every run, its ids starting again at 1, so what an
    earlier run left in Redis (a window's day, the bureau's message texts: minutes of life)
    would describe other rows. Forget it first: the cache's own keys only (Django's, with no
    KEY_PREFIX: ":<version>:<key>"), not a worker's queue in the same database."""
    if settings.REDIS_URL:
        import redis

        client = redis.Redis.from_url(settings.REDIS_URL)
        keys = list(client.scan_iter(match=":*", count=1000))
        if keys:
            client.delete(*keys)
        client.close()


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    """Flushes and bulk inserts send no signals, so a year cached in one test must not leak."""
    from appointments import workdays

    workdays.clear_cache()
    yield
    workdays.clear_cache()


@pytest.fixture(autouse=True)
def _eager_tasks_by_default(request):
    """Tasks run in-process unless a test asks for the real worker (marker `redis` + the
    `real_worker` fixture of tests/conftest_worker.py), so that CI's REDIS_URL changes nothing
    else."""
    from ipservice.celery import app

    if "real_worker" in request.fixturenames:
        yield
        return
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _default_language():
    """A request's language must not leak into the next test's messages."""
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        yield


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """PBKDF2 at its production cost makes a suite of logins take minutes."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# Real headless Chromium (Debian's package) driven by Playwright, against the live server.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="session")
def chromium_path():
    path = shutil.which(os.environ.get("CHROMIUM", "chromium"))
    if not path:
        pytest.skip("Chromium is not installed")
    return path


@pytest.fixture(scope="session")
def browser(chromium_path):
    # Playwright's sync API runs an event loop in this thread; the ORM calls made by the test
    # itself are still synchronous, so Django's async guard must be told.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 360, "height": 740}, locale="zh-CN"
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
