"""The applicant's language (issue 14 follow-up): an application records the language of the page
or the API request it was made in, as a booking does, and every notice of it is written in that
language whoever acts: a clerk working in the other language, a task. The case made on acceptance
carries the language and the email, so its own messages (告知承诺, the rating invitation) follow."""

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone
from rest_framework.test import APIClient

from applications.models import Application
from appointments import tasks, workdays
from appointments.constants import Channel as CaseChannel
from appointments.models import Notice, SmsOutbox

from .conftest import ID_NUMBER, PHONE, body, jpg, pdf

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]

URL = "/api/v1/applications/"
EMAIL = "li.lei@example.com"
SIGNATURE = f"【{settings.SMS_SIGNATURE}】"


@pytest.fixture
def bilingual(item, window_a, materials):
    """English names beside the Chinese ones, as the catalog and the registry give them."""
    item.name, item.name_en = "专利实施许可合同备案", "Patent licence recording"
    item.save()
    window_a.name, window_a.name_en = "徐汇区知识产权窗口", "Xuhui IP Window"
    window_a.save()
    for material, english in zip(materials, ["Application form", "Proof of identity", "Other"]):
        material.name_en = english
        material.save()
    return item


def speaking(language):
    """An API client whose requests are in `language` (the language cookie, as a browser's)."""
    client = APIClient()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def li_lei(item, window, materials, **changes):
    """Li Lei's application: with his email, the result at the window."""
    mine = {"name": "李雷", "email": EMAIL, "delivery": "window", "address": None}
    return body(item, window, materials, **{**mine, **changes})


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run what a request queues on commit (the notices' delivery), then return its answer."""

    def call(request):
        with django_capture_on_commit_callbacks(execute=True):
            return request()

    return call


def apply(run, client, item, window, materials, **changes):
    answer = run(lambda: client.post(URL, li_lei(item, window, materials, **changes)))
    assert answer.status_code == 201, answer.json()
    return Application.objects.get(reference=answer.json()["reference"])


def act(run, clerk, user, application, action, data=None):
    clerk.force_authenticate(user)
    answer = run(lambda: clerk.post(f"{URL}{application.pk}/{action}/", data or {}, format="json"))
    assert answer.status_code == 200, answer.json()
    return answer


def sms():
    return list(SmsOutbox.objects.filter(phone=PHONE).order_by("id").values_list("body", flat=True))


def test_applied_in_english_a_chinese_clerk_returns_and_accepts_in_english(
    run, bilingual, window_a, materials, staff_a
):
    item = bilingual
    application = apply(run, speaking("en"), item, window_a, materials)
    assert application.language == "en"
    clerk = speaking("zh-hans")

    reasons = {materials[0].pk: "缺少签字"}
    answer = act(run, clerk, staff_a, application, "return", {"materials": reasons})
    assert answer["Content-Language"] == "zh-hans"  # the clerk works in Chinese
    returned_sms, returned_mail = sms()[-1], mail.outbox[-1]
    assert returned_sms.startswith(f"{SIGNATURE}Please correct 1 material: ")
    assert returned_mail.to == [EMAIL]
    subject = f"Online application: corrections asked, {application.reference}"
    assert returned_mail.subject == subject
    # The names are the English ones; the clerk's own words are given as written.
    assert "- Application form: 缺少签字" in returned_mail.body
    assert "Service item: Patent licence recording" in returned_mail.body
    assert "Handling window: Xuhui IP Window" in returned_mail.body

    token = speaking("en")
    fixed = run(
        lambda: token.post(
            f"{URL}{application.reference}/corrections/",
            {
                "token": _token(application),
                f"material_{materials[0].pk}": pdf("signed.pdf"),
            },
        )
    )
    assert fixed.status_code == 200, fixed.json()

    act(run, clerk, staff_a, application, "accept")
    application.refresh_from_db()
    case = application.case
    assert sms()[-1] == (f"{SIGNATURE}Accepted, case {case.reference}: {_status_url(application)}")
    accepted = mail.outbox[-1]
    assert accepted.subject == f"Online application accepted: {application.reference}"
    assert f"accepted as case {case.reference}" in accepted.body
    # Every notice of this application went in English, by SMS and by email.
    bodies = Notice.objects.filter(template__startswith="application_").values_list(
        "body", flat=True
    )
    assert len(bodies) == 6 and not any("网上申请" in b or "受理" in b for b in bodies)

    # The case made on acceptance carries the applicant's language and email.
    assert (case.channel, case.language, case.email) == (CaseChannel.ONLINE, "en", EMAIL)

    # Completed by the Chinese clerk, the case's rating invitation (reviews) goes in English.
    act(run, clerk, staff_a, application, "complete")
    case.refresh_from_db()
    assert case.status == "completed"
    invitation = Notice.objects.get(template="review_invite", recipient=PHONE)
    assert invitation.body.startswith(f"{SIGNATURE}Done: {case.reference}. Rate us honestly: ")


def test_applied_in_chinese_a_clerk_working_in_english_writes_in_chinese(
    run, bilingual, window_a, materials, staff_a
):
    item = bilingual
    application = apply(run, speaking("zh-hans"), item, window_a, materials)
    assert application.language == "zh-hans"
    clerk = speaking("en")

    reasons = {materials[0].pk: "missing signature"}
    answer = act(run, clerk, staff_a, application, "return", {"materials": reasons})
    assert answer["Content-Language"] == "en"  # the clerk works in English
    assert sms()[-1].startswith(f"{SIGNATURE}需补正：申请表（")
    returned = mail.outbox[-1]
    assert returned.subject.startswith("网上申请需补正材料")
    assert "申请表：missing signature" in returned.body
    assert "专利实施许可合同备案" in returned.body and "徐汇区知识产权窗口" in returned.body

    application.refresh_from_db()
    run(
        lambda: speaking("zh-hans").post(
            f"{URL}{application.reference}/corrections/",
            {"token": _token(application), f"material_{materials[0].pk}": pdf("签字.pdf")},
        )
    )
    act(run, clerk, staff_a, application, "reject", {"reason": "not handled here"})
    assert Notice.objects.get(template="application_rejected", channel="sms").body.startswith(
        f"{SIGNATURE}网上申请"
    )
    rejected = mail.outbox[-1]
    assert rejected.subject == f"网上申请未予受理：{application.reference}"
    assert "原因：not handled here" in rejected.body


def test_the_english_applicant_of_a_pending_acceptance_hears_in_english(
    run, bilingual, window_a, materials, staff_a
):
    """告知承诺 by a Chinese clerk: the application's notice and the case's pending-materials
    notice and its reminder (a task) are all English; the case has the email and the language."""
    item = bilingual
    application = apply(
        run, speaking("en"), item, window_a, materials, **{f"material_{materials[1].pk}": None}
    )
    eve = workdays.add_working_days(timezone.localdate(), 3)
    due = workdays.add_working_days(eve, 1).isoformat()
    act(
        run,
        speaking("zh-hans"),
        staff_a,
        application,
        "accept-pending",
        {"materials": [materials[1].pk], "materials_due": due},
    )
    application.refresh_from_db()
    case = application.case
    assert (case.status, case.language, case.email) == ("pending", "en", EMAIL)
    pending = Notice.objects.get(template="pending_accepted", recipient=PHONE)
    assert pending.body == (
        f"{SIGNATURE}Case {case.reference}: bring Proof of identity by {case.materials_due}."
    )
    assert mail.outbox[-1].subject == f"Online application accepted: {application.reference}"
    # The reminder the working day before, from the beat job (no request): English still.
    assert run(lambda: tasks.send_material_reminders(eve.isoformat())) == 1
    reminder = Notice.objects.get(template="materials_remind", recipient=PHONE)
    assert reminder.body == (
        f"{SIGNATURE}Bring Proof of identity by {case.materials_due} (case {case.reference})."
    )


def test_applying_on_the_english_page_records_english(client, item, window_a, materials):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    data = {
        "name": "Li Lei",
        "phone": PHONE,
        "id_type": "resident_id",
        "id_number": ID_NUMBER,
        "email": "",
        "window": str(window_a.pk),
        "delivery": "window",
        "address": "",
        "notes": "",
        f"material_{materials[0].pk}": pdf(),
        f"material_{materials[1].pk}": jpg(),
    }
    answer = client.post(f"/apply/{item.code}/", data)
    assert answer.status_code == 303
    application = Application.objects.get()
    assert application.language == "en"
    received = Notice.objects.get(template="application_received", recipient=PHONE)
    assert received.body.startswith(f"{SIGNATURE}Application received: ")


def test_chinese_by_default_whatever_the_browser_says(run, item, window_a, materials):
    """As for bookings, the page's language is the visitor's choice (the cookie), never the
    browser's Accept-Language (ipservice.middleware): Chinese unless they chose English."""
    browser = run(
        lambda: APIClient().post(
            URL, li_lei(item, window_a, materials, email=""), HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9"
        )
    )
    assert Application.objects.get(reference=browser.json()["reference"]).language == "zh-hans"
    received = Notice.objects.get(template="application_received", recipient=PHONE)
    assert received.body.startswith(f"{SIGNATURE}网上申请")


def test_the_applicant_api_does_not_expose_the_language(run, item, window_a, materials):
    client = speaking("en")
    answer = run(lambda: client.post(URL, li_lei(item, window_a, materials)))
    token = answer.json()["token"]
    mine = client.get(f"{URL}{answer.json()['reference']}/?token={token}").json()
    assert "language" not in answer.json() and "language" not in mine


def _token(application):
    from applications.services import token

    return token(application)


def _status_url(application):
    from applications.services import status_url

    return status_url(application)
