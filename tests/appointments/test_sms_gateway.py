"""The HTTP SMS gateway backend against a real local HTTP server (a stand-in for the operator's
gateway, not a mock of our code): transient answers are retried with growing delays by the
Celery task, refusals fail the notice at once, and a notice is sent once."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from appointments import outbox, tasks
from appointments.constants import NoticeChannel, NoticeStatus
from appointments.models import Notice
from appointments.sms import HttpGatewayBackend, SmsError, SmsRejected


class Gateway:
    """A local HTTP server answering with the scripted statuses, then 200 for good.

    `delay` makes each answer that slow (for timeouts and overlapping workers); with
    `hold_first` the first request gets no answer until `release()` (a worker killed while
    the gateway has its message)."""

    def __init__(self, statuses=(), delay=0.0, hold_first=False):
        self.statuses = list(statuses)
        self.delay = delay
        self.held = threading.Event() if hold_first else None
        self.requests = []  # (monotonic time, headers, json body, status answered)
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_port}/send"

    def _next_status(self):
        with self.lock:
            return self.statuses.pop(0) if self.statuses else 200

    def _handler(self):
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                status = gateway._next_status()
                with gateway.lock:
                    gateway.requests.append((time.monotonic(), dict(self.headers), body, status))
                    first = len(gateway.requests) == 1
                if first and gateway.held is not None:
                    gateway.held.wait(30)
                time.sleep(gateway.delay)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(b'{"ok": %s}' % (b"true" if status < 300 else b"false"))
                except OSError:
                    pass  # the client gave up (timeout) or died

            def log_message(self, *args):
                pass

        return Handler

    def release(self):
        if self.held is not None:
            self.held.set()

    def accepted(self):
        return [r for r in self.requests if r[3] < 300]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.release()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def use_gateway(settings):
    """Point the SMS backend at a local Gateway; retries come back within a second."""

    def use(gateway):
        settings.SMS_BACKEND = "appointments.sms.HttpGatewayBackend"
        settings.SMS_GATEWAY_URL = gateway.url
        settings.SMS_GATEWAY_TOKEN = "s3cret"
        settings.SMS_GATEWAY_TIMEOUT = 2
        settings.NOTICE_RETRY_DELAY = 0.2
        settings.NOTICE_RETRY_MAX_DELAY = 1
        return gateway

    return use


def sms_notice(key="booked:YY260930ABCD:sms"):
    notice, _created = outbox.create_notice(
        key,
        channel=NoticeChannel.SMS,
        recipient="13812345678",
        template="booked",
        body="【上海知识产权】预约成功",
    )
    return notice


# The backend alone ----------------------------------------------------------------------------


def test_the_backend_posts_json_with_the_token_and_the_notice_key(use_gateway):
    with use_gateway(Gateway()) as gateway:
        HttpGatewayBackend().send_message("13812345678", "您好", key="remind:YY1:sms")
    [(_at, headers, body, _status)] = gateway.requests
    assert body == {"phone": "13812345678", "text": "您好"}
    assert headers["Authorization"] == "Bearer s3cret"
    assert headers["Idempotency-Key"] == "remind:YY1:sms"


@pytest.mark.parametrize("status", [500, 502, 503, 408, 429])
def test_server_errors_and_throttling_are_transient(use_gateway, status):
    with use_gateway(Gateway([status])):
        with pytest.raises(SmsError) as caught:
            HttpGatewayBackend().send("13812345678", "您好")
    assert not isinstance(caught.value, SmsRejected)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_client_errors_are_refusals_for_good(use_gateway, status):
    with use_gateway(Gateway([status])):
        with pytest.raises(SmsRejected):
            HttpGatewayBackend().send("13812345678", "您好")


def test_a_slow_gateway_times_out(use_gateway, settings):
    with use_gateway(Gateway(delay=1.5)):
        settings.SMS_GATEWAY_TIMEOUT = 0.3
        started = time.monotonic()
        with pytest.raises(SmsError) as caught:
            HttpGatewayBackend().send("13812345678", "您好")
    assert time.monotonic() - started < 1.4
    assert not isinstance(caught.value, SmsRejected)


def test_a_gateway_that_is_down_is_transient(settings):
    settings.SMS_GATEWAY_URL = "http://127.0.0.1:9/send"  # discard port: nothing listens
    with pytest.raises(SmsError) as caught:
        HttpGatewayBackend().send("13812345678", "您好")
    assert not isinstance(caught.value, SmsRejected)


def test_the_gateway_must_be_configured(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.SMS_GATEWAY_URL = ""
    with pytest.raises(ImproperlyConfigured):
        HttpGatewayBackend()


# Attempts recorded on the notice (no broker needed) ------------------------------------------


@pytest.mark.django_db
def test_each_attempt_is_counted_until_the_gateway_accepts(
    use_gateway, django_capture_on_commit_callbacks
):
    with use_gateway(Gateway([503, 503])) as gateway:
        with django_capture_on_commit_callbacks(execute=True):
            notice = sms_notice()  # in-process: the first attempt fails, the notice stays queued
        assert Notice.objects.get().attempts == 1
        with pytest.raises(outbox.SendError) as caught:
            outbox.deliver(notice.pk)
        assert caught.value.attempts == 2
        assert outbox.deliver(notice.pk) is True
        assert outbox.deliver(notice.pk) is False  # sent: never again
    notice.refresh_from_db()
    assert (notice.status, notice.attempts, notice.error) == (NoticeStatus.SENT, 3, "")
    assert [r[3] for r in gateway.requests] == [503, 503, 200]


@pytest.mark.django_db
def test_a_refusal_fails_the_notice_at_once(use_gateway):
    with use_gateway(Gateway([400] * 5)) as gateway:
        notice = sms_notice()
        assert outbox.deliver(notice.pk) is False
        assert outbox.deliver(notice.pk) is False  # failed: not tried again
    notice.refresh_from_db()
    assert (notice.status, notice.attempts) == (NoticeStatus.FAILED, 1)
    assert "400" in notice.error
    assert len(gateway.requests) == 1


@pytest.mark.django_db
def test_the_last_allowed_attempt_fails_the_notice(use_gateway, settings):
    settings.NOTICE_MAX_ATTEMPTS = 2
    with use_gateway(Gateway([503] * 5)) as gateway:
        notice = sms_notice()
        with pytest.raises(outbox.SendError):
            outbox.deliver(notice.pk)
        assert outbox.deliver(notice.pk) is False
    notice.refresh_from_db()
    assert (notice.status, notice.attempts) == (NoticeStatus.FAILED, 2)
    assert len(gateway.requests) == 2


# Retries by a real worker (Redis) -------------------------------------------------------------


@pytest.mark.redis
@pytest.mark.postgres
def test_the_task_retries_with_back_off_and_sends_once(real_worker, use_gateway):
    with use_gateway(Gateway([503, 503])) as gateway:
        notice = sms_notice()
        real_worker.wait_for(
            lambda: Notice.objects.get(pk=notice.pk).status == NoticeStatus.SENT,
            what="the notice to be sent",
        )
        real_worker.wait_idle()
    notice.refresh_from_db()
    assert notice.attempts == 3
    assert [r[3] for r in gateway.requests] == [503, 503, 200]
    assert len(gateway.accepted()) == 1
    # Back-off: 0.2 s doubled, with jitter of up to half each time.
    times = [r[0] for r in gateway.requests]
    assert times[1] - times[0] >= 0.1
    assert times[2] - times[1] >= 0.2
    assert real_worker.runs("appointments.tasks.send_notice", "RETRY") == 2


@pytest.mark.redis
@pytest.mark.postgres
def test_a_refusal_is_not_retried_by_the_task(real_worker, use_gateway):
    with use_gateway(Gateway([400] * 5)) as gateway:
        notice = sms_notice()
        real_worker.wait_for(
            lambda: Notice.objects.get(pk=notice.pk).status == NoticeStatus.FAILED,
            what="the notice to fail",
        )
        real_worker.wait_idle()
    notice.refresh_from_db()
    assert notice.attempts == 1
    assert len(gateway.requests) == 1
    assert real_worker.runs("appointments.tasks.send_notice", "RETRY") == 0


def test_no_retry_waits_as_long_as_the_visibility_timeout(settings):
    """Redis gives a message whose countdown outlives the visibility timeout to a second
    worker; the longest retry delay stays well under it."""
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    longest = max(tasks.retry_delay(attempts) for attempts in range(1, 40))
    assert longest <= settings.NOTICE_RETRY_MAX_DELAY < visibility / 2
    assert settings.NOTICE_RETRY_DELAY * 0.5 <= tasks.retry_delay(1) <= settings.NOTICE_RETRY_DELAY
