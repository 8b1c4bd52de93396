"""Notices by SMS and email: to people (booking confirmations, changes, cancellations and
reminders) and to staff (the deadline digest; reviews.alerts adds the rectification alerts).

A Notice row is created (by its purpose key, so at most once per purpose) in the transaction that
makes the change, and the celery task `send_notice` is enqueued when that transaction commits.
The task sends through the SMS backend (settings.SMS_BACKEND) or Django's email and marks the
row sent; a notice already sent is never sent again.
"""

import logging
import smtplib

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .constants import NoticeChannel, NoticeStatus
from .masking import mask_email, mask_name, mask_phone
from .models import Notice
from .sms import SmsError, SmsRejected, get_sms_backend

logger = logging.getLogger(__name__)

# Failures worth trying again later: the gateway or the mail server is down or slow.
TRANSIENT_ERRORS = (SmsError, smtplib.SMTPException, OSError)


class SendError(Exception):
    """Sending failed for a reason that may go away; the notice stays queued."""

    def __init__(self, message, attempts=0):
        super().__init__(message)
        self.attempts = attempts


def queue_notice(key, *, channel, recipient, template, subject="", body):
    """Create the notice for `key` unless it exists, and send it once the transaction commits.

    Only the call that creates the row enqueues it, so two runs of a job racing on one key
    (the unique index makes the second wait for the first and then find its row) send once."""
    return create_notice(
        key, channel=channel, recipient=recipient, template=template, subject=subject, body=body
    )[0]


def create_notice(key, *, subject="", **fields):
    """queue_notice, returning (notice, created): whether this call made (and enqueued) it."""
    fields["subject"] = subject[:200]
    notice, created = _insert_unless_taken(Notice(key=key, **fields))
    if created:
        transaction.on_commit(lambda: _enqueue(notice.pk), robust=True)
    return notice, created


def _insert_unless_taken(notice):
    """Insert `notice` unless its purpose key is taken: (notice, True), or (the existing notice,
    False). In a savepoint, so that a clash leaves the caller's transaction usable; a second
    insert of one key waits for the first on the unique index, then finds it taken."""
    try:
        with transaction.atomic():
            notice.save(force_insert=True)
    except IntegrityError:
        return Notice.objects.get(key=notice.key), False
    return notice, True


def _enqueue(notice_id):
    from .tasks import send_notice  # tasks import this module

    send_notice.delay(notice_id)


def deliver(notice_id):
    """Send notice `notice_id` if it is still queued. True when sent now, False when there was
    nothing to do (already sent, given up, or being sent by another worker right now) or the
    message was refused for good (the notice is then failed).
    Raises SendError after recording a transient failure that leaves attempts to spare.

    Exactly once: the row is locked for the whole attempt, so a second worker running the same
    notice skips it, and a worker killed mid-attempt rolls back, leaving the notice queued (its
    task message is redelivered: acks_late + reject_on_worker_lost)."""
    with transaction.atomic():
        notice = (
            Notice.objects.select_for_update(skip_locked=True)
            .filter(pk=notice_id, status=NoticeStatus.QUEUED)
            .first()
        )
        if notice is None:
            return False
        error = _attempt(notice)
        notice.save(update_fields=["attempts", "error", "status", "sent_at"])
    if error is None:
        return True
    if notice.status == NoticeStatus.FAILED:
        logger.warning("notice %s (%s) failed for good: %s", notice.pk, notice.key, notice.error)
        return False
    if isinstance(error, TRANSIENT_ERRORS):
        raise SendError(notice.error, attempts=notice.attempts) from error
    raise error  # a bug, not the gateway: the attempt is counted and the traceback logged


def _attempt(notice):
    """One attempt at sending; returns the exception it failed with, None when sent."""
    notice.attempts += 1
    try:
        with transaction.atomic():  # a savepoint: a failed database write must not undo ours
            _send(notice)
    except Exception as exc:  # recorded here; deliver re-raises what is not transient
        notice.error = f"{type(exc).__name__}: {exc}"[:1000]
        out_of_attempts = notice.attempts >= settings.NOTICE_MAX_ATTEMPTS
        if is_permanent(exc) or (out_of_attempts and isinstance(exc, TRANSIENT_ERRORS)):
            notice.status = NoticeStatus.FAILED
        return exc
    notice.status, notice.sent_at, notice.error = NoticeStatus.SENT, timezone.now(), ""
    return None


