"""English versions of what people read: the guide, material notes, window addresses, and the
notes the system writes on a case. Each shows in English when the page is English and an English
version is given, and falls back to the Chinese otherwise; the bureau edits them in the admin and
in the spreadsheets; system notes are written out in the reader's language."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import translation

from appointments import cases, services
from appointments.constants import Channel, Status
from appointments.models import CaseEvent
from catalog.resources import MaterialResource, ServiceItemResource
from ipservice.localization import in_current_language
from tests.appointments.factories import CaseFactory, person
from tests.catalog.factories import MaterialFactory, ServiceItemFactory
from tests.windows.factories import ServicePointFactory, StaffMembershipFactory
from windows.resources import ServicePointResource

SHANGHAI = ZoneInfo("Asia/Shanghai")
THURSDAY = dt.datetime(2026, 9, 24, 10, 0, tzinfo=SHANGHAI)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def item():
    item = ServiceItemFactory(
        code="PAT-01",
        name="专利申请",
        name_en="Patent application",
        guide="携带材料到窗口办理。",
        guide_en="Bring the materials to the window.",
    )
    MaterialFactory(
        item=item,
        name="营业执照副本",
        name_en="Copy of the business licence",
        note="加盖公章",
        note_en="With the company seal",
        tolerable=True,
    )
    MaterialFactory(item=item, name="申请书", note="一式两份")  # no English note
    return item


@pytest.fixture
def window(item):
    window = ServicePointFactory(
        name="徐汇区知识产权窗口",
        name_en="Xuhui IP Window",
        address="上海市徐汇区漕溪北路1号",
        address_en="1 Caoxi North Road, Xuhui District",
    )
    window.items.add(item)
    return window


def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


# The one helper ---------------------------------------------------------------------------------


def test_the_text_in_the_current_language_falls_back_to_chinese(item, window):
    material = item.materials.get(name="申请书")
    with translation.override("en"):
        assert in_current_language(item, "guide") == "Bring the materials to the window."
        assert window.display_address == "1 Caoxi North Road, Xuhui District"
        assert material.display_note == "一式两份"  # no English version: the Chinese
    with translation.override("zh-hans"):
        assert item.display_guide == "携带材料到窗口办理。"
        assert window.display_address == "上海市徐汇区漕溪北路1号"


# Pages ------------------------------------------------------------------------------------------


def test_the_item_page_in_english(client, settings, item, window):
    page = english(client, settings).get(item.get_absolute_url()).content.decode()
    assert "Bring the materials to the window." in page and "携带材料到窗口办理" not in page
    assert "With the company seal" in page and "加盖公章" not in page
    assert "一式两份" in page  # no English note given
    assert "1 Caoxi North Road, Xuhui District" in page


def test_the_item_page_in_chinese(client, item, window):
    page = client.get(item.get_absolute_url()).content.decode()
    assert "携带材料到窗口办理。" in page and "加盖公章" in page
    assert "上海市徐汇区漕溪北路1号" in page and "Caoxi" not in page


def test_the_checklist_and_the_window_page_in_english(client, settings, item, window):
    client = english(client, settings)
    checklist = client.get(reverse("catalog:checklist", args=[item.code])).content.decode()
    assert "With the company seal" in checklist
    assert "1 Caoxi North Road, Xuhui District" in checklist
    detail = client.get(window.get_absolute_url()).content.decode()
    assert "1 Caoxi North Road, Xuhui District" in detail


def test_an_english_booking_is_told_the_english_address(
    item, window, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(THURSDAY, tick=False)
    start = dt.datetime(2026, 9, 29, 9, 0, tzinfo=SHANGHAI)
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        services.book(
            window=window, item=item, start=start, **{**person(1), "email": "li@example.com"}
        )
    [message] = mail.outbox
    assert "1 Caoxi North Road, Xuhui District" in message.body
    assert "漕溪北路" not in message.body


# System-written case notes ----------------------------------------------------------------------


@pytest.fixture
def clerk(window):
    return StaffMembershipFactory(window=window).user


def test_a_commitment_note_is_read_in_the_readers_language(item, window, clerk):
    case = CaseFactory(window=window, item=item, status=Status.CHECKED_IN)
    with time_machine.travel(THURSDAY, tick=False):
        cases.accept_pending(
            case, clerk, [item.materials.get(tolerable=True).pk], dt.date(2026, 10, 9)
        )
    event = CaseEvent.objects.get(case=case)
    assert event.note == ""  # nothing frozen in the writer's language
    with translation.override("en"):
        assert event.display_note == (
            "Missing: Copy of the business licence; to be brought by 2026-10-09"
        )
    with translation.override("zh-hans"):
        assert event.display_note == "容缺材料：营业执照副本；补交截止日期：2026-10-09"


def test_the_case_page_shows_system_notes_in_english(client, settings, item, window, clerk):
    case = CaseFactory(window=window, item=item, status=Status.CHECKED_IN)
    with time_machine.travel(THURSDAY, tick=False):
        case = cases.accept_pending(
            case, clerk, [item.materials.get(tolerable=True).pk], dt.date(2026, 10, 9)
        )
        case = cases.accept(case, clerk)
    client.force_login(clerk)
    url = reverse("appointments:case_detail", args=[case.pk])
    page = english(client, settings).get(url).content.decode()
    assert "Missing: Copy of the business licence; to be brought by 2026-10-09" in page
    assert "The missing materials came." in page
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    page = client.get(url).content.decode()
    assert "所缺材料已补齐。" in page and "容缺材料：营业执照副本" in page


def test_a_walk_ins_channel_and_a_no_show_in_both_languages(item, window, clerk):
    with time_machine.travel(THURSDAY, tick=False):
        walk_in = cases.create_walk_in(
            window=window, item=item, channel=Channel.MAIL, actor=clerk, **person(2)
        )
    created = CaseEvent.objects.get(case=walk_in)
    start = dt.datetime(2026, 9, 29, 9, 0, tzinfo=SHANGHAI)
    with time_machine.travel(THURSDAY, tick=False), translation.override("en"):
        booked = services.book(window=window, item=item, start=start, **person(3))
    with time_machine.travel(start + dt.timedelta(hours=2), tick=False):
        assert services.mark_no_shows() == 1
    no_show = CaseEvent.objects.filter(case=booked).last()
    with translation.override("en"):
        assert created.display_note == str(Channel.MAIL.label)
        assert no_show.display_note == "Not checked in by the end of the slot."
    with translation.override("zh-hans"):
        assert created.display_note == str(Channel.MAIL.label)
        assert no_show.display_note == "预约时段结束前未签到。"


def test_a_clerks_own_words_stay_as_written(item, window, clerk):
    case = CaseFactory(window=window, item=item, status=Status.CHECKED_IN)
    cases.reject(case, clerk, "缺少申请书")
    with translation.override("en"):
        assert CaseEvent.objects.get(case=case).display_note == "缺少申请书"


# Admin and spreadsheets -------------------------------------------------------------------------


def test_the_admin_edits_the_english_versions(admin_client, item, window):
    page = admin_client.get(reverse("admin:catalog_serviceitem_change", args=[item.pk]))
    html = page.content.decode()
    assert 'name="guide_en"' in html and 'name="materials-0-note_en"' in html
    page = admin_client.get(reverse("admin:windows_servicepoint_change", args=[window.pk]))
    assert 'name="address_en"' in page.content.decode()


def test_the_spreadsheets_carry_the_english_versions(item, window):
    items = ServiceItemResource().export()
    materials = MaterialResource().export()
    points = ServicePointResource().export()
    assert "Bring the materials to the window." in items.csv
    assert "With the company seal" in materials.csv
    assert "1 Caoxi North Road, Xuhui District" in points.csv
