"""The calendar file and the check-in QR code of a booking."""

import datetime as dt
import struct
import zlib
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils.http import urlencode
from icalendar import Calendar

from appointments import ics, qr, services
from tests.appointments.factories import person

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)  # Monday, a working day
START = dt.datetime(2026, 11, 24, 9, 0, tzinfo=SHANGHAI)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def booking(window_a, item):
    return services.book(window=window_a, item=item, start=START, **person(1))


def token_url(name, case):
    url = reverse(f"appointments:{name}", args=[case.reference])
    return f"{url}?{urlencode({'token': services.booking_token(case)})}"


def only_event(data):
    calendar = Calendar.from_ical(data)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return calendar, events[0]


# Calendar file -----------------------------------------------------------------------------


def test_ics_has_the_appointment_in_shanghai_time(booking, window_a, item, settings):
    settings.PORTAL_BASE_URL = "https://ip.example.gov.cn"
    calendar, event = only_event(ics.booking_calendar(booking))
    start, end = event.decoded("dtstart"), event.decoded("dtend")
    assert start == START and end == START + dt.timedelta(minutes=window_a.slot_minutes)
    assert str(start.tzinfo) == "Asia/Shanghai" and start.hour == 9
    assert "TZID=Asia/Shanghai:20261124T090000" in ics.booking_calendar(booking).decode()
    assert str(event["uid"]) == f"{booking.reference}@ip.example.gov.cn"
    assert str(event["location"]) == window_a.address
    assert item.name in str(event["summary"]) and window_a.name in str(event["summary"])
    assert booking.reference in str(event["description"])
    # The time zone is described in the file, so any calendar shows 09:00 in Shanghai.
    assert [tz["tzid"] for tz in calendar.walk("VTIMEZONE")] == ["Asia/Shanghai"]


def test_ics_has_no_personal_data(booking):
    text = ics.booking_calendar(booking).decode()
    for secret in (booking.name, booking.phone, booking.id_number):
        assert secret not in text


def test_ics_carries_the_manage_link_and_reminders(booking):
    _calendar, event = only_event(ics.booking_calendar(booking))
    link = services.manage_url(booking)
    assert str(event["url"]) == link
    assert link in str(event["description"])
    alarms = event.walk("VALARM")
    assert [alarm.decoded("trigger") for alarm in alarms] == [
        -dt.timedelta(days=1),
        -dt.timedelta(hours=1),
    ]
    assert all(str(alarm["action"]) == "DISPLAY" and alarm["description"] for alarm in alarms)


def test_ics_follows_a_reschedule(booking):
    later = START + dt.timedelta(days=1, hours=5)
    moved = services.reschedule(booking, later)
    _calendar, event = only_event(ics.booking_calendar(moved))
    assert event.decoded("dtstart") == later
    assert str(event["uid"]).startswith(booking.reference + "@")  # same entry, updated


def test_ics_view_downloads_the_file(client, booking):
    # The link's token is exchanged for the booking's cookie, which then opens the file.
    response = client.get(token_url("ics", booking), follow=True)
    assert response.redirect_chain == [(reverse("appointments:ics", args=[booking.reference]), 303)]
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{booking.reference}.ics"'
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    _calendar, event = only_event(response.content)
    assert event.decoded("dtstart") == START


# QR code ---------------------------------------------------------------------------------------


def png_chunks(data):
    assert data.startswith(PNG_SIGNATURE)
    position, chunks = len(PNG_SIGNATURE), []
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        (crc,) = struct.unpack(">I", data[position + 8 + length : position + 12 + length])
        assert zlib.crc32(kind + body) == crc, f"bad CRC in {kind!r}"
        chunks.append((kind, body))
        position += 12 + length
    return chunks


def test_qr_is_a_valid_png_of_a_scannable_size():
    data = qr.reference_png("YY261124K7QD")
    chunks = png_chunks(data)
    kinds = [kind for kind, _body in chunks]
    assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND" and b"IDAT" in kinds
    width, height = struct.unpack(">II", chunks[0][1][:8])
    # Version 1–2 QR (21–25 modules) + 4-module quiet zone each side, 8 px a module.
    assert width == height and 200 <= width <= 400
    pixels = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    assert len(pixels) > width  # rows of real image data
    assert len(data) < 5000  # small enough for a phone on a slow network


def test_qr_differs_by_reference():
    assert qr.reference_png("YY261124K7QD") != qr.reference_png("YY261124K7QE")
    assert qr.reference_png("YY261124K7QD") == qr.reference_png("YY261124K7QD")


def test_qr_view_serves_the_png(client, booking):
    response = client.get(token_url("qr", booking), follow=True)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content == qr.reference_png(booking.reference)
    png_chunks(response.content)


def test_qr_and_ics_are_404_without_the_token(client, booking):
    for name in ("qr", "ics"):
        url = reverse(f"appointments:{name}", args=[booking.reference])
        assert client.get(url).status_code == 404
