"""SMS and booking abuse (issue 10): SMS codes that prove a phone, a limit per mobile number that
every SMS passes, the outbox command, and an API that takes JSON only."""

import datetime as dt
import io
import logging
import re
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import TestCase
from rest_framework.test import APIClient

from appointments import outbox, phone_codes, services
from appointments.constants import NoticeChannel, NoticeStatus
from appointments.models import Case, Notice, PhoneCode, SmsOutbox
from tests.appointments.factories import client_address, person, phone_code
from tests.catalog.factories import ServiceItemFactory
from tests.windows.factories import ServicePointFactory

CST = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 9, 29, 10, 0, tzinfo=CST)  # Tuesday
START = "2026-09-30T09:00:00+08:00"
PHONE = "13900000001"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def api():
    return APIClient(enforce_csrf_checks=True, REMOTE_ADDR=client_address())


@pytest.fixture
def window():
    item = ServiceItemFactory(code="PAT-01")
    window = ServicePointFactory(counters=2, people_per_slot=1)
    window.items.add(item)
    return window


def booking(window, seq=1, **changes):
    return {"window": window.pk, "item": "PAT-01", "start": START, **person(seq), **changes}


def book(api, data):
    return api.post("/api/v1/appointments/", data, format="json")


def ask_code(api, phone=PHONE, purpose="booking"):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return api.post("/api/v1/phone-codes/", {"phone": phone, "purpose": purpose}, format="json")


def outbox_text(**options):
    out = io.StringIO()
    call_command("sms_outbox", stdout=out, **options)
    return out.getvalue()


# Asking for a code ------------------------------------------------------------------------------


def test_a_code_is_sent_by_sms_and_only_its_hmac_is_kept(api, caplog):
    caplog.set_level(logging.DEBUG)
    response = ask_code(api, "+86 139 0000 0001")
    assert response.status_code == 202
    assert response.json() == {"phone": "139****0001", "purpose": "booking", "expires_in": 300}
    sms = SmsOutbox.objects.get(phone=PHONE)
    digits = re.findall(r"\d+", sms.body)
    assert len(digits) == 2 and len(digits[0]) == 6  # the code, then its minutes
    assert sms.body.startswith("【上海知识产权公共服务】验证码")  # Chinese by default
    row = PhoneCode.objects.get(phone=PHONE)
    assert digits[0] not in row.code_hash and digits[0] not in row.salt
    assert len(row.code_hash) == 64 and row.tries == 0 and row.used_at is None
    # The notice that carried it keeps no copy once sent, and no log line shows it.
    notice = Notice.objects.get(template="phone_code")
    assert notice.status == NoticeStatus.SENT and notice.body == ""
    assert digits[0] not in caplog.text


def test_a_code_request_needs_a_mainland_mobile(api):
    response = api.post("/api/v1/phone-codes/", {"phone": "12345"}, format="json")
    assert response.status_code == 400
    assert "phone" in response.json()["errors"]
    response = api.post("/api/v1/phone-codes/", {"phone": PHONE, "purpose": "x"}, format="json")
    assert "purpose" in response.json()["errors"]
    assert not PhoneCode.objects.exists()


def test_code_requests_are_limited_per_client_address(api, settings):
    settings.PHONE_CODE_RATE_LIMIT = "2/m"
    statuses = [ask_code(api, f"1390000000{n}").status_code for n in range(3)]
    assert statuses == [202, 202, 429]
    assert PhoneCode.objects.count() == 2


# Booking with the code -------------------------------------------------------------------------


def test_a_booking_without_a_code_is_400_on_phone_code(api, window):
    response = book(api, booking(window))
    assert response.status_code == 400
    assert response.json()["errors"] == {"phone_code": ["请填写短信发送到您手机的验证码。"]}
    assert not Case.objects.exists()


