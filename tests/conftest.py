"""Shared fixtures: the cast of personas every view is tested against (STYLE habit 3).

Tests marked `postgres`, `redis` or `browser` need the real service; on a bare machine they are
skipped, and with REQUIRE_REAL_SERVICES=1 (as .ci/run sets) a missing service fails the run.
"""

import os
import shutil

import pytest
import redis
from django.conf import settings
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from tests.catalog.factories import CategoryFactory, ServiceItemFactory
from tests.conftest_worker import WorkerProcess
from tests.production import (
    PHONE_SCREEN,
    Gunicorn,
    production_env,
    server_redis_url,
)
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


@pytest.fixture
def empty_cache():
    """The cache empty before and after the test: rate-limit counters, cached days and rows live
    there, and the pages' tests post from one address. Modules use it with
    `pytestmark = [..., pytest.mark.usefixtures("empty_cache")]`."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


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


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory):
    """The static files collected as the Dockerfile collects them, once per session, for the
    servers started as in production (tests/production.py)."""
    from tests.production import collect_static

    return collect_static(tmp_path_factory.mktemp("static"))


# The portal served as in production (tests/production.py), for the browser journeys (issue 11):
# gunicorn with DJANGO_DEBUG=0, WhiteNoise, secure cookies and the security headers, PostgreSQL,
# Redis and a Celery worker, at http://localhost:<port>. One server and one worker serve the
# whole session (starting them costs seconds); each test starts with the server's Redis
# database empty (cache, rate-limit counters, queued tasks) and, being transactional, with its
# own rows only. Each person opens a fresh browser context (`visit`), as someone who follows
# the link of an SMS does; what the server answered with a 5xx, and what Chromium refused under
# the Content-Security-Policy, fails the test. Mark such tests browser, postgres and redis.


class Site:
    def __init__(self, server, worker):
        self.server = server
        self.worker = worker
        self.url = server.url

    def output(self):
        return self.server.output() + self.worker.output


@pytest.fixture(scope="session")
def production_site(django_db_setup, django_db_blocker, collected_static, tmp_path_factory):
    """gunicorn (2 workers) and a Celery worker (prefork, as docker-compose.yml's) against the
    test database and the server's own Redis database, for the whole session."""
    if not settings.REDIS_URL:
        pytest.skip("needs Redis (set REDIS_URL)")
    directory = tmp_path_factory.mktemp("site")
    env = {
        "DJANGO_MEDIA_ROOT": str(directory / "media"),  # the reports the worker builds
        # The kiosk gives tickets until the window's closing time, not HALL_LAST_ADMISSION_MINUTES
        # before it: the hall's journey (tests/hall/test_browser.py) opens the window until
        # 23:59:59 and runs on the real clock, at whatever time of day the tests run.
        "HALL_LAST_ADMISSION_MINUTES": 0,
    }
    server = Gunicorn(directory, collected_static, workers=2, **env)
    try:
        worker = WorkerProcess(production_env(collected_static, **env))
        worker.wait_ready()
    except BaseException:
        server.stop()
        raise
    yield Site(server, worker)
    worker.stop()
    server.stop()


@pytest.fixture
def site(production_site, transactional_db):
    """The served portal, its cache, rate limits and queue empty for this test."""
    redis.Redis.from_url(server_redis_url()).flushdb()
    yield production_site


class Visits:
    """Opens a fresh browser context per person and watches what goes wrong in it."""

    def __init__(self, browser, site):
        self.browser = browser
        self.site = site
        self.contexts = []
        self.problems = []

    def __call__(self, language="zh-hans", screen=PHONE_SCREEN, **options):
        context = self.browser.new_context(
            base_url=self.site.url,
            viewport=screen,
            locale="en-US" if language == "en" else "zh-CN",
            **options,
        )
        if language == "en":
            context.add_cookies([{"name": "django_language", "value": "en", "url": self.site.url}])
        self.contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.on("response", self._check_status)
        page.on("console", self._check_console)
        return page

    def _check_status(self, response):
        if response.status >= 500:
            self.problems.append(f"{response.status} {response.url}")

    def _check_console(self, message):
        if "Content Security Policy" in message.text or "Permissions policy" in message.text:
            self.problems.append(message.text)

    def close(self):
        for context in self.contexts:
            context.close()


@pytest.fixture
def visit(browser, site):
    """`visit(language="en", screen=DESK_SCREEN)`: a page in a fresh browser context."""
    visits = Visits(browser, site)
    yield visits
    visits.close()
    assert visits.problems == [], site.output()[-5000:]


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
    """A phone browser on Django's in-process live server (development settings). The journeys
    use the served portal instead (`visit`; tests/browser/conftest.py's `page`)."""
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 360, "height": 740}, locale="zh-CN"
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
