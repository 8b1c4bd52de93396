"""Every SMS and email text is a template file (templates/messages/<language>/), in Chinese and
English; the bureau may override one in the admin, where placeholders are listed and checked and
a preview shows the text with sample values."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.utils import translation

from appointments import services, texts
from appointments.admin import MessageTemplateForm
from appointments.constants import NoticeChannel
from appointments.models import MessageTemplate, Notice, SmsOutbox
from tests.appointments.factories import person
from tests.catalog.factories import ServiceItemFactory
from tests.windows.factories import ServicePointFactory, StaffMembershipFactory, UserFactory
from windows.services import ensure_bureau_group

CST = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 9, 29, 10, 0, tzinfo=CST)
START = dt.datetime(2026, 9, 30, 14, 0, tzinfo=CST)
ADMIN = "/admin/appointments/messagetemplate/"
CJK = re.compile(r"[\u4e00-\u9fff]")
SIGNATURE = "【上海知识产权公共服务】"

pytestmark = pytest.mark.django_db

TEXTS = [
    (purpose.name, channel) for purpose in texts.PURPOSES.values() for channel in purpose.channels
]


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def window():
    window = ServicePointFactory(name="徐汇区知识产权窗口", address="上海市徐汇区漕溪北路1号")
    window.items.add(ServiceItemFactory(code="PAT-01"))
    return window


def book(window, commit, seq=1, **extra):
    with commit(execute=True):
        return services.book(
            window=window, item=window.items.get(), start=START, **{**person(seq), **extra}
        )


def override(purpose="booked", channel=NoticeChannel.SMS, language="zh-hans", **fields):
    return MessageTemplate.objects.create(
        purpose=purpose, channel=channel, language=language, **fields
    )


# The files ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("purpose", "channel"), TEXTS)
def test_each_text_renders_in_chinese_and_english_from_its_file(purpose, channel):
    rendered = {}
    for language in ("zh-hans", "en"):
        subject, body = texts.file_source(purpose, channel, language)
        texts.check(purpose, subject + body)  # the files pass the bureau's check too
        rendered[language] = texts.preview(purpose, channel, subject, body, language=language)
    zh, en = rendered["zh-hans"], rendered["en"]
    for message in (zh, en):
        assert message.body and "{" not in message.body + message.subject
        assert bool(message.subject) == (channel == NoticeChannel.EMAIL)
        samples = texts.PURPOSES[purpose].placeholders
        # An email names the reference; an SMS with the private link may leave it to the link.
        if "reference" in samples and not ("url" in samples and channel == NoticeChannel.SMS):
            assert samples["reference"].sample in message.body + message.subject
    # Chinese text around the (partly Chinese) sample values; English words in the English one.
    assert CJK.search(_without_samples(en.body, purpose).replace(SIGNATURE, "")) is None
    assert CJK.search(_without_samples(zh.body, purpose).replace(SIGNATURE, ""))


def _without_samples(text, purpose):
    for placeholder in texts.PURPOSES[purpose].placeholders.values():
        samples = (
            placeholder.sample
            if isinstance(placeholder.sample, list)
            else [{"": placeholder.sample}]
        )
        for sample in samples:
            for value in sample.values():
                text = text.replace(str(value), "")
    return text


def test_the_confirmation_keeps_its_wording_in_both_languages(
    window, django_capture_on_commit_callbacks
):
    case = book(window, django_capture_on_commit_callbacks, email="li@example.com")
    with translation.override("en"):
        english = book(window, django_capture_on_commit_callbacks, seq=2, email="wang@example.com")
    chinese_sms, english_sms = SmsOutbox.objects.order_by("id").values_list("body", flat=True)
    assert chinese_sms.startswith(f"{SIGNATURE}预约成功：9月30日 14:00。")
    assert chinese_sms.endswith(services.manage_url(case))
    assert english_sms == f"{SIGNATURE}Booked 30 Sep 14:00. Details: {services.manage_url(english)}"
    assert [message.subject for message in mail.outbox] == [
        f"预约成功：{case.reference}",
        f"Booking confirmed: {english.reference}",
    ]
    assert mail.outbox[1].body.splitlines()[:3] == [
        "Your booking is confirmed. Please bring the materials listed in the guide.",
        "",
        f"Reference: {english.reference}",
    ]
    assert "&amp;" not in english_sms and "&#x27;" not in english_sms  # plain text, not HTML


def test_the_digest_counts_in_english():
    subject, body = texts.file_source("deadline_digest", NoticeChannel.EMAIL, "en")
    message = texts.preview("deadline_digest", NoticeChannel.EMAIL, subject, body, language="en")
    assert message.body.splitlines()[0] == (
        "2 cases at 徐汇区知识产权公共服务窗口 are near or past their deadline (2026-10-09):"
    )
    assert message.body.splitlines()[2].startswith("已超期 · due 2026-10-08 · YY26A7K3Q2 张*")


# The bureau's overrides --------------------------------------------------------------------


def test_an_override_replaces_the_file_and_deactivating_it_restores_it(
    window, django_capture_on_commit_callbacks
):
    text = override(body="预约已办好：{{ reference }}，{{ window }}，{{ time }}")
    override(language="en", body="Booked {{ reference }}")
    first = book(window, django_capture_on_commit_callbacks, seq=1)
    assert (
        SmsOutbox.objects.get().body
        == f"{SIGNATURE}预约已办好：{first.reference}，徐汇区知识产权窗口，2026-09-30 14:00–14:30"
    )

    text.active = False
    text.save()
    second = book(window, django_capture_on_commit_callbacks, seq=2)
    latest = SmsOutbox.objects.order_by("-id").first().body
    assert latest == f"{SIGNATURE}预约成功：9月30日 14:00。查看地点、改期或取消：" + (
        services.manage_url(second)
    )
    assert Notice.objects.get(key=f"booked:{second.reference}:sms").body == latest


def test_an_email_override_has_its_own_subject(window, django_capture_on_commit_callbacks):
    override(channel=NoticeChannel.EMAIL, subject="预约 {{ reference }} 成功", body="{{ address }}")
    case = book(window, django_capture_on_commit_callbacks, email="li@example.com")
    [message] = mail.outbox
    assert (message.subject, message.body) == (
        f"预约 {case.reference} 成功",
        "上海市徐汇区漕溪北路1号",
    )


def test_an_override_sees_only_its_placeholders():
    message = texts.render_source(
        "complaint_closed",
        NoticeChannel.EMAIL,  # no signature: the text as the template gives it
        "",
        "{{ reference }}|{{ reply }}|{{ settings }}|{{ request }}",
        {"reference": "TS1", "reply": "<好>", "settings": "secret", "request": "x"},
        language="zh-hans",
    )
    assert message.body == "TS1|<好>||"  # nothing escaped, nothing else given


# The admin form ------------------------------------------------------------------------------


def form(body, purpose="booked", channel=NoticeChannel.SMS, subject=""):
    data = {
        "purpose": purpose,
        "channel": channel,
        "language": "zh-hans",
        "subject": subject,
        "body": body,
        "active": "on",
    }
    return MessageTemplateForm(data=data)


def test_the_form_accepts_the_purposes_placeholders():
    assert form("预约 {{ reference }}{% if url %}：{{ url }}{% endif %}").is_valid()
    digest = "{% for case in cases %}{{ forloop.counter }} {{ case.reference }}{% endfor %}"
    assert form(digest, "deadline_digest", NoticeChannel.EMAIL, "{{ window }}").is_valid()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("预约 {{ token }}", "未知的占位符：token"),
        ("{{ reference.upper }}", "未知的占位符：reference.upper"),
        ("{% if secret %}x{% endif %}", "未知的占位符：secret"),
        ("{{ reference|default:password }}", "未知的占位符：password"),
        ("预约 {{ reference ", "模板语法有误"),
        ("{% if reference %}预约", "模板语法有误"),
        ("{% load static %}", "不能使用 {% load %}"),
        ('{% include "base.html" %}', "不能使用 {% include %}"),
        ('{% extends "base.html" %}', "不能使用 {% extends %}"),
        ("{% debug %}", "不能使用 {% debug %}"),
        ('{{ reference|ljust:"99999999" }}', "不能使用过滤器 ljust"),
        ("{% if reference|safe %}x{% endif %}", "不能使用过滤器 safe"),
    ],
)
def test_the_form_refuses_what_the_purpose_cannot_render(body, message):
    refused = form(body)
    assert not refused.is_valid()
    with translation.override("zh-hans"):
        assert message in " ".join(refused.errors["body"])


def test_a_loop_item_offers_only_its_keys():
    refused = form("{% for c in cases %}{{ c.phone }}{% endfor %}", "deadline_digest", "email", "x")
    assert "c.phone" in " ".join(refused.errors["body"])


def test_an_email_needs_a_subject_and_a_purpose_its_channel():
    assert "subject" in form("{{ reference }}", channel=NoticeChannel.EMAIL).errors
    assert "channel" in form("{{ reference }}", purpose="booking_link", channel="email").errors


# The admin pages -----------------------------------------------------------------------------


@pytest.fixture
def bureau_client(client):
    user = UserFactory(username="bureau", is_staff=True)
    user.groups.add(ensure_bureau_group())
    client.force_login(user)
    client.user = user
    return client


def test_the_bureau_adds_an_override_and_sees_its_preview(bureau_client):
    data = {
        "purpose": "remind",
        "channel": "sms",
        "language": "zh-hans",
        "subject": "",
        "body": "明天见：{{ reference }}，{{ time }}",
        "active": "on",
    }
    response = bureau_client.post(f"{ADMIN}add/", data)
    assert response.status_code == 302
    text = MessageTemplate.objects.get()
    assert text.updated_by == bureau_client.user
    page = bureau_client.get(f"{ADMIN}{text.pk}/change/").content.decode()
    # The preview, with samples and the signature, and how many SMS it takes.
    assert f"{SIGNATURE}明天见：YY26A7K3Q2，2026-09-30 14:00–14:30" in page
    assert "共49个字：计1条短信（最多2条）。" in page
    assert "{{ window_phone }}" in page  # the placeholders it may use
    assert "预约提醒：{{ when }}" in page  # the file it replaces


def test_the_bureau_edits_and_deactivates_an_override(bureau_client):
    text = override(body="旧文本 {{ reference }}")
    data = {"subject": "", "body": "新文本 {{ reference }} {{ url }}"}  # active left unticked
    response = bureau_client.post(f"{ADMIN}{text.pk}/change/", data)
    assert response.status_code == 302
    text.refresh_from_db()
    assert (text.body, text.active, text.purpose) == (data["body"], False, "booked")
    assert texts.source("booked", "sms", "zh-hans") == texts.file_source("booked", "sms", "zh-hans")


def test_the_admin_shows_the_error_in_chinese(bureau_client):
    data = {"purpose": "booked", "channel": "sms", "language": "en", "body": "{{ nope }}"}
    page = bureau_client.post(f"{ADMIN}add/", data).content.decode()
    assert "未知的占位符：nope" in page
    assert not MessageTemplate.objects.exists()


def test_adding_starts_from_the_file(bureau_client):
    page = bureau_client.get(f"{ADMIN}add/?purpose=cancelled&channel=email&language=en")
    assert "Booking cancelled: {{ reference }}" in page.content.decode()


def test_window_staff_cannot_reach_the_texts(client, window):
    clerk = StaffMembershipFactory(window=window).user
    clerk.is_staff = True  # even with admin access and every permission of the model
    clerk.save()
    clerk.user_permissions.add(
        *ensure_bureau_group().permissions.filter(codename__endswith="messagetemplate")
    )
    client.force_login(clerk)
    assert client.get(ADMIN).status_code == 403
    assert client.post(f"{ADMIN}add/", {"body": "x"}).status_code == 403


def test_a_superuser_can_edit_the_texts(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    assert client.get(ADMIN).status_code == 200


def test_anonymous_visitors_are_sent_to_log_in(client):
    assert client.get(ADMIN).status_code == 302
