"""The messages: who is told what, under which purpose key. To people: booking confirmations,
changes, cancellations, reminders and the manage link they look up; to staff: the deadline
digest. reviews adds its own (complaints, rating invitations, rectification alerts) through
queue_message.

Each message is rendered from its template (appointments.texts: the file or the bureau's
override) and handed to the outbox (appointments.outbox), which creates the notice at most once
per key and sends it when the transaction commits. A message to a person is written in their
language (`in_language_of`: the booking's, the report's or the online application's), whoever
or whatever sends it: the person's request, a clerk's action, a task.
"""

from django.conf import settings
from django.urls import reverse
from django.utils import dateformat, timezone, translation
from django.utils.translation import pgettext

from ipservice.localization import is_english

from . import outbox, texts
from .constants import NoticeChannel
from .deadlines import DEADLINE_LABELS
from .masking import mask_name


def queue_message(purpose, key, *, channel, recipient, facts):
    """Render `purpose` for `channel` with `facts` and queue it under `key` (at most once).
    Returns (notice, created)."""
    message = texts.render(purpose, channel, facts)
    return outbox.create_notice(
        key,
        channel=channel,
        recipient=recipient,
        template=purpose,
        subject=message.subject,
        body=message.body,
    )


def in_language_of(person):
    """Everything said to `person` (a Case, a Complaint or an online Application: anything
    with a `language`) inside this block, the names of items and windows included, is in the
    language they used."""
    return translation.override(person.language)


# To the person who booked -------------------------------------------------------------------


def short_time(moment):
    """The day and time of an appointment as an SMS says it: "9月30日 14:00", "30 Sep 14:00"."""
    return dateformat.format(timezone.localtime(moment), pgettext("SMS date format", "j M H:i"))


def _facts(case, slot=None):
    """`slot`: the case's slot (a Slot or slots.DaySlot) when the caller holds it already (a new
    booking's), so that its end is not read again."""
    from .services import manage_url  # services import this module

    start = timezone.localtime(case.start)
    if slot is None and case.slot_id:
        slot = case.slot
    end = timezone.localtime(slot.end) if slot is not None else None
    return {
        "reference": case.reference,
        "item": case.item.display_name,
        "window": case.window.display_name,
        "address": case.window.display_address,
        "window_phone": case.window.phone,
        "time": f"{start:%Y-%m-%d %H:%M}" + (f"–{end:%H:%M}" if end else ""),
        "when": short_time(start),
        "url": manage_url(case),
        "portal": settings.PORTAL_BASE_URL,
    }


def queue_to_person(person, purpose, key, facts):
    """`purpose` to `person` (a Case or an online Application: a phone, maybe an email) by SMS
    under `key`:sms and, when they gave an address, by email under `key`:email. True if the SMS
    is new. Call inside in_language_of(person), where `facts` were made.

    The email is rendered only when there is an address to send it to: most people give none,
    and every booking makes its confirmation here."""
    _sms, created = queue_message(
        purpose, f"{key}:sms", channel=NoticeChannel.SMS, recipient=person.phone, facts=facts
    )
    if person.email:
        queue_message(
            purpose,
            f"{key}:email",
            channel=NoticeChannel.EMAIL,
            recipient=person.email,
            facts=facts,
        )
    return created


def _queue_for_person(case, purpose, key, slot=None):
    with in_language_of(case):
        return queue_to_person(case, purpose, key, _facts(case, slot))


def booking_confirmed(case, slot=None):
    _queue_for_person(case, "booked", f"booked:{case.reference}", slot)


def booking_rescheduled(case, event):
    _queue_for_person(case, "rescheduled", f"rescheduled:{case.reference}:{event.pk}")


def booking_cancelled(case):
    _queue_for_person(case, "cancelled", f"cancelled:{case.reference}")


def reminder_key(case):
    """One reminder per booking and appointment time: a booking moved after its reminder went
    out is reminded again of the new time, never twice of the same one."""
    start = timezone.localtime(case.start)
    return f"remind:{case.reference}:{start:%Y%m%d%H%M}"


