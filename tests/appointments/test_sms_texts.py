"""Every SMS: the portal's signature in 【】, the person's language, and a length budget.

Each SMS text (the files of templates/messages/, both languages) is rendered with realistic values:
the longest window and item names of the demo data, real private links under a realistic public
address. The signature is Chinese, so each SMS is UCS-2: 70 characters a segment, 67 a part of a
longer one. A text without a link fits one segment; one with a link (some 85 characters alone)
two. The messages a person receives are written in the language they booked or reported in,
whoever sends them (their own request, a clerk, a task).
"""

import datetime as dt
import re

import pytest
from django.conf import settings
from django.utils import translation

from applications.models import Application
from applications.services import status_url as application_link
from appointments import cases, notices, services, tasks, texts
from appointments.admin import MessageTemplateForm
from appointments.constants import NoticeChannel
from appointments.models import Case, SmsOutbox
from hall.models import Ticket
from hall.waiting import status_url as ticket_link
from reviews.services.complaints import complaint_lookup_link, submit_complaint
from reviews.services.ratings import rating_link
from tests.appointments.factories import person
from tests.catalog.factories import ServiceItemFactory
from tests.windows.factories import ServicePointFactory, StaffMembershipFactory

CST = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 9, 29, 10, 0, tzinfo=CST)
START = dt.datetime(2026, 9, 30, 14, 0, tzinfo=CST)
BASE = "https://ip.example.gov.cn"
CJK = re.compile(r"[\u4e00-\u9fff]")
SIGNATURE = "【上海知识产权公共服务】"

SMS_TEXTS = [p.name for p in texts.PURPOSES.values() if NoticeChannel.SMS in p.channels]
LANGUAGES = [code for code, _name in settings.LANGUAGES]

# References as appointments/references.py draws them: prefix, yymmdd, four characters.
BOOKING, REPORT = "YY260930K7QD", "TS260929C9N5"
APPLICATION, ONLINE_CASE = "WB260921K7QD", "WS260922M4PQ"

# The longest names of the demo data (windows/demo.py, catalog/demo.py), in both languages,
# and what a clerk writes (a reason) or a case misses (its tolerable material).
LONGEST = {
    "zh-hans": {
        "window": "浦东新区政务服务中心知识产权公共服务窗口",
        "item": "上海市重点商标保护名录申请",
        "address": "上海市浦东新区合欢路201号",
        "reply": "已协调窗口，请于下周一上午携带身份证原件前往办理。",
        "materials": "授权委托书",
        "reasons": [
            {"material": "身份证明", "reason": "复印件不清晰"},
            {"material": "授权委托书", "reason": "缺少委托人签字"},
        ],
        "reason": "不属于本窗口受理范围，请向国家知识产权局专利局上海代办处提交。",
    },
    "en": {
        "window": "Chongming District Government Service Center IP Public Service Window",
        "item": "Shanghai key trademark protection list application",
        "address": "201 Hehuan Road, Pudong New Area, Shanghai",
        "reply": "Please come on Monday morning with your ID card.",
        "materials": "Power of attorney",
        "reasons": [
            {"material": "Proof of identity", "reason": "The copy is not legible"},
            {"material": "Power of attorney", "reason": "Not signed"},
        ],
        "reason": "Not handled at this window: please apply to the CNIPA Shanghai office.",
    },
}


# The database for every test: rendering asks for the bureau's overrides (none here) unless an
# earlier test left them in the cache.
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def public_address(settings):
    settings.PORTAL_BASE_URL = BASE


def realistic_facts(language):
    case = Case(reference=BOOKING)
    names = LONGEST[language]
    with translation.override(language):
        when = notices.short_time(START)
    return {
        **names,
        "reference": case.reference,
        "window_phone": "021-64870000",
        "time": "2026-09-30 14:00–14:30",
        "when": when,
        "url": services.manage_url(case),
        "link": services.manage_url(case),
        "portal": f"{BASE}/",
        "code": "493817",
        "minutes": 5,
        "due": "2026-10-16",
        "bookings": [
            {
                "reference": case.reference,
                "time": "2026-09-30 14:00",
                "link": services.manage_url(case),
            }
        ],
        "number": "A012",
        "ahead": settings.HALL_NOTIFY_AHEAD,
        "case_reference": ONLINE_CASE,
        "courier": "中国邮政EMS",  # as the clerk writes it, whatever the person's language
        "tracking": "EA123456789CN",
    }


def links_of(purpose, language):
    facts = realistic_facts(language)
    if purpose == "review_invite":
        facts["link"] = rating_link(Case(reference=BOOKING))
    if purpose == "complaint_received":
        facts["link"] = complaint_lookup_link()
        facts["reference"] = REPORT
    if purpose == "queue_near":  # a hall that has issued a million tickets
        ticket = Ticket(pk=1_234_567, issued_at=START)
        facts["url"] = ticket_link(ticket)
    if purpose.startswith("application_"):
        facts["reference"] = APPLICATION
        facts["link"] = application_link(Application(reference=APPLICATION))
    return facts


