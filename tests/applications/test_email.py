"""The applicant's optional email: every notice of the application goes by SMS and, when an
address was given, by email too, through the same outbox as a booking's (Django's locmem mail
backend under pytest). The address is masked wherever it is not needed whole."""

import pytest
from django.core import mail

from applications.models import Application
from appointments.constants import NoticeChannel
from appointments.models import Notice, SmsOutbox

from .conftest import PHONE, body, jpg, pdf

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]

URL = "/api/v1/applications/"
EMAIL = "zhang.san@example.com"


def act(api, user, application, action, data=None):
    api.force_authenticate(user)
    answer = api.post(f"{URL}{application.pk}/{action}/", data or {}, format="json")
    api.force_authenticate(None)
    return answer


@pytest.fixture
def sent(django_capture_on_commit_callbacks):
    """Run what a request queues on commit (the notices' delivery), then return the mails."""

    def run(call):
        with django_capture_on_commit_callbacks(execute=True):
            answer = call()
        return answer

    return run


def test_every_notice_goes_by_email_too_when_given(api, item, window_a, materials, staff_a, sent):
    answer = sent(lambda: api.post(URL, body(item, window_a, materials, email=EMAIL)))
    assert answer.status_code == 201, answer.json()
    application = Application.objects.get(reference=answer.json()["reference"])
    assert application.email == EMAIL
    [received] = mail.outbox
    assert received.to == [EMAIL]
    assert received.subject == f"网上申请已收到：{application.reference}"
    assert f"/apply/status/{application.reference}/?token={answer.json()['token']}" in (
        received.body
    )

    reasons = {materials[0].pk: "缺少签字", materials[1].pk: "复印件不清晰"}
    assert (
        sent(lambda: act(api, staff_a, application, "return", {"materials": reasons})).status_code
        == 200
    )
    returned = mail.outbox[-1]
    assert returned.subject.startswith("网上申请需补正材料")
    # Unlike the SMS, the email lists every material with its reason (一次性告知).
    assert "申请表：缺少签字" in returned.body and "身份证明：复印件不清晰" in returned.body

    corrections = {
        "token": answer.json()["token"],
        f"material_{materials[0].pk}": pdf("new.pdf"),
        f"material_{materials[1].pk}": jpg("new.jpg"),
    }
    fixed = sent(lambda: api.post(f"{URL}{application.reference}/corrections/", corrections))
    assert fixed.status_code == 200, fixed.json()

    assert sent(lambda: act(api, staff_a, application, "accept")).status_code == 200
    application.refresh_from_db()
    accepted = mail.outbox[-1]
    assert accepted.subject.startswith("网上申请已受理")
    assert application.case.reference in accepted.body

    shipped = sent(
        lambda: act(api, staff_a, application, "ship", {"courier": "EMS", "tracking": "EA1"})
    )
    assert shipped.status_code == 200
    posted = mail.outbox[-1]
    assert "快递公司：EMS" in posted.body and "运单号：EA1" in posted.body

    assert [m.subject.split("：")[0] for m in mail.outbox] == [
        "网上申请已收到",
        "网上申请需补正材料",
        "网上申请已受理",
        "办理结果已寄出",
    ]
    assert all(m.to == [EMAIL] for m in mail.outbox)
    # Each email is a notice of the outbox beside its SMS, sent once.
    emails = Notice.objects.filter(channel=NoticeChannel.EMAIL, recipient=EMAIL)
    sms = Notice.objects.filter(channel=NoticeChannel.SMS, template__startswith="application_")
    assert emails.count() == sms.count() == 4
    assert SmsOutbox.objects.filter(phone=PHONE).count() >= 4


def test_a_rejection_by_email_gives_the_whole_reason(api, item, window_a, materials, staff_a, sent):
    answer = sent(lambda: api.post(URL, body(item, window_a, materials, email=EMAIL)))
    application = Application.objects.get(reference=answer.json()["reference"])
    reason = "该事项须由权利人本人到市级窗口办理，不属于本窗口受理范围"
    assert sent(lambda: act(api, staff_a, application, "reject", {"reason": reason})).status_code
    rejected = mail.outbox[-1]
    assert rejected.subject == f"网上申请未予受理：{application.reference}"
    assert f"原因：{reason}" in rejected.body


def test_no_address_no_email(api, item, window_a, materials, staff_a, sent):
    answer = sent(lambda: api.post(URL, body(item, window_a, materials)))
    application = Application.objects.get(reference=answer.json()["reference"])
    sent(lambda: act(api, staff_a, application, "accept"))
    assert mail.outbox == []
    assert not Notice.objects.filter(channel=NoticeChannel.EMAIL).exists()
    assert Notice.objects.filter(template="application_accepted", recipient=PHONE).exists()


def test_a_bad_address_is_400_on_its_field(api, item, window_a, materials):
    answer = api.post(URL, body(item, window_a, materials, email="not-an-address"))
    assert answer.status_code == 400 and "email" in answer.json()["errors"]
    assert not Application.objects.exists()


def test_the_email_is_in_the_language_of_the_request(api, item, window_a, materials, sent):
    from django.conf import settings

    api.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    answer = sent(lambda: api.post(URL, body(item, window_a, materials, email=EMAIL)))
    assert answer.status_code == 201
    [received] = mail.outbox
    assert received.subject == f"Online application received: {answer.json()['reference']}"


def test_the_address_is_masked_for_lists_the_bureau_and_the_log(
    api, client, item, window_a, materials, staff_a, bureau, sent
):
    answer = sent(lambda: api.post(URL, body(item, window_a, materials, email=EMAIL)))
    application = Application.objects.get(reference=answer.json()["reference"])
    token = answer.json()["token"]

    api.force_authenticate(staff_a)
    [row] = api.get(URL).json()["results"]
    assert row["email"] == "z***@example.com"
    api.force_authenticate(None)
    mine = api.get(f"{URL}{application.reference}/?token={token}").json()
    assert mine["email"] == "z***@example.com"

    # The handling window's clerk sees it whole on the application's page, the bureau masked.
    client.force_login(staff_a)
    assert EMAIL in client.get(f"/staff/applications/{application.pk}/").content.decode()
    client.force_login(bureau)
    page = client.get(f"/staff/applications/{application.pk}/").content.decode()
    assert EMAIL not in page and "z***@example.com" in page
    # The admin shows it masked only (superuser: every admin page).
    bureau.is_superuser = bureau.is_staff = True
    bureau.save()
    client.force_login(bureau)
    admin = client.get(f"/admin/applications/application/{application.pk}/change/")
    assert admin.status_code == 200
    assert EMAIL not in admin.content.decode() and "z***@example.com" in admin.content.decode()