def booking_reminder(case):
    """The reminder the working day before the appointment (sent by tasks.send_reminders).
    True if this call queued it, False if it was queued already."""
    return _queue_for_person(case, "remind", reminder_key(case))


def _pending_facts(case):
    separator = ", " if is_english() else "、"
    return {
        "reference": case.reference,
        "item": case.item.display_name,
        "window": case.window.display_name,
        "address": case.window.address,
        "window_phone": case.window.phone,
        "materials": separator.join(m.display_name for m in case.missing_materials.all()),
        "due": case.materials_due.isoformat(),
    }


def _queue_pending(case, purpose, key):
    # In the person's language (the clerk's page language is not theirs).
    with in_language_of(case):
        _notice, created = queue_message(
            purpose,
            key,
            channel=NoticeChannel.SMS,
            recipient=case.phone,
            facts=_pending_facts(case),
        )
    return created


def pending_accepted(case):
    """容缺受理: the person is told which materials are missing and the date to bring them by."""
    return _queue_pending(case, "pending_accepted", f"pending:{case.reference}:sms")


def materials_reminder_key(case):
    """One reminder per case and promised date (a date moved is reminded again)."""
    return f"materials-remind:{case.reference}:{case.materials_due:%Y%m%d}:sms"


def materials_reminder(case):
    """The reminder the working day before the materials are due (tasks.send_material_reminders).
    True if this call queued it."""
    return _queue_pending(case, "materials_remind", materials_reminder_key(case))


def manage_link(case):
    """The link to manage the booking, by SMS to its phone: one message per booking per hour,
    however often the lookup form is sent."""
    from .services import manage_url  # services import this module

    hour = timezone.localtime().strftime("%Y%m%d%H")
    with in_language_of(case):
        queue_message(
            "booking_link",
            f"manage-link:{case.reference}:{hour}",
            channel=NoticeChannel.SMS,
            recipient=case.phone,
            facts={"reference": case.reference, "link": manage_url(case)},
        )


def manage_links(cases, phone):
    """The links of a person's active bookings (found by phone and ID number), in one SMS to
    that phone: once an hour for the same bookings, within the number's SMS allowance."""
    from .services import manage_url  # services import this module

    if not cases:
        return
    hour = timezone.localtime().strftime("%Y%m%d%H")
    references = ",".join(sorted(case.reference for case in cases))
    bookings = [
        {
            "reference": case.reference,
            "time": f"{timezone.localtime(case.start):%Y-%m-%d %H:%M}",
            "link": manage_url(case),
        }
        for case in cases
    ]
    with in_language_of(cases[0]):  # the language of the first booking found
        queue_message(
            "booking_links",
            f"manage-links:{references}:{hour}",
            channel=NoticeChannel.SMS,
            recipient=phone,
            facts={"bookings": bookings},
        )


# To staff -------------------------------------------------------------------------------------


def digest_key(window, user, day):
    return f"digest:{window.pk}:{day:%Y%m%d}:{user.pk}"


def deadline_digest(window, user, cases, day):
    """The morning email to a staff member of `window`: its cases near or past their deadline
    (`cases` carry the `due` and `deadline` annotations of cases.with_deadlines). Names are
    masked, as in every list; the case page shows the rest to the window's staff.
    Returns (notice, created)."""
    facts = {
        "window": window.display_name,
        "date": day.isoformat(),
        "count": len(cases),
        "cases": [_digest_line(case, DEADLINE_LABELS[case.deadline]) for case in cases],
    }
    return queue_message(
        "deadline_digest",
        digest_key(window, user, day),
        channel=NoticeChannel.EMAIL,
        recipient=user.email,
        facts=facts,
    )


def _digest_line(case, label):
    path = reverse("appointments:case_detail", args=[case.pk])
    return {
        "label": str(label),
        "due": case.due.isoformat(),
        "reference": case.reference,
        "name": mask_name(case.name),
        "item": case.item.display_name,
        "url": settings.PORTAL_BASE_URL.rstrip("/") + path,
    }
