"""The citizen booking pages, step by step, through the Django test client.

Time is frozen on Monday 2026-11-23 10:00 in Shanghai, a working day with no holiday in the
next two weeks; the holiday tests travel to the Mid-Autumn/National Day period of 2026.
"""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext, pgettext
from rest_framework.test import APIClient

from appointments import services, slots
from appointments.constants import Channel, Status
from appointments.models import Case, Notice, Slot, SmsOutbox
from tests.appointments.factories import person, phone_code
from tests.catalog.factories import CategoryFactory, MaterialFactory, ServiceItemFactory
from tests.windows.factories import DistrictFactory, ServicePointFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)  # Monday, a working day
TOMORROW = dt.date(2026, 11, 24)
START = dt.datetime(2026, 11, 24, 9, 0, tzinfo=SHANGHAI)
LATER = dt.datetime(2026, 11, 25, 14, 0, tzinfo=SHANGHAI)


# Rate-limit counters live in the cache; each test starts with none.
pytestmark = pytest.mark.usefixtures("empty_cache")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def materials(item):
    return [
        MaterialFactory(item=item, name="专利申请请求书", name_en="Patent request form"),
        MaterialFactory(item=item, name="身份证明文件", name_en="Identity document"),
    ]


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def translated(message, language, context=None):
    with translation.override(language):
        return pgettext(context, message) if context else gettext(message)


def book_url(**params):
    return f"{reverse('appointments:book')}?{urlencode(params)}"


def choice(window, item, start=START):
    return {
        "item": item.code,
        "window": window.pk,
        "date": start.date().isoformat(),
        "start": start.isoformat(),
    }


def form_data(seq=1, **changes):
    data = {**person(seq), "email": ""}
    data["phone_code"] = phone_code(data["phone"])
    data.update(changes)
    return data


def book_through_pages(client, window, item, start=START, seq=1):
    """Steps 5 and 6 as a browser does them; returns the response to the booking POST."""
    params = choice(window, item, start)
    response = client.post(book_url(**params), form_data(seq))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response.url.startswith(reverse("appointments:confirm"))
    return client.post(reverse("appointments:confirm"), params)


def book_directly(window, item, start=START, seq=1):
    return services.book(window=window, item=item, start=start, **person(seq))


def token_url(name, case, token=None):
    """A page of the booking as a link carries it (the link in the SMS)."""
    token = services.booking_token(case) if token is None else token
    return f"{page_url(name, case)}?{urlencode({'token': token})}"


def page_url(name, case):
    """A page of the booking as the portal shows it: no token (the cookie opens it)."""
    return reverse(f"appointments:{name}", args=[case.reference])


def open_link(client, case, name="manage"):
    """Opens the booking's link as a browser does: the token is exchanged for the cookie."""
    response = client.get(token_url(name, case))
    assert response.status_code == 303 and response.url == page_url(name, case)
    return response


# Each step, in Chinese and in English -------------------------------------------------------


STEP_HEADINGS = {
    "item": "Choose a service item",
    "window": "Choose a window",
    "date": "Choose a day",
    "slot": "Choose a time",
    "details": "Your details",
}

STEP_LABELS = [
    ("item", "Item"),
    ("window", "Window"),
    ("date", "Date"),
    ("slot", "Time"),
    ("details", "Details"),
]


def step_params(name, window, item):
    params = choice(window, item)
    keys = {"item": [], "window": ["item"], "date": ["item", "window"]}
    keys["slot"] = [*keys["date"], "date"]
    keys["details"] = [*keys["slot"], "start"]
    return {key: params[key] for key in keys[name]}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("step", list(STEP_HEADINGS))
def test_each_step_renders_in_both_languages(client, window_a, item, step, language):
    if language == "en":
        english(client)
    response = client.get(book_url(**step_params(step, window_a, item)))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'lang="{"en" if language == "en" else "zh-Hans"}"' in html
    assert f"<h1>{translated(STEP_HEADINGS[step], language)}</h1>" in html
    # The step indicator: six steps, the current one marked for assistive technology.
    current = re.search(r'<li class="is-current" aria-current="step">(.*?)</li>', html, re.S)
    assert current and translated(
        dict(STEP_LABELS)[step], language, "booking step"
    ) in current.group(1)
    assert html.count('class="step-number"') == 6
    # Data is shown in the active language too.
    if step != "item":
        assert (item.name_en if language == "en" else item.name) in html