def values_of(facts):
    """Every value a text may show: those of the lists' items too."""
    for value in facts.values():
        if isinstance(value, list):
            for item in value:
                yield from values_of(item)
        else:
            yield value


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("purpose", SMS_TEXTS)
def test_each_sms_is_signed_and_fits_its_budget(purpose, language):
    facts = links_of(purpose, language)
    body = texts.render(purpose, NoticeChannel.SMS, facts, language=language).body
    assert body.startswith(SIGNATURE) and body.count("【") == 1
    budget = texts.PURPOSES[purpose].sms_segments
    assert texts.sms_segments(body) <= budget, (len(body), body)
    links = [value for value in values_of(facts) if str(value).startswith("http")]
    if not any(link in body for link in links) and purpose != "complaint_closed":
        assert len(body) <= texts.SMS_SEGMENT, body  # no link (nor the bureau's reply): one
    # Written in the language: the English text around the values has no Chinese.
    words = body.removeprefix(SIGNATURE)
    for value in sorted(map(str, values_of(facts)), key=len, reverse=True):
        words = words.replace(value, "")
    assert bool(CJK.search(words)) == (language == "zh-hans"), words


def test_segments_are_counted_as_ucs2():
    assert texts.sms_segments("字" * 70) == 1
    assert texts.sms_segments("字" * 71) == 2
    assert texts.sms_segments("字" * 134) == 2
    assert texts.sms_segments("字" * 135) == 3


def test_the_signature_is_a_setting(settings):
    settings.SMS_SIGNATURE = "上海市知识产权局"
    body = texts.render("phone_code", NoticeChannel.SMS, {"code": "1", "minutes": 5}).body
    assert body.startswith("【上海市知识产权局】验证码1，")


def test_the_bureaus_text_leaves_the_signature_out():
    form = MessageTemplateForm(
        data={
            "purpose": "phone_code",
            "channel": NoticeChannel.SMS,
            "language": "zh-hans",
            "body": "【上海知识产权公共服务】验证码{{ code }}",
            "active": True,
        }
    )
    assert not form.is_valid()
    assert "短信签名" in str(form.errors["body"])


# In the person's language ---------------------------------------------------------------------


@pytest.fixture
def window(db):
    window = ServicePointFactory(
        name="徐汇区知识产权窗口",
        name_en="Xuhui IP Window",
        address="上海市徐汇区漕溪北路1号",
    )
    window.items.add(ServiceItemFactory(code="PAT-01", name="专利申请", name_en="Patent filing"))
    return window


def book(window, commit, seq=1):
    with commit(execute=True):
        return services.book(window=window, item=window.items.get(), start=START, **person(seq))


def sms_to(case):
    return list(
        SmsOutbox.objects.filter(phone=case.phone).order_by("id").values_list("body", flat=True)
    )


def test_a_booking_made_in_english_is_confirmed_and_reminded_in_english(
    window, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(NOW, tick=False)
    with translation.override("en"):
        english = book(window, django_capture_on_commit_callbacks, seq=1)
    chinese = book(window, django_capture_on_commit_callbacks, seq=2)
    assert (english.language, chinese.language) == ("en", "zh-hans")
    # The confirmation: the signature, the time and the manage link (no letter).
    link = services.manage_url(english)
    assert sms_to(english) == [f"{SIGNATURE}Booked 30 Sep 14:00. Details: {link}"]
    assert sms_to(chinese) == [
        f"{SIGNATURE}预约成功：9月30日 14:00。查看地点、改期或取消：{services.manage_url(chinese)}"
    ]
    # The reminder goes from a task, with no request: still each person's language.
    with django_capture_on_commit_callbacks(execute=True):
        tasks.send_reminders()
    assert sms_to(english)[-1] == f"{SIGNATURE}Reminder: 30 Sep 14:00. Details: {link}"
    assert sms_to(chinese)[-1].startswith(f"{SIGNATURE}预约提醒：9月30日 14:00，")


def test_a_clerk_working_in_chinese_invites_an_english_speaker_in_english(
    window, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(NOW, tick=False)
    with translation.override("en"):
        case = book(window, django_capture_on_commit_callbacks)
    clerk = StaffMembershipFactory(window=window).user
    time_machine.move_to(START, tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        case = cases.complete(cases.accept(cases.check_in(case, clerk), clerk), clerk)
    invitation = sms_to(case)[-1]
    assert invitation.startswith(f"{SIGNATURE}Done: {case.reference}. Rate us honestly: ")


def test_a_report_made_in_english_is_answered_in_english(django_capture_on_commit_callbacks):
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        complaint = submit_complaint(
            name="Li Lei",
            phone="13800138000",
            matter="Could not file",
            description="The window was closed.",
        )
    assert complaint.language == "en"
    body = SmsOutbox.objects.get(phone="13800138000").body
    assert body.startswith(f"{SIGNATURE}Report {complaint.reference} received; reply by ")
