"""The browser journeys run against the portal as people meet it (issue 11): gunicorn with
`DJANGO_DEBUG=0`, WhiteNoise, secure cookies and the security headers, PostgreSQL, Redis and a
Celery worker (tests/production.py), at http://localhost:<port>, driven by Debian's Chromium.

One server and one worker serve the whole session (starting them costs seconds); each test
starts with the server's Redis database empty (cache, rate-limit counters, queued tasks) and,
being transactional, with its own rows only. Each person opens a fresh browser context
(`visit`), as someone who follows the link of an SMS does; what the server answered with a 5xx,
and what Chromium refused under the Content-Security-Policy, fails the test.
"""

import re
import time

import pytest
import redis
from django.conf import settings

from appointments.models import SmsOutbox
from tests.conftest_worker import WorkerProcess
from tests.production import Gunicorn, production_env, server_redis_url

PHONE_SCREEN = {"width": 360, "height": 740}
DESK_SCREEN = {"width": 1280, "height": 900}


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
    media = {"DJANGO_MEDIA_ROOT": str(directory / "media")}  # the reports the worker builds
    server = Gunicorn(directory, collected_static, workers=2, **media)
    try:
        worker = WorkerProcess(production_env(collected_static, **media))
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


@pytest.fixture
def page(visit):
    """A Chinese phone browser on the served portal (replaces tests/conftest.py's `page`,
    which drives Django's in-process live server)."""
    return visit()


def outbox_mark():
    """The newest SMS so far: `sms_to(..., after=outbox_mark())` waits for a newer one."""
    newest = SmsOutbox.objects.order_by("-pk").first()
    return newest.pk if newest else 0


def sms_to(phone, containing="", after=0, timeout=15.0):
    """The body of the newest SMS to `phone` containing `containing` (a string or a compiled
    pattern), newer than `after`, as the worker writes it to the outbox; waited for, since the
    worker sends it on its own time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for body in (
            SmsOutbox.objects.filter(phone=phone, pk__gt=after)
            .order_by("-pk")
            .values_list("body", flat=True)
        ):
            if (
                containing.search(body)
                if isinstance(containing, re.Pattern)
                else containing in body
            ):
                return body
        time.sleep(0.1)
    raise AssertionError(f"no SMS to {phone} with {containing!r} within {timeout}s")


SIX_DIGITS = re.compile(r"(?<!\d)\d{6}(?!\d)")


def code_sent_to(phone, after):
    """The verification code of the SMS sent to `phone` after `after` (outbox_mark())."""
    return SIX_DIGITS.search(sms_to(phone, SIX_DIGITS, after=after)).group()


def link_in(body):
    """The path of the portal's link in a message ("http://…/booking/R/?token=T" -> the path
    and query), to be opened on the served portal."""
    url = re.search(r"https?://\S+", body).group().rstrip("。，,.")
    return url[url.index("/", url.index("//") + 2) :]