def test_item_step_groups_published_items_by_category(client, window_a, item):
    other = ServiceItemFactory(category=CategoryFactory(code="manage", name="管理服务", order=2))
    window_a.items.add(other)
    unpublished = ServiceItemFactory(category=item.category, active=False)
    window_a.items.add(unpublished)
    not_offered = ServiceItemFactory(category=item.category)
    html = client.get(reverse("appointments:book")).content.decode()
    assert item.category.name in html and "管理服务" in html
    assert html.index(item.category.name) < html.index(item.name) < html.index("管理服务")
    assert f"?item={other.code}" in html
    assert unpublished.name not in html
    assert not_offered.name not in html  # no window offers it: a dead end


def test_item_from_the_catalog_is_preselected(client, window_a, item):
    html = client.get(book_url(item=item.code)).content.decode()
    assert f"<h1>{translated('Choose a window', 'zh-hans')}</h1>" in html
    assert window_a.name in html


def test_unknown_item_goes_back_to_the_item_step_with_a_message(client, window_a, item):
    response = client.get(book_url(item="NO-SUCH-ITEM"))
    assert response.status_code == 200
    assert translated("Choose a service item", "zh-hans") in response.content.decode()
    assert response.context["error"]


def test_a_window_page_can_preset_the_window(client, window_a, window_b, item):
    elsewhere = ServiceItemFactory(category=item.category)
    window_b.items.add(elsewhere)
    html = client.get(book_url(window=window_a.pk)).content.decode()
    assert item.name in html and elsewhere.name not in html
    chosen = book_url(item=item.code, window=window_a.pk).replace("&", "&amp;")
    assert chosen in html  # choosing the item goes straight on to the day
    response = client.get(book_url(item=item.code, window=window_a.pk))
    assert f"<h1>{translated('Choose a day', 'zh-hans')}</h1>" in response.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {"item": "\x00"},
        {"window": "99999999999999999999999"},
        {"q": "专利\x00"},
        {"item": "x" * 300},
        {"item": "{item}", "window": "99999999999999999999999"},
        {"item": "{item}", "district": "\x00"},
        {"item": "{item}", "window": "{window}", "date": "2026-02-30"},
        {"item": "{item}", "window": "{window}", "date": "2026-11-24", "start": "9 o'clock"},
        {"item": "{item}", "window": "{window}", "date": "2026-11-24", "start": "2026-11-24T09:00"},
    ],
)
def test_malformed_parameters_lead_back_to_a_step_never_an_error(client, window_a, item, params):
    params = {k: v.format(item=item.code, window=window_a.pk) for k, v in params.items()}
    response = client.get(book_url(**params))
    assert response.status_code == 200


def test_an_unencoded_plus_in_the_start_still_works(client, window_a, item):
    url = book_url(item=item.code, window=window_a.pk, date="2026-11-24")
    response = client.get(f"{url}&start=2026-11-24T09:00:00+08:00")
    assert response.context["step"] == "details"


def test_window_step_groups_by_district_and_filters(client, item, window_a):
    huangpu = DistrictFactory(code="310101", name="黄浦区", name_en="Huangpu")
    other = ServicePointFactory(district=huangpu, name="黄浦区窗口")
    other.items.add(item)
    not_offering = ServicePointFactory(district=huangpu, name="不办此事项的窗口")
    html = client.get(book_url(item=item.code)).content.decode()
    assert "<h2>黄浦区</h2>" in html and "<h2>徐汇区</h2>" in html
    assert html.index("黄浦区窗口") < html.index(window_a.name)  # by district code
    assert not_offering.name not in html
    filtered = client.get(book_url(item=item.code, district="310104")).content.decode()
    assert window_a.name in filtered and "黄浦区窗口" not in filtered


