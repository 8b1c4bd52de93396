"""Citizens never read the portal's internal codes (issue 11): item codes such as
`patent-application` or `cannot-be-done`, status or category values such as `no_show`. Every
citizen page is rendered with the demo data (its real codes), in Chinese and in English, and its
visible text (tags, scripts, styles and addresses removed) must hold no slug-like word; the SMS a
booking sends is checked the same way."""

import datetime as dt
import html
import io
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils.http import urlencode

from appointments import services
from appointments.constants import Status
from appointments.models import SmsOutbox
from catalog.models import ServiceItem
from reviews.constants import ComplaintStatus
from reviews.models import Complaint, Rating
from tests.appointments.factories import person
from tests.reviews.factories import ComplaintFactory, CompletedCaseFactory
from windows.models import ServicePoint

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)  # Monday, a working day
# A word of lower-case letters and digits joined by - or _: how codes and choice values look.
SLUG = re.compile(r"(?<![\w.-])(?=[\w-]*[a-z])[a-z0-9]+(?:[-_][a-z0-9]+)+(?![\w-])")


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def demo(tmp_path, settings):
    settings.PHONE_VERIFICATION = False
    with time_machine.travel(NOW, tick=False):
        accounts = str(tmp_path / "accounts.txt")
        call_command("seed_demo", accounts_file=accounts, stdout=io.StringIO())
        yield


def visible_text(page):
    """What a person reads: the body without tags, scripts, styles and web addresses."""
    body = re.search(r"<body.*</body>", page, re.S).group(0)
    body = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", body, flags=re.S)
    body = re.sub(r"<[^>]+>", " ", body)
    return re.sub(r"https?://\S+", " ", html.unescape(body))


# English words written with a hyphen that the pattern would take for codes.
ENGLISH_WORDS = {"city-level", "district-level", "park-level"}


def codes_in(text):
    return sorted(set(SLUG.findall(text)) - ENGLISH_WORDS)


def citizen_pages(client):
    """(url, response) of every page a citizen opens, following the private links."""
    item = ServiceItem.objects.get(code="patent-application")
    window = ServicePoint.objects.filter(items=item, active=True).first()
    pages = [
        "/",
        "/catalog/",
        "/catalog/?q=专利",
        f"/catalog/{item.code}/",
        f"/catalog/{item.code}/checklist/",
        "/catalog/cannot-be-done/",
        "/windows/",
        f"/windows/{window.pk}/",
        "/windows/network/",
        "/book/",
        f"/book/?item={item.code}",
        f"/book/?item={item.code}&window={window.pk}",
        "/booking/lookup/",
        "/complaints/new/",
        "/complaints/lookup/",
    ]
    for url in pages:
        yield url, client.get(url)
    start = dt.datetime(2026, 11, 24, 9, 0, tzinfo=SHANGHAI)
    booking = services.book(window=window, item=item, start=start, **person(1))
    token = services.booking_token(booking)
    for name in ("done", "manage", "cancel", "reschedule"):
        url = reverse(f"appointments:{name}", args=[booking.reference])
        yield url, client.get(f"{url}?{urlencode({'token': token})}", follow=True)
    services.cancel(booking)
    url = reverse("appointments:manage", args=[booking.reference])
    yield f"{url} (cancelled)", client.get(url)
    done = CompletedCaseFactory(window=window, item=item, **person(2))
    url = reverse("reviews:rate", args=[done.reference])
    rating_link = f"{url}?{urlencode({'token': services.booking_token(done)})}"
    yield url, client.get(rating_link, follow=True)
    rated = {"score": "2", "tags": [], "comment": "等了很久"}
    yield f"{url} (rated)", client.post(url, rated, follow=True)
    complaint_form = {
        "name": "李四",
        "phone": "13912345679",
        "matter": "专利实施许可合同备案",
        "window": window.pk,
        "item": ServiceItem.objects.get(code="cannot-be-done").pk,
        "description": "跑了三次没办成。",
    }
    yield "/complaints/new/ (sent)", client.post("/complaints/new/", complaint_form, follow=True)
    complaint = ComplaintFactory(
        window=window, item=item, phone="13912345678", status=ComplaintStatus.IN_PROGRESS
    )
    lookup = {"reference": complaint.reference, "phone": "13912345678"}
    yield "/complaints/lookup/ (found)", client.post("/complaints/lookup/", lookup)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_no_code_on_any_citizen_page(client, demo, settings, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    with time_machine.travel(NOW, tick=False):
        found = {}
        for url, response in citizen_pages(client):
            assert response.status_code == 200, url
            codes = codes_in(visible_text(response.content.decode()))
            if codes:
                found[url] = codes
    # The pages after a rating and after a complaint were reached, not a form's errors.
    assert Rating.objects.count() == 1
    assert Complaint.objects.filter(matter="专利实施许可合同备案", phone="13912345679").exists()
    assert not found, "\n".join(f"{url}: {', '.join(codes)}" for url, codes in found.items())


def test_no_code_in_the_booking_sms(demo, django_capture_on_commit_callbacks):
    item = ServiceItem.objects.get(code="patent-application")
    window = ServicePoint.objects.filter(items=item, active=True).first()
    with (
        time_machine.travel(NOW, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        booking = services.book(
            window=window,
            item=item,
            start=dt.datetime(2026, 11, 24, 9, 0, tzinfo=SHANGHAI),
            **person(1),
        )
    texts = [re.sub(r"https?://\S+", " ", sms.body) for sms in SmsOutbox.objects.all()]
    assert texts and booking.status == Status.BOOKED
    assert [codes_in(text) for text in texts] == [[] for _text in texts]


def test_the_pattern_finds_codes():
    found = codes_in("事项编码 patent-application，状态 no_show")
    assert found == ["no_show", "patent-application"]
    assert codes_in("预约号 B20261123ABCD，2026-11-24 09:00") == []