def test_a_booking_with_the_right_code_is_made_and_the_code_is_spent(api, window):
    data = booking(window)
    data["phone_code"] = phone_code(data["phone"])
    assert book(api, data).status_code == 201
    assert PhoneCode.objects.get().used_at is not None
    again = book(api, {**data, "start": "2026-09-30T10:00:00+08:00", "item": "PAT-01"})
    assert again.status_code == 400
    assert "phone_code" in again.json()["errors"]


def test_a_code_of_another_phone_or_purpose_does_not_count(api, window):
    data = booking(window)
    other = phone_code("13900000099")
    complaint_code = phone_code(data["phone"], "complaint")
    for code in (other, complaint_code):
        response = book(api, {**data, "phone_code": code})
        assert response.status_code == 400
        assert "phone_code" in response.json()["errors"]
    assert not Case.objects.exists()


def test_five_tries_then_even_the_right_code_is_refused(api, window):
    data = booking(window)
    code = phone_code(data["phone"])
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(phone_codes.MAX_TRIES):
        assert book(api, {**data, "phone_code": wrong}).status_code == 400
    response = book(api, {**data, "phone_code": code})
    assert response.status_code == 400
    assert response.json()["errors"]["phone_code"] == ["错误次数过多，请重新获取验证码。"]
    assert PhoneCode.objects.get().tries == phone_codes.MAX_TRIES


def test_a_code_expires_after_five_minutes(api, window, time_machine):
    data = booking(window)
    code = phone_code(data["phone"])
    time_machine.move_to(NOW + dt.timedelta(minutes=5, seconds=1), tick=False)
    response = book(api, {**data, "phone_code": code})
    assert response.status_code == 400
    assert "phone_code" in response.json()["errors"]


def test_only_the_newest_code_counts(api, window):
    data = booking(window)
    first = phone_code(data["phone"])
    second = phone_code(data["phone"])
    if first != second:
        assert book(api, {**data, "phone_code": first}).status_code == 400
    assert book(api, {**data, "phone_code": second}).status_code == 201


def test_a_refused_booking_does_not_spend_the_code(api, window):
    data = booking(window)
    data["phone_code"] = phone_code(data["phone"])
    nine = dt.datetime(2026, 9, 30, 9, tzinfo=CST)
    for seq in (11, 12):  # 09:00 filled by two others
        services.book(window=window, item=window.items.get(), start=nine, **person(seq))
    assert book(api, data).status_code == 409
    assert PhoneCode.objects.get(phone=data["phone"]).used_at is None
    later = {**data, "start": "2026-09-30T10:00:00+08:00"}
    assert book(api, later).status_code == 201


def test_phone_verification_can_be_turned_off(api, window, settings):
    settings.PHONE_VERIFICATION = False
    assert book(api, booking(window)).status_code == 201


def test_the_api_takes_json_only(api, window):
    data = booking(window)
    data["phone_code"] = phone_code(data["phone"])
    for response in (
        api.post("/api/v1/appointments/", data),  # multipart, as a hostile page's form
        api.post("/api/v1/phone-codes/", {"phone": PHONE}),
    ):
        assert response.status_code == 415
    assert not Case.objects.exists()


# The limit per mobile number -------------------------------------------------------------------


def test_code_requests_to_one_number_stop_at_the_hourly_limit_from_any_address(settings):
    settings.SMS_PER_PHONE_HOUR = 3
    clients = [APIClient(REMOTE_ADDR=client_address()) for _ in range(2)]
    statuses = [ask_code(clients[n % 2]).status_code for n in range(6)]
    assert statuses == [202, 202, 202, 429, 429, 429]
    refused = ask_code(clients[0])
    assert refused.json()["code"] == "sms_limit"
    assert refused.json()["message"] == "该手机号近期收到的短信过多，请稍后再试。"
    assert SmsOutbox.objects.filter(phone=PHONE).count() == 3
    assert PhoneCode.objects.count() == 3  # nothing kept for a refused code