def test_date_step_offers_working_days_within_the_horizon(client, window_a, item):
    response = client.get(book_url(item=item.code, window=window_a.pk))
    days = [d["date"] for d in response.context["days"]]
    # Today still has slots after the 60-minute cut-off (11:00 onwards), then 10 working days.
    assert days[0] == NOW.date() and days[1] == TOMORROW
    assert len(days) == 1 + window_a.horizon_days
    assert all(day.weekday() < 5 for day in days)  # no weekend in late November 2026
    html = response.content.decode()
    assert "星期二" in html  # weekday names (Django's own Chinese)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_holidays_are_not_offered_and_adjusted_working_days_are_marked(
    client, window_a, item, language
):
    if language == "en":
        english(client)
    # Thu 2026-09-24: Mid-Autumn (09-25) and National Day (10-01…10-07) are holidays;
    # Saturday 10-10 is an adjusted working day (调休).
    with time_machine.travel(dt.datetime(2026, 9, 24, 10, 0, tzinfo=SHANGHAI), tick=False):
        response = client.get(book_url(item=item.code, window=window_a.pk))
        days = [d["date"] for d in response.context["days"]]
        assert dt.date(2026, 9, 25) not in days
        assert not [d for d in days if dt.date(2026, 10, 1) <= d <= dt.date(2026, 10, 7)]
        assert dt.date(2026, 10, 10) in days
        html = response.content.decode()
        assert translated("Adjusted working day", language) in html
        # A holiday typed into the address is refused, back on the date step.
        holiday = client.get(
            book_url(item=item.code, window=window_a.pk, date="2026-10-01")
        ).content.decode()
    assert f"<h1>{translated('Choose a day', language)}</h1>" in holiday
    assert translated(
        "This day cannot be booked. Please choose one of the days below.", language
    ) in (holiday)


def test_slot_step_shows_places_left_and_full_slots_disabled(client, item):
    window = ServicePointFactory(counters=1, people_per_slot=2)
    window.items.add(item)
    book_directly(window, item, START, seq=1)
    book_directly(window, item, START, seq=2)
    book_directly(window, item, START + dt.timedelta(minutes=30), seq=3)
    params = {"item": item.code, "window": window.pk, "date": TOMORROW.isoformat()}
    html = client.get(book_url(**params)).content.decode()
    full = re.search(
        r'<span class="slot slot-full" aria-disabled="true">(.*?)</span></span>', html, re.S
    )
    assert full and "09:00–09:30" in full.group(1)
    assert translated("Fully booked", "zh-hans") in full.group(1)
    assert f"start={START.isoformat()}".replace("+", "%2B").replace(":", "%3A") not in html
    rows = {r["slot"].start: r["available"] for r in client.get(book_url(**params)).context["rows"]}
    assert rows[START] == 0 and rows[START + dt.timedelta(minutes=30)] == 1
    assert rows[START + dt.timedelta(hours=1)] == 2


def test_slots_today_respect_the_cut_off(client, window_a, item):
    params = {"item": item.code, "window": window_a.pk, "date": NOW.date().isoformat()}
    starts = [timezone_hm(r["slot"].start) for r in client.get(book_url(**params)).context["rows"]]
    # 10:00 now, 60 minutes' cut-off: 11:00 is the first; the lunch break has none.
    assert starts[0] == "11:00"
    assert "10:30" not in starts and "12:00" not in starts and "13:30" in starts


def timezone_hm(moment):
    return moment.astimezone(SHANGHAI).strftime("%H:%M")


# The whole flow -------------------------------------------------------------------------------


def test_full_flow_books_and_lands_on_the_confirmation_page(
    client, window_a, item, materials, django_capture_on_commit_callbacks
):
    # Step by step as a person clicks through.
    assert client.get(reverse("appointments:book")).status_code == 200
    assert client.get(book_url(item=item.code)).status_code == 200
    assert client.get(book_url(item=item.code, window=window_a.pk)).status_code == 200
    params = choice(window_a, item)
    html = client.get(book_url(item=item.code, window=window_a.pk, date="2026-11-24")).content
    assert book_url(**params).replace("&", "&amp;").encode() in html
    details = client.get(book_url(**params))
    assert details.status_code == 200 and 'name="id_number"' in details.content.decode()

    posted = client.post(book_url(**params), form_data(7))
    assert posted.status_code == 302
    assert "name=" not in posted.url and "id_number" not in posted.url  # no personal data in URLs
    summary = client.get(posted.url)
    assert summary.status_code == 200
    html = summary.content.decode()
    assert person(7)["id_number"] in html and window_a.address in html and "09:00–09:30" in html
    assert Case.objects.count() == 0  # nothing is booked before the person confirms

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("appointments:confirm"), params)
    case = Case.objects.get()
    assert case.status == Status.BOOKED and case.channel == Channel.BOOKING
    assert case.start == START and case.name == "张三" and case.phone == person(7)["phone"]
    assert Slot.objects.get(window=window_a, start=START).booked == 1
    assert response.status_code == 302
    # The token never travels in an address from this browser: the cookie opens the page.
    assert response.url == page_url("done", case) and "token" not in response.url
    assert response.cookies["booking_token"]["path"] == page_url("manage", case)

    done = client.get(response.url)
    html = done.content.decode()
    assert done.status_code == 200
    assert f'<p class="reference">{case.reference}</p>' in html
    assert f'src="{page_url("qr", case)}"' in html
    assert f'href="{page_url("ics", case)}"' in html
    assert f"http://testserver{token_url('manage', case)}" in html  # the private link to keep
    assert window_a.address in html and window_a.phone in html
    assert "专利申请请求书" in html and reverse("catalog:checklist", args=[item.code]) in html
    assert "138****" not in html and "139****" in html  # SMS sent to the masked number
    # The confirmation SMS went out through the outbox.
    assert SmsOutbox.objects.filter(phone=case.phone, body__contains=case.reference).exists()
    # The draft with the person's details is gone from the session.
    assert "booking_draft" not in client.session


