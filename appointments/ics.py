"""The calendar file (.ics) of a booking, for the person to add to their phone's calendar."""

import datetime as dt
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Alarm, Calendar, Event

from .services import manage_url

SHANGHAI = ZoneInfo("Asia/Shanghai")
# When the phone's calendar reminds the person: the day before (to gather the materials) and
# an hour before (to set off).
ALARMS_BEFORE = (dt.timedelta(days=1), dt.timedelta(hours=1))


def calendar_domain():
    """The public portal's host: event UIDs stay the same whichever host served the file."""
    return urlsplit(settings.PORTAL_BASE_URL).hostname or "ipservice.example"


def booking_end(case):
    if case.slot_id:
        return case.slot.end
    return case.start + dt.timedelta(minutes=case.window.slot_minutes)


def reminder(before, text):
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("trigger", -before)
    alarm.add("description", text)
    return alarm


def booking_event(case):
    """The appointment, with its reminders and the manage link (the file is the person's own,
    fetched through their private link, so it may carry that link back to the booking)."""
    window, item = case.window, case.item
    event = Event()
    # A stable UID: re-downloading after a reschedule updates the same calendar entry.
    event.add("uid", f"{case.reference}@{calendar_domain()}")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", case.start.astimezone(SHANGHAI))
    event.add("dtend", booking_end(case).astimezone(SHANGHAI))
    event.add("summary", f"{item.display_name} · {window.display_name}")
    event.add("location", window.address)
    lines = [
        _("Booking reference: %(reference)s") % {"reference": case.reference},
        _("Please bring the materials listed for the item and arrive a little early."),
    ]
    if window.phone:
        lines.append(_("Window phone: %(phone)s") % {"phone": window.phone})
    link = manage_url(case)
    lines.append(_("See, change or cancel the booking: %(link)s") % {"link": link})
    event.add("description", "\n".join(lines))
    event.add("url", link)
    summary = str(event["summary"])
    for before in ALARMS_BEFORE:
        event.add_component(reminder(before, summary))
    return event


def booking_calendar(case) -> bytes:
    """An iCalendar file with one VEVENT (times in Asia/Shanghai, VTIMEZONE included)."""
    calendar = Calendar()
    calendar.add("prodid", "-//Shanghai IP Public Service Windows//Booking//ZH")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add_component(booking_event(case))
    calendar.add_missing_timezones()
    return calendar.to_ical()
