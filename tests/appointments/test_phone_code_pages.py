"""The SMS code on the pages (issue 10): the booking's details step and the complaint form ask for
it, with a "send code" button that works without JavaScript (a submit button) and with it (a
static script that asks the API)."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils.http import urlencode

from appointments.models import Case, PhoneCode, SmsOutbox
from reviews.models import Complaint
from tests.appointments.factories import person, phone_code

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)  # Monday, a working day
START = dt.datetime(2026, 11, 24, 9, 0, tzinfo=SHANGHAI)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def params(window, item):
    return {
        "item": item.code,
        "window": window.pk,
        "date": START.date().isoformat(),
        "start": START.isoformat(),
    }


def details_url(window, item):
    return f"{reverse('appointments:book')}?{urlencode(params(window, item))}"


def details(seq=1, **changes):
    return {**person(seq), "email": "", **changes}


def test_the_details_step_asks_for_the_code_with_a_static_script(client, window_a, item):
    html = client.get(details_url(window_a, item)).content.decode()
    assert 'name="phone_code"' in html and 'autocomplete="one-time-code"' in html
    assert 'name="send_code"' in html  # works without JavaScript: a submit button
    assert "appointments/phone-code.js" in html
    assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", html)  # no inline script
    # Enter in a field presses "Continue", the form's first button, not "send code".
    assert html.index('<button type="submit">') < html.index('name="send_code"')


def test_without_the_code_the_details_step_shows_the_error_on_its_field(client, window_a, item):
    response = client.post(details_url(window_a, item), details())
    assert response.status_code == 200
    assert response.context["form"].errors == {"phone_code": ["请填写短信发送到您手机的验证码。"]}


def test_send_code_without_javascript_sends_it_and_shows_the_form_again(
    client, window_a, item, django_capture_on_commit_callbacks
):
    data = details(phone_code="", send_code="1")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(details_url(window_a, item), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "6 位验证码已发送至 139****0001，5 分钟内有效。" in html
    assert f'value="{data["id_number"]}"' in html  # what was typed is kept
    assert not response.context["form"].errors
    assert SmsOutbox.objects.filter(phone=data["phone"]).count() == 1
    assert not Case.objects.exists()


def test_a_bad_number_gets_no_code_and_is_told(client, window_a, item):
    response = client.post(details_url(window_a, item), details(phone="12345", send_code="1"))
    assert "请输入有效的" in response.content.decode() or response.context["code_message"]
    assert not response.context["code_sent"]
    assert not PhoneCode.objects.exists()


def test_with_the_code_the_booking_is_made_and_the_code_spent(client, window_a, item):
    data = details()
    data["phone_code"] = phone_code(data["phone"])
    response = client.post(details_url(window_a, item), data)
    assert response.status_code == 302
    assert PhoneCode.objects.get().used_at is not None
    booked = client.post(reverse("appointments:confirm"), params(window_a, item))
    assert booked.status_code == 302
    assert Case.objects.get().phone == data["phone"]


def test_a_draft_whose_phone_was_not_verified_cannot_be_booked(client, window_a, item):
    data = details()
    data["phone_code"] = phone_code(data["phone"])
    client.post(details_url(window_a, item), data)
    # The phone changed in the session after the check (e.g. another tab): confirm refuses.
    session = client.session
    session["booking_draft"] = {**session["booking_draft"], "phone": "13900000777"}
    session.save()
    response = client.post(reverse("appointments:confirm"), params(window_a, item))
    assert response.status_code == 302 and "start=" in response.url
    assert not Case.objects.exists()


def test_pages_need_no_code_when_verification_is_off(client, window_a, item, settings):
    settings.PHONE_VERIFICATION = False
    html = client.get(details_url(window_a, item)).content.decode()
    assert 'name="phone_code"' not in html and "phone-code.js" not in html
    assert client.post(details_url(window_a, item), details()).status_code == 302
    assert client.post(reverse("appointments:confirm"), params(window_a, item)).status_code == 302
    assert Case.objects.count() == 1


# The complaint form ------------------------------------------------------------------------------

COMPLAINT = {
    "name": "李四",
    "phone": "13912345678",
    "matter": "专利实施许可合同备案",
    "description": "窗口说材料不全，但没说缺什么，跑了两次。",
}


def test_a_complaint_needs_the_code(client):
    response = client.post("/complaints/new/", COMPLAINT)
    assert response.status_code == 200
    assert response.context["form"].errors == {"phone_code": ["请填写短信发送到您手机的验证码。"]}
    booking_code = phone_code(COMPLAINT["phone"], "booking")  # another purpose's code
    response = client.post("/complaints/new/", {**COMPLAINT, "phone_code": booking_code})
    assert "phone_code" in response.context["form"].errors
    assert not Complaint.objects.exists()


def test_a_complaint_sends_its_code_without_javascript_and_then_goes(client):
    page = client.get("/complaints/new/").content.decode()
    assert 'name="send_code"' in page and "appointments/phone-code.js" in page
    response = client.post("/complaints/new/", {**COMPLAINT, "send_code": "1"})
    assert response.status_code == 200
    assert "139****5678" in response.content.decode()
    assert PhoneCode.objects.get().purpose == "complaint"
    code = phone_code(COMPLAINT["phone"], "complaint")
    response = client.post("/complaints/new/", {**COMPLAINT, "phone_code": code})
    assert response.status_code == 302
    assert Complaint.objects.count() == 1
    again = client.post("/complaints/new/", {**COMPLAINT, "phone_code": code})
    assert "phone_code" in again.context["form"].errors  # a used code is used
    assert Complaint.objects.count() == 1


def test_beyond_the_numbers_limit_the_page_says_so(client, window_a, item, settings):
    settings.SMS_PER_PHONE_HOUR = 1
    data = details(send_code="1")
    phone_code(data["phone"])  # the number's one SMS this hour
    response = client.post(details_url(window_a, item), data)
    assert not response.context["code_sent"]
    assert "该手机号近期收到的短信过多，请稍后再试。" in response.content.decode()
    assert PhoneCode.objects.count() == 1


def test_code_requests_from_pages_and_api_share_the_limit_per_address(client, settings):
    settings.PHONE_CODE_RATE_LIMIT = "1/m"
    first = client.post("/complaints/new/", {**COMPLAINT, "send_code": "1"})
    assert first.context["code_sent"]
    api = client.post(
        "/api/v1/phone-codes/", {"phone": "13900000002"}, content_type="application/json"
    )
    assert api.status_code == 429
    second = client.post("/complaints/new/", {**COMPLAINT, "send_code": "1"})
    assert not second.context["code_sent"]
    assert PhoneCode.objects.count() == 1


def test_a_phone_proved_in_this_visit_needs_no_second_code(client, window_a, item):
    data = details()
    data["phone_code"] = phone_code(data["phone"])
    assert client.post(details_url(window_a, item), data).status_code == 302
    # Back at the details (e.g. the time went full meanwhile): the same phone, no new code.
    again = client.post(details_url(window_a, item), {**data, "phone_code": "", "email": ""})
    assert again.status_code == 302
    other = client.post(details_url(window_a, item), details(2))
    assert other.status_code == 200
    assert "phone_code" in other.context["form"].errors