def test_confirmation_page_in_english(client, window_a, item, materials):
    english(client)
    response = book_through_pages(client, window_a, item)
    html = client.get(response.url).content.decode()
    assert "<h1>Booking confirmed</h1>" in html
    assert "Patent request form" in html and item.name_en in html


def test_a_second_click_on_confirm_does_not_book_twice(client, window_a, item):
    first = book_through_pages(client, window_a, item)
    again = client.post(reverse("appointments:confirm"), choice(window_a, item))
    assert again.status_code == 302 and again.url == first.url
    assert Case.objects.count() == 1


def test_back_to_the_summary_after_booking_shows_the_booking(client, window_a, item):
    done = book_through_pages(client, window_a, item).url
    response = client.get(f"{reverse('appointments:confirm')}?{urlencode(choice(window_a, item))}")
    assert response.status_code == 302 and response.url == done


def test_confirm_needs_the_csrf_token(window_a, item):
    client = Client(enforce_csrf_checks=True)
    response = client.post(book_url(**choice(window_a, item)), form_data())
    assert response.status_code == 403


def test_confirm_without_details_goes_back_to_the_details_step(client, window_a, item):
    params = choice(window_a, item)
    response = client.post(reverse("appointments:confirm"), params)
    assert response.status_code == 302 and response.url == book_url(**params)
    assert Case.objects.count() == 0


# Validation at the field ----------------------------------------------------------------------


def test_bad_id_and_mobile_are_reported_at_the_field_and_input_is_kept(client, window_a, item):
    good = person(3)["id_number"]
    bad_id = good[:-1] + ("0" if good[-1] != "0" else "1")
    data = form_data(3, id_number=bad_id, phone="12345678901", name="王小明")
    response = client.post(book_url(**choice(window_a, item)), data)
    assert response.status_code == 200
    html = response.content.decode()
    form = response.context["form"]
    assert set(form.errors) == {"id_number", "phone"}
    with translation.override("zh-hans"):
        checksum = gettext(
            "This ID number is not valid (its last character does not match). Please check it."
        )
    assert re.search(
        r'<div class="field has-error">\s*<label for="id_id_number">.*?' + re.escape(checksum),
        html,
        re.S,
    )
    assert 'id="id_phone_error"' in html
    # What the person typed stays in the fields.
    assert f'value="{bad_id}"' in html and 'value="12345678901"' in html
    assert 'value="王小明"' in html
    assert Case.objects.count() == 0


def test_details_are_kept_when_going_back_from_the_summary(client, window_a, item):
    params = choice(window_a, item)
    client.post(book_url(**params), form_data(4))
    html = client.get(book_url(**params)).content.decode()
    assert f'value="{person(4)["id_number"]}"' in html


# Full slots and refusals ----------------------------------------------------------------------


