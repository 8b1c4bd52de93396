"""Exactly once, with real workers against Redis (not eager mode): the reminder job run twice at
the same moment, the same notice enqueued many times at once, and a worker process killed while
the gateway has the message."""

import datetime as dt
import os
import signal
import time

import pytest
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone

from appointments import notices, tasks, workdays
from appointments.constants import NoticeStatus
from appointments.models import Notice, SmsOutbox
from ipservice import dates
from tests.appointments.factories import CaseFactory
from tests.appointments.test_sms_gateway import Gateway, sms_notice
from tests.catalog.factories import ServiceItemFactory
from tests.windows.factories import ServicePointFactory

pytestmark = [pytest.mark.redis, pytest.mark.postgres]

BOOKINGS = 30


def next_working_day_bookings(count):
    """`count` bookings on the next working day (real dates: the worker runs on the real
    clock), every third with an email address too."""
    window = ServicePointFactory()
    item = ServiceItemFactory()
    window.items.add(item)
    day = workdays.add_working_days(dates.today(), 1)
    first = timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0)))
    return [
        CaseFactory(
            booking=True,
            window=window,
            item=item,
            start=first + dt.timedelta(minutes=10 * n),
            email=f"person{n}@example.com" if n % 3 == 0 else "",
        )
        for n in range(count)
    ]


def waiting_on_locks():
    with connection.cursor() as cursor:
        # Inside a transaction the statistics views are a snapshot unless cleared.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def test_the_reminder_job_run_twice_at_once_sends_each_reminder_once(real_worker):
    bookings = next_working_day_bookings(BOOKINGS)
    with_email = sum(1 for case in bookings if case.email)
    first_key = f"{notices.reminder_key(bookings[0])}:sms"

    # Hold the first reminder's key in an open transaction, so that both runs (two beat
    # processes firing at once) queue up behind it and then race over every booking together.
    with transaction.atomic():
        Notice.objects.create(key=first_key, channel="sms", recipient="-", template="-", body="-")
        tasks.send_reminders.delay()
        tasks.send_reminders.delay()
        real_worker.wait_for(lambda: waiting_on_locks() >= 2, what="both runs to reach the key")
        transaction.set_rollback(True)

    real_worker.wait_for(lambda: real_worker.runs("appointments.tasks.send_reminders") == 2)
    real_worker.wait_idle()
    # Every reminder was queued by exactly one of the two runs...
    assert sum(real_worker.results("appointments.tasks.send_reminders")) == BOOKINGS
    assert Notice.objects.count() == BOOKINGS + with_email
    assert set(Notice.objects.values_list("status", "attempts")) == {(NoticeStatus.SENT, 1)}
    # ...and sent once.
    phones = list(SmsOutbox.objects.values_list("phone", flat=True))
    assert sorted(phones) == sorted(case.phone for case in bookings)
    assert len(mail.outbox) == with_email

    # A third run (the job redelivered, or run by hand) finds nothing left to do.
    tasks.send_reminders.delay()
    real_worker.wait_for(lambda: real_worker.runs("appointments.tasks.send_reminders") == 3)
    real_worker.wait_idle()
    assert real_worker.results("appointments.tasks.send_reminders")[-1] == 0
    assert SmsOutbox.objects.count() == BOOKINGS


def test_one_notice_enqueued_many_times_at_once_is_sent_once(real_worker, settings):
    with Gateway(delay=0.5) as gateway:  # slow: the copies arrive while the first is sending
        settings.SMS_BACKEND = "appointments.sms.HttpGatewayBackend"
        settings.SMS_GATEWAY_URL = gateway.url
        notice = sms_notice()  # enqueued on commit
        for _copy in range(5):
            tasks.send_notice.delay(notice.pk)
        real_worker.wait_for(lambda: real_worker.runs("appointments.tasks.send_notice") == 6)
        real_worker.wait_idle()
    assert len(gateway.requests) == 1
    assert sorted(real_worker.results("appointments.tasks.send_notice")) == [False] * 5 + [True]
    notice.refresh_from_db()
    assert (notice.status, notice.attempts) == (NoticeStatus.SENT, 1)


def test_a_worker_killed_while_sending_leaves_the_notice_to_be_sent_once(worker_process):
    with Gateway(hold_first=True) as gateway:
        worker = worker_process(
            SMS_BACKEND="appointments.sms.HttpGatewayBackend",
            SMS_GATEWAY_URL=gateway.url,
            SMS_GATEWAY_TIMEOUT=30,
        )
        notice = sms_notice()
        wait_until(lambda: len(gateway.requests) == 1, worker)
        # Mid-send: the attempt is not committed, the notice still queued.
        assert Notice.objects.get(pk=notice.pk).status == NoticeStatus.QUEUED

        [child] = worker.children()
        os.kill(child, signal.SIGKILL)
        # acks_late + reject_on_worker_lost: the message goes back to the queue, a new pool
        # process takes it, and the dead attempt's transaction was rolled back.
        wait_until(lambda: Notice.objects.get(pk=notice.pk).status == NoticeStatus.SENT, worker)

    notice.refresh_from_db()
    assert notice.attempts == 1
    assert len(gateway.requests) == 2
    # Both carry the notice's key, so a gateway that honours it drops the second copy.
    assert {r[1]["Idempotency-Key"] for r in gateway.requests} == {notice.key}
    assert "WorkerLostError" in worker.output or "SIGKILL" in worker.output


def wait_until(condition, worker, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out; worker log:\n{worker.output}")
