"""A real Celery worker for tests, consuming from Redis (REDIS_URL) in threads of this process.

Request the `real_worker` fixture in a test marked `redis` (it implies `transactional_db`: the
worker's threads have their own database connections and see only committed rows). Tasks are
then published to Redis and run by the worker, not in-process (tests/conftest.py leaves eager
mode off for such tests). There is no result backend: tests poll the database with
`real_worker.wait_for(...)` and `real_worker.wait_idle()`, never with fixed sleeps.

`worker_process` starts a real `celery worker` process instead (prefork, as in production), for
the tests that kill a pool process in the middle of a task.

Imported by tests/appointments/conftest.py; other test packages import it the same way.
"""

import os
import signal
import subprocess
import sys
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
        self.finished = []  # (task name, args, state, return value)
        self._redis = redis.Redis.from_url(settings.REDIS_URL)

    def on_received(self, sender=None, request=None, **kwargs):
        with self._lock:
            self.received += 1

    def on_postrun(self, sender=None, task=None, args=None, state=None, retval=None, **kwargs):
        with self._lock:
            self.finished.append((task.name, tuple(args or ()), state, retval))
        if threading.current_thread() is not threading.main_thread():
            # The worker's threads keep their connections otherwise, and the test database
            # could then be neither flushed nor dropped.
            connections.close_all()

    def runs(self, name, state=None):
        return len(self.results(name, state))

    def results(self, name, state=None):
        """The return values of the finished runs of task `name` (in `state`, if given)."""
        with self._lock:
            return [r for n, _a, s, r in self.finished if n == name and state in (None, s)]

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


class WorkerProcess:
    """`celery worker` in a subprocess: prefork, one child process, INFO log collected."""

    def __init__(self, env):
        self.lines = []
        self.process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
            [sys.executable, "-m", "celery", "-A", "ipservice", "worker", *WORKER_ARGS],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.append(line)

    @property
    def output(self):
        return "".join(self.lines)

    def wait_ready(self, timeout=30.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if " ready." in self.output:
                return
            if self.process.poll() is not None:
                break
            time.sleep(POLL_SECONDS)
        raise AssertionError(f"the worker did not start:\n{self.output}")

    def children(self):
        """Process ids of the pool's child processes (Linux /proc)."""
        pid = self.process.pid
        path = f"/proc/{pid}/task/{pid}/children"
        with open(path) as children:
            return [int(child) for child in children.read().split()]

    def stop(self):
        """Kill the worker and its pool at once: the test is over, nothing of theirs matters,
        and a warm shutdown takes seconds. Their database connections close with them."""
        children = self.children() if self.process.poll() is None else []
        self.process.kill()
        for child in children:
            try:
                os.kill(child, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process.wait(10)


WORKER_ARGS = [
    "--pool=prefork",
    "--concurrency=1",
    "--without-heartbeat",
    "--without-mingle",
    "--without-gossip",
    "--loglevel=INFO",
]


def _database_url():
    db = connections["default"].settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker_process(transactional_db):
    """Start a real `celery worker` process (prefork, as in production) against the test
    database and Redis: `worker_process(SMS_BACKEND=...)` with extra environment. Needs
    PostgreSQL (mark the test `postgres` and `redis`). Stopped at the end of the test."""
    if not settings.REDIS_URL:
        pytest.skip("needs Redis (set REDIS_URL)")
    from ipservice.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False  # publish to Redis from the test
    app.control.purge()
    started = []

    def start(**extra_env):
        env = {**os.environ, "DATABASE_URL": _database_url(), "REDIS_URL": settings.REDIS_URL}
        worker = WorkerProcess({**env, **{k: str(v) for k, v in extra_env.items()}})
        started.append(worker)
        worker.wait_ready()
        return worker

    try:
        yield start
    finally:
        for worker in started:
            worker.stop()
        app.conf.task_always_eager = previous
        app.control.purge()