def test_full_slot_sends_the_person_back_to_the_slot_step(client, item):
    window = ServicePointFactory(counters=1, people_per_slot=1)
    window.items.add(item)
    params = choice(window, item)
    client.post(book_url(**params), form_data(1))
    book_directly(window, item, START, seq=2)  # someone else takes the last place meanwhile
    response = client.post(reverse("appointments:confirm"), params, follow=True)
    slot_step = book_url(item=item.code, window=window.pk, date=TOMORROW.isoformat())
    assert response.redirect_chain[-1][0] == slot_step
    html = response.content.decode()
    assert translated("This time slot is full. Please choose another.", "zh-hans") in html
    assert f"<h1>{translated('Choose a time', 'zh-hans')}</h1>" in html
    assert Case.objects.count() == 1


def test_details_typed_while_the_slot_filled_are_kept(client, item):
    window = ServicePointFactory(counters=1, people_per_slot=1)
    window.items.add(item)
    params = choice(window, item)
    assert client.get(book_url(**params)).status_code == 200
    book_directly(window, item, START, seq=2)
    response = client.post(book_url(**params), form_data(1), follow=True)
    assert response.context["step"] == "slot"
    assert translated("This time slot is full. Please choose another.", "zh-hans") in (
        response.content.decode()
    )
    later = client.get(book_url(**choice(window, item, LATER))).content.decode()
    assert f'value="{person(1)["id_number"]}"' in later


def test_a_refusal_is_explained(client, window_a, item):
    # The same ID already booked this item for that day (one per item per day).
    book_directly(window_a, item, LATER.replace(day=24), seq=5)
    params = choice(window_a, item)
    client.post(book_url(**params), form_data(5))
    response = client.post(reverse("appointments:confirm"), params, follow=True)
    html = response.content.decode()
    refusal = "This ID document already has a booking for this service item on this day."
    assert translated(refusal, "zh-hans") in html
    assert Case.objects.count() == 1


def test_booking_posts_are_rate_limited(client, window_a, item, settings):
    settings.BOOKING_RATE_LIMIT = "1/m"
    book_through_pages(client, window_a, item, seq=1)
    response = book_through_pages(client, window_a, item, start=LATER, seq=2)
    assert response.status_code == 429
    assert Case.objects.count() == 1


def test_the_pages_and_the_api_share_the_booking_rate_limit(client, window_a, item, settings):
    settings.BOOKING_RATE_LIMIT = "1/m"
    # A booking request to the API from this address (refused for its body, counted all the
    # same), then the pages' booking from the same address: over the one limit.
    assert APIClient().post("/api/v1/appointments/", {}, format="json").status_code == 400
    response = book_through_pages(client, window_a, item, seq=1)
    assert response.status_code == 429
    assert not Case.objects.exists()


# The manage page ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["done", "manage", "ics", "qr", "cancel", "reschedule"])
def test_pages_of_a_booking_need_its_token(client, window_a, item, name):
    case = book_directly(window_a, item)
    url = page_url(name, case)
    assert client.get(url).status_code == 404  # no token, no cookie
    assert client.get(token_url(name, case, token="0" * 32)).status_code == 404
    # An unknown reference answers exactly like a wrong token.
    unknown = reverse(f"appointments:{name}", args=["YY261123ZZZZ"])
    assert client.get(f"{unknown}?token={'0' * 32}").status_code == 404
    # The right token opens the page, by way of the cookie.
    open_link(client, case, name)
    assert client.get(url).status_code == 200


def test_manage_page_masks_the_person_and_offers_changes(client, window_a, item):
    case = book_directly(window_a, item)
    html = client.get(token_url("manage", case), follow=True).content.decode()
    assert case.reference in html
    assert "张*" in html and case.phone not in html and case.id_number not in html
    assert case.phone[:3] + "****" + case.phone[-4:] in html
    assert f'href="{page_url("cancel", case)}"' in html
    assert f'href="{page_url("reschedule", case)}"' in html


def test_cancel_asks_first_then_frees_the_place(client, window_a, item):
    case = book_directly(window_a, item)
    ask = client.get(token_url("cancel", case), follow=True)
    assert ask.status_code == 200
    assert Case.objects.get().status == Status.BOOKED  # GET changes nothing
    assert 'method="post"' in ask.content.decode()
    assert 'name="token"' not in ask.content.decode()  # the cookie, not a hidden field

    # The form posts with the cookie the link was exchanged for.
    response = client.post(page_url("cancel", case), follow=True)
    case.refresh_from_db()
    assert case.status == Status.CANCELLED
    assert Slot.objects.get(pk=case.slot_id).booked == 0
    html = response.content.decode()
    assert translated("Cancelled", "zh-hans") in html
    # Cancelled: the status, without the buttons.
    assert f'href="{page_url("cancel", case)}"' not in html
    assert f'href="{page_url("reschedule", case)}"' not in html
    assert Notice.objects.filter(key__startswith=f"cancelled:{case.reference}").exists()