def is_permanent(exc):
    """A refusal that sending again cannot change: the gateway's 4xx, an SMTP 5xx answer."""
    if isinstance(exc, SmsRejected):
        return True
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _message in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500
    return False


def give_up(notice_id):
    Notice.objects.filter(pk=notice_id, status=NoticeStatus.QUEUED).update(
        status=NoticeStatus.FAILED
    )
    logger.warning("notice %s failed for good", notice_id)


def requeue_failed(notice_ids):
    """Give failed notices a fresh set of attempts (staff retry them from the admin) and send
    them once the transaction commits. Returns how many."""
    with transaction.atomic():
        failed = Notice.objects.select_for_update().filter(
            pk__in=notice_ids, status=NoticeStatus.FAILED
        )
        ids = list(failed.values_list("pk", flat=True))
        Notice.objects.filter(pk__in=ids).update(status=NoticeStatus.QUEUED, attempts=0)
    for notice_id in ids:
        transaction.on_commit(lambda notice_id=notice_id: _enqueue(notice_id), robust=True)
    return len(ids)


def _send(notice):
    if notice.channel == NoticeChannel.SMS:
        get_sms_backend().send_message(notice.recipient, notice.body, key=notice.key)
    else:
        send_mail(notice.subject, notice.body, settings.DEFAULT_FROM_EMAIL, [notice.recipient])


def mask_recipient(notice):
    if notice.channel == NoticeChannel.EMAIL:
        return mask_email(notice.recipient)
    return mask_phone(notice.recipient)


# What the notices say -------------------------------------------------------------------------


def _facts(case):
    from .services import manage_url  # services import this module

    start = timezone.localtime(case.start)
    end = timezone.localtime(case.slot.end) if case.slot_id else None
    return {
        "reference": case.reference,
        "item": case.item.display_name,
        "window": case.window.display_name,
        "address": case.window.address,
        "window_phone": case.window.phone,
        "time": f"{start:%Y-%m-%d %H:%M}" + (f"–{end:%H:%M}" if end else ""),
        "url": manage_url(case),
        "portal": settings.PORTAL_BASE_URL,
    }


def _queue_for_person(case, purpose, sms_text, subject, intro, facts, *, with_link=True):
    """The SMS to the booking's phone and, when given, the email. True if the SMS is new.

    The email's body (`intro`, then the facts) is written only when there is an email to send:
    most bookings give none, and every booking makes its confirmation here."""
    _sms, created = create_notice(
        f"{purpose}:sms",
        channel=NoticeChannel.SMS,
        recipient=case.phone,
        template=purpose.split(":")[0],
        subject="",
        body=sms_text,
    )
    if case.email:
        create_notice(
            f"{purpose}:email",
            channel=NoticeChannel.EMAIL,
            recipient=case.email,
            template=purpose.split(":")[0],
            subject=subject,
            body=_email_body(intro, facts, with_link=with_link),
        )
    return created


def _fact_lines(facts):
    return [
        _("Reference: %(reference)s") % facts,
        _("Service item: %(item)s") % facts,
        _("Window: %(window)s") % facts,
        _("Address: %(address)s") % facts,
        _("Time: %(time)s") % facts,
        _("Window telephone: %(window_phone)s") % facts,
    ]


def _email_body(intro, facts, *, with_link=True):
    lines = [intro, "", *_fact_lines(facts)]
    if with_link:
        lines += ["", _("View, change or cancel your booking: %(url)s") % facts]
    return "\n".join(lines)