def test_the_hour_passes_but_the_day_limit_holds(settings, time_machine):
    settings.SMS_PER_PHONE_HOUR, settings.SMS_PER_PHONE_DAY = 2, 3
    api = APIClient(REMOTE_ADDR=client_address())
    assert [ask_code(api).status_code for _ in range(3)] == [202, 202, 429]
    time_machine.move_to(NOW + dt.timedelta(hours=1, minutes=1), tick=False)
    assert [ask_code(api).status_code for _ in range(2)] == [202, 429]
    time_machine.move_to(NOW + dt.timedelta(days=1, minutes=1), tick=False)
    assert ask_code(api).status_code == 202


def notice(key, template):
    return outbox.create_notice(
        key, channel=NoticeChannel.SMS, recipient=PHONE, template=template, body="…"
    )


def test_beyond_the_limit_a_task_message_is_dropped_with_a_masked_warning(settings, caplog):
    settings.SMS_PER_PHONE_HOUR = 1
    notice("booked:A", "booked")
    with caplog.at_level(logging.WARNING, logger="appointments.outbox"):
        assert notice("remind:A", "remind") == (None, False)
        assert notice("invite:A", "review_invite") == (None, False)
    assert "139****0001" in caplog.text and PHONE not in caplog.text
    assert not Notice.objects.filter(template__in=["remind", "review_invite"]).exists()


def test_a_cancellation_or_a_move_is_never_dropped(settings):
    """Dropping them would leave the person not knowing that their place was freed or moved."""
    settings.SMS_PER_PHONE_HOUR = 1
    notice("booked:A", "booked")
    for template in ("cancelled", "rescheduled", "booked", "complaint_received"):
        created_notice, created = notice(f"{template}:B", template)
        assert created and created_notice.recipient == PHONE
    assert Notice.objects.filter(recipient=PHONE).count() == 5


def test_the_limit_is_settings(settings):
    from ipservice import settings as project

    assert project.SMS_PER_PHONE_HOUR == 10 and project.SMS_PER_PHONE_DAY == 20
    assert project.PHONE_VERIFICATION is True and project.PHONE_CODE_RATE_LIMIT == "5/m"


# manage.py sms_outbox ---------------------------------------------------------------------------


def test_sms_outbox_prints_the_newest_messages_whole():
    SmsOutbox.objects.create(phone=PHONE, body="第一条")
    SmsOutbox.objects.create(phone="13900000002", body="第二条\n两行")
    SmsOutbox.objects.create(phone=PHONE, body="第三条")
    text = outbox_text(last=2)
    assert "第三条" in text and "第二条\n两行" in text and "第一条" not in text
    assert text.index("第三条") < text.index("第二条")
    assert "13900000002" in text  # whole, for the developer
    assert "2026-09-29 10:00:00" in text
    only = outbox_text(phone="139 0000 0001")
    assert "第一条" in only and "第三条" in only and "第二条" not in only


def test_sms_outbox_works_only_with_the_outbox_backend(settings):
    settings.SMS_BACKEND = "appointments.sms.HttpGatewayBackend"
    with pytest.raises(CommandError, match="outbox"):
        outbox_text()


def test_a_right_code_is_spent_once():
    code = phone_code(PHONE)
    code_id = phone_codes.check(PHONE, "booking", code)
    assert phone_codes.use(code_id) is True
    assert phone_codes.use(code_id) is False  # a second request holding the same check loses
    with pytest.raises(phone_codes.InvalidCode):
        phone_codes.check(PHONE, "booking", code)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_code_requests_cannot_pass_the_limit_together(settings):
    """Twelve requests for one number at once, three allowed: the number's lock lets exactly
    three through (count-then-insert would let most of them)."""
    settings.SMS_PER_PHONE_HOUR = 3
    barrier = threading.Barrier(12)

    def ask(_n):
        barrier.wait()
        try:
            phone_codes.send_code(PHONE, "booking")
            return "sent"
        except outbox.SmsLimitReached:
            return "refused"
        finally:
            connection.close()

    with ThreadPoolExecutor(12) as pool:
        results = Counter(pool.map(ask, range(12)))
    assert results == {"sent": 3, "refused": 9}
    assert Notice.objects.filter(recipient=PHONE).count() == 3
