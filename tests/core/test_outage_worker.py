"""A bad day: a worker killed outright (SIGKILL to the worker and its pool, as the out-of-memory
killer or a crashed host leave it) while it sends a notice. Its task message stays unacknowledged in
Redis; what recovers it (README, "What recovers what"):

- a worker that starts (a restart, or the only worker coming back) sweeps every queued notice
  at once (worker_ready, ipservice/celery.py): seconds, not the visibility timeout;
- another worker still running hands the message out again once the broker's visibility timeout
  (CELERY_VISIBILITY_TIMEOUT, minutes in production, seconds here) has passed;
- beat's stale-notice sweep (every 5 minutes, notices older than 10) where beat runs.

Real `celery worker` processes (prefork, tests/conftest_worker.py) against Redis and this test's
database; the SMS gateway is a local server that holds the first message unanswered.
"""

import re
import time

import pytest

from appointments.constants import NoticeStatus
from appointments.models import Notice
from tests.appointments.test_sms_gateway import Gateway, sms_notice
from tests.conftest_worker import worker_process  # noqa: F401 (fixture)

pytestmark = [pytest.mark.redis, pytest.mark.postgres]

SEND = "appointments.tasks.send_notice"
SWEEP = "appointments.tasks.send_stale_notices"


def wait_until(condition, workers, timeout=30.0, what="the condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    logs = "\n\n".join(worker.output for worker in workers)
    raise AssertionError(f"timed out waiting for {what}; worker logs:\n{logs}")


def status(notice):
    return Notice.objects.get(pk=notice.pk).status


def swept(workers):
    """Every worker's start-up sweep has run (by any of them: they share the queue), finding
    nothing before the test makes its notice."""
    done = rf"Task {re.escape(SWEEP)}\[[^\]]+\] succeeded"
    return sum(len(re.findall(done, worker.output)) for worker in workers) == len(workers)


def sending(worker):
    """Whether `worker` has a send_notice received and not finished (a message left by an
    earlier test's killed worker may be handed out too, and finishes at once)."""
    received = set(re.findall(rf"Task {re.escape(SEND)}\[([^\]]+)\] received", worker.output))
    done = set(
        re.findall(rf"Task {re.escape(SEND)}\[([^\]]+)\] (?:succeeded|raised)", worker.output)
    )
    return bool(received - done)


def gateway_env(gateway, **extra):
    return {
        "SMS_BACKEND": "appointments.sms.HttpGatewayBackend",
        "SMS_GATEWAY_URL": gateway.url,
        **extra,
    }


def test_a_restarted_worker_sends_at_once_what_the_killed_one_held(worker_process):  # noqa: F811
    with Gateway(hold_first=True) as gateway:
        env = gateway_env(gateway, SMS_GATEWAY_TIMEOUT=30)  # held longer than the test lasts
        worker = worker_process(**env)
        wait_until(lambda: swept([worker]), [worker], what="the start-up sweep")
        notice = sms_notice()
        wait_until(lambda: len(gateway.requests) == 1, [worker], what="the first send")

        worker.stop()  # SIGKILL, the worker and its pool process
        assert status(notice) == NoticeStatus.QUEUED  # the attempt rolled back with it
        killed = time.monotonic()
        restarted = worker_process(**env)  # visibility timeout: 20 minutes (the default)
        wait_until(lambda: status(notice) == NoticeStatus.SENT, [worker, restarted])
        gateway.release()

    assert time.monotonic() - killed < 60  # far under the visibility timeout
    notice.refresh_from_db()
    assert notice.attempts == 1
    assert len(gateway.requests) == 2
    assert f"{SEND}[" in restarted.output


def test_a_running_worker_takes_over_after_the_visibility_timeout(worker_process):  # noqa: F811
    visibility = 8  # seconds here; minutes in production
    with Gateway(hold_first=True) as gateway:
        env = gateway_env(
            gateway,
            SMS_GATEWAY_TIMEOUT=5,
            CELERY_VISIBILITY_TIMEOUT=visibility,
            CELERY_TASK_TIME_LIMIT=7,
            CELERY_TASK_SOFT_TIME_LIMIT=6,
            NOTICE_RETRY_MAX_DELAY=1,
        )
        workers = [worker_process(**env), worker_process(**env)]
        wait_until(lambda: swept(workers), workers, what="the start-up sweeps")
        notice = sms_notice()
        wait_until(lambda: len(gateway.requests) == 1, workers, what="the first send")
        [holder] = [w for w in workers if sending(w)]
        [survivor] = [w for w in workers if w is not holder]

        holder.stop()  # SIGKILL while the gateway has the message
        killed = time.monotonic()
        # No restart, no beat: the survivor restores the unacknowledged message once it is
        # older than the visibility timeout (looked for every 10 seconds).
        wait_until(lambda: status(notice) == NoticeStatus.SENT, workers, timeout=45)
        gateway.release()

    assert time.monotonic() - killed < visibility + 10 + 15
    notice.refresh_from_db()
    assert notice.attempts == 1
    assert f"{SEND}[" in survivor.output