def test_cancel_needs_the_cookie_of_that_booking(client, window_a, item):
    case = book_directly(window_a, item)
    other = book_directly(window_a, item, LATER, seq=2)
    url = page_url("cancel", case)
    assert client.post(url, {"token": "0" * 32}).status_code == 404
    # The cookie of another booking opens that booking only.
    open_link(client, other)
    assert client.post(url).status_code == 404
    assert Case.objects.get(pk=case.pk).status == Status.BOOKED


def test_reschedule_moves_the_booking_and_frees_the_old_place(client, window_a, item):
    case = book_directly(window_a, item)
    days = client.get(token_url("reschedule", case), follow=True)
    assert LATER.date() in [d["date"] for d in days.context["days"]]
    day_url = f"{page_url('reschedule', case)}?date={LATER.date().isoformat()}"
    assert f'href="{day_url}"' in days.content.decode()
    times = client.get(day_url)
    html = times.content.decode()
    time_url = f"{page_url('reschedule', case)}?" + urlencode(
        {"date": LATER.date().isoformat(), "start": LATER.isoformat()}
    )
    assert f'href="{time_url.replace("&", "&amp;")}"' in html

    # Tapping a time asks first: old and new time side by side, nothing moved yet.
    english(client)
    confirm = client.get(time_url)
    page = confirm.content.decode()
    assert "Move your booking to this time?" in page
    assert "14:00" in page and "09:00" in page
    assert 'name="confirm"' in page
    assert Case.objects.get(pk=case.pk).start == START
    # A POST without the confirmation only asks again.
    again = client.post(
        page_url("reschedule", case), {"date": LATER.date().isoformat(), "start": LATER.isoformat()}
    )
    assert again.status_code == 200 and "Move your booking to this time?" in again.content.decode()
    assert Case.objects.get(pk=case.pk).start == START

    response = client.post(
        page_url("reschedule", case),
        {"date": LATER.date().isoformat(), "start": LATER.isoformat(), "confirm": "1"},
    )
    assert response.status_code == 302 and response.url == page_url("manage", case)
    case.refresh_from_db()
    assert case.start == LATER and case.status == Status.BOOKED
    assert Slot.objects.get(window=window_a, start=START).booked == 0
    assert Slot.objects.get(window=window_a, start=LATER).booked == 1


def test_reschedule_to_a_full_slot_is_refused(client, item):
    window = ServicePointFactory(counters=1, people_per_slot=1)
    window.items.add(item)
    case = book_directly(window, item, START, seq=1)
    book_directly(window, item, LATER, seq=2)
    open_link(client, case)
    response = client.post(
        page_url("reschedule", case), {"start": LATER.isoformat(), "confirm": "1"}, follow=True
    )
    assert translated("This time slot is full. Please choose another.", "zh-hans") in (
        response.content.decode()
    )
    case.refresh_from_db()
    assert case.start == START


def test_a_cancelled_booking_cannot_be_changed(client, window_a, item):
    case = services.cancel(book_directly(window_a, item))
    open_link(client, case)
    response = client.get(page_url("reschedule", case))
    assert response.status_code == 302 and response.url == page_url("manage", case)
    done = client.get(page_url("done", case))
    assert done.status_code == 302 and done.url == page_url("manage", case)


# Lookup ---------------------------------------------------------------------------------------


def test_lookup_sends_the_link_to_the_booking_phone_only(
    client, window_a, item, django_capture_on_commit_callbacks
):
    case = book_directly(window_a, item)
    url = reverse("appointments:lookup")
    assert client.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        wrong = client.post(url, {"reference": case.reference, "phone": "13700000000"}, follow=True)
        right = client.post(
            url, {"reference": case.reference.lower(), "phone": case.phone}, follow=True
        )
    # The same answer either way; only the booking's own number gets the link.
    assert wrong.content.decode().count("message-success") == 1
    assert right.content.decode().count("message-success") == 1
    sms = SmsOutbox.objects.get()
    assert sms.phone == case.phone and services.booking_token(case) in sms.body


