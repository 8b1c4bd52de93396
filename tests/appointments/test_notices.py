"""Confirmation and cancellation notices: queued with the change, sent once it commits, never twice,
kept queued when the gateway fails."""

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core import mail

from appointments import outbox, services, tasks
from appointments.constants import NoticeChannel, NoticeStatus
from appointments.models import Notice, SmsOutbox
from appointments.sms import BaseSmsBackend, HttpGatewayBackend, SmsError
from tests.appointments.factories import person
from tests.catalog.factories import ServiceItemFactory
from tests.windows.factories import ServicePointFactory

CST = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 9, 29, 10, 0, tzinfo=CST)
START = dt.datetime(2026, 9, 30, 14, 0, tzinfo=CST)

pytestmark = pytest.mark.django_db


class DownGateway(BaseSmsBackend):
    """Stands in for an SMS gateway that is down (an external service, not project code)."""

    def send(self, phone, text):
        raise SmsError("gateway unreachable")


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


# Tasks run in-process and messages are in Chinese in every test (tests/conftest.py).


@pytest.fixture
def window():
    window = ServicePointFactory(name="徐汇区知识产权窗口", address="上海市徐汇区漕溪北路1号")
    window.items.add(ServiceItemFactory(code="PAT-01"))
    return window


def book(window, commit, **extra):
    with commit(execute=True):
        return services.book(
            window=window,
            item=window.items.get(),
            start=START,
            **{**person(1), **extra},
        )


def test_the_confirmation_sms_is_sent_once_the_booking_commits(
    window, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        case = services.book(window=window, item=window.items.get(), start=START, **person(1))
    assert not SmsOutbox.objects.exists()  # nothing leaves before the commit
    assert Notice.objects.get().status == NoticeStatus.QUEUED
    for callback in callbacks:
        callback()

    sms = SmsOutbox.objects.get()
    assert sms.phone == case.phone
    # Short (two SMS segments): the time and the manage link, where the window and address are.
    assert sms.body.startswith("【上海知识产权公共服务】预约成功：9月30日 14:00。")
    assert sms.body.endswith(f"/booking/{case.reference}/?token={services.booking_token(case)}")
    notice = Notice.objects.get()
    assert (notice.status, notice.attempts, notice.channel) == (
        NoticeStatus.SENT,
        1,
        NoticeChannel.SMS,
    )
    assert notice.sent_at is not None


def test_an_email_goes_too_when_given(window, django_capture_on_commit_callbacks):
    case = book(window, django_capture_on_commit_callbacks, email="li@example.com")
    assert SmsOutbox.objects.count() == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["li@example.com"]
    assert case.reference in message.subject
    assert services.manage_url(case) in message.body


def test_a_notice_is_never_sent_twice(window, django_capture_on_commit_callbacks):
    book(window, django_capture_on_commit_callbacks)
    notice = Notice.objects.get()
    assert outbox.deliver(notice.pk) is False
    assert tasks.send_notice.delay(notice.pk).get() is False  # a redelivered task
    assert SmsOutbox.objects.count() == 1
    again, created = outbox.create_notice(
        notice.key,
        channel=NoticeChannel.SMS,
        recipient="13900000000",
        template="booked",
        body="again",
    )
    assert (again, created) == (notice, False)
    assert Notice.objects.count() == 1


def test_cancelling_sends_a_cancellation_notice(window, django_capture_on_commit_callbacks):
    case = book(window, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel(case)
    texts = list(SmsOutbox.objects.order_by("id").values_list("body", flat=True))
    assert len(texts) == 2
    assert case.reference in texts[1]
    assert "9月30日 14:00" in texts[1]
    assert Notice.objects.filter(status=NoticeStatus.SENT).count() == 2


def test_a_cancellation_email_has_no_manage_link(window, django_capture_on_commit_callbacks):
    case = book(window, django_capture_on_commit_callbacks, email="li@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel(case)
    confirmation, cancellation = mail.outbox
    assert services.manage_url(case) in confirmation.body
    assert case.reference in cancellation.subject and case.reference in cancellation.body
    assert "token=" not in cancellation.body  # the link would only lead to a cancelled booking


def test_no_email_is_made_without_an_address(window, django_capture_on_commit_callbacks):
    book(window, django_capture_on_commit_callbacks)
    assert list(Notice.objects.values_list("channel", flat=True)) == [NoticeChannel.SMS]
    assert mail.outbox == []


def test_rescheduling_sends_the_new_time(window, django_capture_on_commit_callbacks):
    case = book(window, django_capture_on_commit_callbacks)
    new_start = dt.datetime(2026, 10, 8, 9, 30, tzinfo=CST)
    with django_capture_on_commit_callbacks(execute=True):
        services.reschedule(case, new_start)
    latest = SmsOutbox.objects.order_by("-id").first()
    assert "10月8日 09:30" in latest.body


def test_a_failing_gateway_leaves_the_notice_queued(
    window, settings, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = f"{__name__}.DownGateway"
    case = book(window, django_capture_on_commit_callbacks)  # the booking itself succeeds
    assert case.pk
    notice = Notice.objects.get()
    assert notice.status == NoticeStatus.QUEUED
    assert notice.attempts == 1
    assert "gateway unreachable" in notice.error
    with pytest.raises(outbox.SendError):
        outbox.deliver(notice.pk)

    settings.SMS_BACKEND = "appointments.sms.OutboxBackend"
    assert outbox.deliver(notice.pk) is True
    notice.refresh_from_db()
    assert (notice.status, notice.attempts, notice.error) == (NoticeStatus.SENT, 3, "")


def test_stale_queued_notices_are_sent_again(window, settings, django_capture_on_commit_callbacks):
    settings.SMS_BACKEND = f"{__name__}.DownGateway"
    book(window, django_capture_on_commit_callbacks)
    settings.SMS_BACKEND = "appointments.sms.OutboxBackend"
    assert tasks.send_stale_notices.delay().get() == 0  # too recent
    Notice.objects.update(created_at=NOW - dt.timedelta(minutes=11))
    assert tasks.send_stale_notices.delay().get() == 1
    assert SmsOutbox.objects.count() == 1


def test_give_up_marks_failed(window, settings, django_capture_on_commit_callbacks):
    settings.SMS_BACKEND = f"{__name__}.DownGateway"
    book(window, django_capture_on_commit_callbacks)
    outbox.give_up(Notice.objects.get().pk)
    assert Notice.objects.get().status == NoticeStatus.FAILED


# The HTTP gateway backend, against a local stand-in gateway ---------------------------------


class _Gateway(BaseHTTPRequestHandler):
    received = []

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((self.headers["Authorization"], json.loads(body)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway(settings):
    server = HTTPServer(("127.0.0.1", 0), _Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SMS_GATEWAY_URL = f"http://127.0.0.1:{server.server_port}/send"
    settings.SMS_GATEWAY_TOKEN = "secret"
    _Gateway.received = []
    yield _Gateway.received
    server.shutdown()
    server.server_close()


def test_the_http_gateway_backend_posts_json(gateway):
    HttpGatewayBackend().send("13812345678", "您好")
    assert gateway == [("Bearer secret", {"phone": "13812345678", "text": "您好"})]


def test_the_http_gateway_backend_reports_a_gateway_that_is_down(settings):
    settings.SMS_GATEWAY_URL = "http://127.0.0.1:9/send"  # discard port: nothing listens
    with pytest.raises(SmsError):
        HttpGatewayBackend().send("13812345678", "您好")