def booking_confirmed(case):
    facts = _facts(case)
    sms = (
        _(
            "[Shanghai IP Services] Booking confirmed, reference %(reference)s: %(item)s at "
            "%(window)s, %(time)s, %(address)s. Please bring the materials listed in the guide. "
            "View, change or cancel: %(url)s"
        )
        % facts
    )
    subject = _("Booking confirmed: %(reference)s") % facts
    intro = _("Your booking is confirmed. Please bring the materials listed in the guide.")
    _queue_for_person(case, f"booked:{case.reference}", sms, subject, intro, facts)


def booking_rescheduled(case, event):
    facts = _facts(case)
    sms = (
        _(
            "[Shanghai IP Services] Booking %(reference)s has been moved to %(time)s at "
            "%(window)s, %(address)s. View, change or cancel: %(url)s"
        )
        % facts
    )
    subject = _("Booking changed: %(reference)s") % facts
    purpose = f"rescheduled:{case.reference}:{event.pk}"
    intro = _("Your booking has been moved to a new time.")
    _queue_for_person(case, purpose, sms, subject, intro, facts)


def booking_cancelled(case):
    facts = _facts(case)
    sms = (
        _(
            "[Shanghai IP Services] Booking %(reference)s (%(window)s, %(time)s) has been "
            "cancelled. You can book again at %(portal)s"
        )
        % facts
    )
    subject = _("Booking cancelled: %(reference)s") % facts
    intro = _("Your booking has been cancelled.")
    purpose = f"cancelled:{case.reference}"
    _queue_for_person(case, purpose, sms, subject, intro, facts, with_link=False)


def reminder_key(case):
    """One reminder per booking and appointment time: a booking moved after its reminder went
    out is reminded again of the new time, never twice of the same one."""
    start = timezone.localtime(case.start)
    return f"remind:{case.reference}:{start:%Y%m%d%H%M}"


def booking_reminder(case):
    """The reminder the working day before the appointment (sent by tasks.send_reminders).
    True if this call queued it, False if it was queued already."""
    facts = _facts(case)
    sms = (
        _(
            "[Shanghai IP Services] Reminder: your appointment %(reference)s is at %(time)s, "
            "%(window)s, %(address)s. Please bring the materials listed in the guide. "
            "Cannot come? Change or cancel: %(url)s"
        )
        % facts
    )
    subject = _("Appointment reminder: %(reference)s") % facts
    intro = _("A reminder of your appointment. Please bring the materials listed in the guide.")
    return _queue_for_person(case, reminder_key(case), sms, subject, intro, facts)


# To staff -------------------------------------------------------------------------------------


def digest_key(window, user, day):
    return f"digest:{window.pk}:{day:%Y%m%d}:{user.pk}"


def deadline_digest(window, user, cases, day):
    """The morning email to a staff member of `window`: its cases near or past their deadline
    (`cases` carry the `due` and `deadline` annotations of cases.with_deadlines). Names are
    masked, as in every list; the case page shows the rest to the window's staff.
    Returns (notice, created)."""
    from .cases import DEADLINE_LABELS  # cases import services, which import this module

    facts = {"window": window.display_name, "date": day.isoformat(), "count": len(cases)}
    intro = ngettext(
        "%(count)s case at %(window)s is near or past its deadline (%(date)s):",
        "%(count)s cases at %(window)s are near or past their deadline (%(date)s):",
        len(cases),
    )
    lines = [intro % facts, ""]
    for case in cases:
        lines.append(_digest_line(case, DEADLINE_LABELS[case.deadline]))
    return create_notice(
        digest_key(window, user, day),
        channel=NoticeChannel.EMAIL,
        recipient=user.email,
        template="deadline_digest",
        subject=_("Cases near or past their deadline: %(window)s, %(date)s") % facts,
        body="\n".join(lines),
    )


def _digest_line(case, label):
    path = reverse("appointments:case_detail", args=[case.pk])
    return _("%(label)s · due %(due)s · %(reference)s %(name)s %(item)s · %(url)s") % {
        "label": label,
        "due": case.due.isoformat(),
        "reference": case.reference,
        "name": mask_name(case.name),
        "item": case.item.display_name,
        "url": settings.PORTAL_BASE_URL.rstrip("/") + path,
    }
