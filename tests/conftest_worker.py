"""A real Celery worker for tests, consuming from Redis (REDIS_URL) in threads of this process.

Request the `real_worker` fixture in a test marked `redis` (it implies `transactional_db`: the
worker's threads have their own database connections and see only committed rows). Tasks are
then published to Redis and run by the worker, not in-process (tests/conftest.py leaves eager
mode off for such tests). There is no result backend: tests poll the database with
`real_worker.wait_for(...)` and `real_worker.wait_idle()`, never with fixed sleeps.

Imported by tests/appointments/conftest.py; other test packages import it the same way.
"""

import threading
import time

import pytest
import redis
from celery import signals
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.db import connections

POLL_SECONDS = 0.05


class WorkerProbe:
    """Counts the messages the worker received and the tasks it finished (signals)."""

    def __init__(self, app):
        self.app = app
        self._lock = threading.Lock()
        self.received = 0
        self.finished = []  # (task name, args, state)
        self._redis = redis.Redis.from_url(settings.REDIS_URL)

    def on_received(self, sender=None, request=None, **kwargs):
        with self._lock:
            self.received += 1

    def on_postrun(self, sender=None, task=None, args=None, state=None, **kwargs):
        with self._lock:
            self.finished.append((task.name, tuple(args or ()), state))
        if threading.current_thread() is not threading.main_thread():
            # The worker's threads keep their connections otherwise, and the test database
            # could then be neither flushed nor dropped.
            connections.close_all()

    def runs(self, name, state=None):
        with self._lock:
            return sum(1 for n, _a, s in self.finished if n == name and state in (None, s))

    def wait_for(self, condition, timeout=10.0, what="the condition"):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            time.sleep(POLL_SECONDS)
        raise AssertionError(f"timed out after {timeout}s waiting for {what}")

    def is_idle(self):
        queued = self._redis.llen(self.app.conf.task_default_queue)
        with self._lock:
            return queued == 0 and self.received == len(self.finished)

    def wait_idle(self, timeout=10.0, settle=0.3):
        """Until nothing is queued, received or running, for `settle` seconds in a row (a
        message just taken off the queue is not counted as received at once)."""
        deadline = time.monotonic() + timeout
        idle_since = None
        while time.monotonic() < deadline:
            if not self.is_idle():
                idle_since = None
            elif idle_since is None:
                idle_since = time.monotonic()
            elif time.monotonic() - idle_since >= settle:
                return
            time.sleep(POLL_SECONDS)
        raise AssertionError(f"the worker was still busy after {timeout}s")


@pytest.fixture
def real_worker(transactional_db):
    """A worker with 4 threads (so that tasks really run at the same time) against Redis."""
    if not settings.REDIS_URL:
        pytest.skip("needs Redis (set REDIS_URL)")
    from ipservice.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    app.control.purge()  # messages left by an interrupted earlier run
    probe = WorkerProbe(app)
    signals.task_received.connect(probe.on_received, weak=False)
    signals.task_postrun.connect(probe.on_postrun, weak=False)
    try:
        with start_worker(
            app,
            pool="threads",
            concurrency=4,
            perform_ping_check=False,
            loglevel="WARNING",
            shutdown_timeout=15,
        ):
            yield probe
            probe.wait_idle()
    finally:
        signals.task_received.disconnect(probe.on_received)
        signals.task_postrun.disconnect(probe.on_postrun)
        app.conf.task_always_eager = previous
        app.control.purge()