def test_lookup_is_rate_limited(client, db, settings):
    settings.LOOKUP_RATE_LIMIT = "2/m"
    url = reverse("appointments:lookup")
    data = {"reference": "YY261123ABCD", "phone": "13800000000"}
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 429
    # By ID number: the same counter.
    by_id = {"id_number": "11010519491231002X", "phone": "13800000000"}
    assert client.post(url, by_id).status_code == 429


# Query counts ---------------------------------------------------------------------------------


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_window_step_queries_do_not_grow_with_windows(client, item, window_a):
    url = book_url(item=item.code)
    client.get(url)  # warm up: session, calendar cache
    few = count_queries(client, url)
    for n in range(5):
        district = DistrictFactory(code=f"31011{n}", name=f"区{n}")
        ServicePointFactory(district=district).items.add(item)
    # Queries: the item, the windows with their district, their opening hours, the districts
    # to filter by; the same with six windows as with one.
    assert few == 4
    assert count_queries(client, url) == few


def test_slot_step_queries_do_not_grow_with_slots(client, item):
    coarse = ServicePointFactory(slot_minutes=60)
    fine = ServicePointFactory(slot_minutes=10)
    counts = []
    for window in (coarse, fine):
        window.items.add(item)
        url = book_url(item=item.code, window=window.pk, date=TOMORROW.isoformat())
        client.get(url)  # the first visit creates the day's slot rows
        counts.append(count_queries(client, url))
    assert len(slots.day_slots(fine, TOMORROW)) > 3 * len(slots.day_slots(coarse, TOMORROW))
    # Queries: the item, the window, its opening hours, the day's slot rows (the calendar is
    # cached); the same for 6 slots as for 36.
    assert counts == [4, 4]


# Lookup by phone and ID number (issue 11) -----------------------------------------------------


def test_lookup_by_phone_and_id_number_sends_every_active_link(
    client, window_a, item, django_capture_on_commit_callbacks
):
    first = book_directly(window_a, item)
    second = services.book(window=window_a, item=item, start=LATER, **person(1))
    url = reverse("appointments:lookup")
    english(client)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {"phone": first.phone, "id_number": f" {first.id_number.lower()} "}, follow=True
        )
    assert response.content.decode().count("message-success") == 1
    sms = SmsOutbox.objects.get()
    assert sms.phone == first.phone
    for case in (first, second):
        assert case.reference in sms.body and services.booking_token(case) in sms.body
    # Signed first, and in the language the bookings were made in (Chinese), not the lookup's.
    assert sms.body.startswith("【") and "】您的有效预约" in sms.body


def test_lookup_by_id_number_gives_the_same_answer_when_nothing_matches(
    client, window_a, item, django_capture_on_commit_callbacks
):
    case = book_directly(window_a, item)
    url = reverse("appointments:lookup")
    with django_capture_on_commit_callbacks(execute=True):
        wrong_id = client.post(url, {"phone": case.phone, "id_number": "110105194912310029"})
        other_phone = client.post(url, {"phone": "13700000000", "id_number": case.id_number})
    assert wrong_id.status_code == other_phone.status_code == 302
    assert wrong_id.url == other_phone.url == url
    assert not SmsOutbox.objects.exists()
    # A cancelled booking has no link to send.
    services.cancel(case)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"phone": case.phone, "id_number": case.id_number})
    assert not SmsOutbox.objects.exists()


def test_lookup_by_id_number_keeps_to_the_sms_allowance(
    client, window_a, item, settings, django_capture_on_commit_callbacks
):
    settings.SMS_PER_PHONE_HOUR = 1  # the confirmation took it
    case = book_directly(window_a, item)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("appointments:lookup"), {"phone": case.phone, "id_number": case.id_number}
        )
    assert not Notice.objects.filter(template="booking_links").exists()


def test_lookup_needs_a_reference_or_an_id_number(client, db):
    english(client)
    response = client.post(reverse("appointments:lookup"), {"phone": ""})
    assert response.status_code == 200  # the form again, with what to change
    page = response.content.decode()
    assert 'class="error-summary"' in page
    assert 'href="#id_phone"' in page and "Enter your 11-digit mainland mobile number" in page
    assert 'href="#id_reference"' in page and "or the ID number used for the booking" in page
