"""The outbox: notices queued, delivered, retried, given up and queued again.

A Notice row is created (by its purpose key, so at most once per purpose) in the transaction that
makes the change, and the celery task `send_notice` is enqueued when that transaction commits.
The task sends through the SMS backend (settings.SMS_BACKEND) or Django's email and marks the
row sent; a notice already sent is never sent again. What a notice says is made before it is
queued (appointments.notices and appointments.texts); the outbox only carries it.

Every SMS passes create_notice, so the limit per mobile number lives here (SMS_PER_PHONE_HOUR,
SMS_PER_PHONE_DAY, counted over every SMS to the number). What happens beyond it depends on the
message's purpose:
- a verification code (REFUSED_BEYOND_LIMIT) is refused: SmsLimitReached, which the page or the
  API that asked for it tells the person;
- a message that confirms a change already made to the person's booking or report
  (NEVER_DROPPED: booked, moved, cancelled, accepted with materials missing, report received
  or handled) always goes: it is
  counted, but dropping it would leave the person not knowing that their place was freed or
  moved. Each follows an act bounded elsewhere (a verified phone, the booking's token, the
  fair-booking limits);
- anything else (a reminder, a rating invitation, the manage link looked up) is dropped with a
  masked warning in the log: a task or a lookup queued it and nobody is waiting for an answer.
"""

import datetime as dt
import logging
import smtplib

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from kombu.exceptions import OperationalError

from ipservice import locks

from .constants import NoticeChannel, NoticeStatus
from .masking import mask_email, mask_phone
from .models import Notice
from .sms import SmsError, SmsRejected, get_sms_backend

logger = logging.getLogger(__name__)

# Failures worth trying again later: the gateway or the mail server is down or slow.
TRANSIENT_ERRORS = (SmsError, smtplib.SMTPException, OSError)


NEVER_DROPPED = frozenset(
    {
        "booked",
        "rescheduled",
        "cancelled",
        "pending_accepted",
        "complaint_received",
        "complaint_closed",
        # Online applications: each tells the applicant of a step taken on their application.
        "application_received",
        "application_returned",
        "application_accepted",
        "application_rejected",
        "application_sent",
    }
)
REFUSED_BEYOND_LIMIT = frozenset({"phone_code"})
# Texts whose body is a secret (a verification code): blanked once sent or given up.
SECRET_TEMPLATES = frozenset({"phone_code"})


class SmsLimitReached(Exception):
    """Too many SMS to this number lately; the message was not queued."""

    code = "sms_limit"
    message = _(
        "Too many text messages have been sent to this mobile number recently. "
        "Please try again later."
    )


class SendError(Exception):
    """Sending failed for a reason that may go away; the notice stays queued."""

    def __init__(self, message, attempts=0):
        super().__init__(message)
        self.attempts = attempts


def create_notice(key, *, channel, recipient, template, subject="", body):
    """Create the notice for `key` unless it exists, and send it once the transaction commits.
    Returns (notice, created): whether this call made (and enqueued) it.

    Only the call that creates the row enqueues it, so two runs of a job racing on one key
    (the unique index makes the second wait for the first and then find its row) send once.

    An SMS beyond the number's allowance raises SmsLimitReached (REFUSED_BEYOND_LIMIT) or is
    not queued: (None, False) (see the module's docstring)."""
    if channel == NoticeChannel.SMS and template not in NEVER_DROPPED:
        if not within_allowance(recipient):
            if template in REFUSED_BEYOND_LIMIT:
                raise SmsLimitReached()
            logger.warning(
                "SMS %s to %s not queued: over the limit per number", key, mask_phone(recipient)
            )
            return None, False
    try:
        # The INSERT first, in a savepoint: every booking makes a new notice, so looking for an
        # existing one first (get_or_create) would cost a query that almost never finds one.
        with transaction.atomic():
            notice = Notice.objects.create(
                key=key,
                channel=channel,
                recipient=recipient,
                template=template,
                subject=subject[:200],
                body=body,
            )
    except IntegrityError:  # the unique key: this purpose has its notice already
        return Notice.objects.get(key=key), False
    transaction.on_commit(lambda: _enqueue(notice.pk), robust=True)
    return notice, True


def within_allowance(phone):
    """Whether one more SMS to `phone` stays within SMS_PER_PHONE_HOUR and SMS_PER_PHONE_DAY.

    Call inside the transaction that queues the message: the number is locked until it ends,
    so two requests at once cannot both take the last place (count-then-insert)."""
    locks.hold(f"sms:{phone}")
    now = timezone.now()
    counts = Notice.objects.filter(
        channel=NoticeChannel.SMS, recipient=phone, created_at__gte=now - dt.timedelta(days=1)
    ).aggregate(
        day=Count("pk"), hour=Count("pk", filter=Q(created_at__gte=now - dt.timedelta(hours=1)))
    )
    return (
        counts["hour"] < settings.SMS_PER_PHONE_HOUR and counts["day"] < settings.SMS_PER_PHONE_DAY
    )


def _enqueue(notice_id):
    """Publish the task of a committed notice. A broker that cannot be reached leaves the notice
    queued in the database (a warning is logged): the stale-notice sweep sends it later, but for
    an SMS code, sent from this process at once."""
    from .tasks import send_notice  # tasks import this module

    try:
        send_notice.delay(notice_id)
    except OperationalError as exc:  # kombu's, for any connection error of the broker
        logger.warning("notice %s stays queued, the broker is unreachable: %s", notice_id, exc)
        # A code is of use for minutes only, and someone is waiting for it: this process sends
        # it rather than leave it to the sweep.
        if Notice.objects.filter(pk=notice_id, template__in=SECRET_TEMPLATES).exists():
            try:
                deliver(notice_id)
            except SendError:
                pass  # the failure is recorded on the notice; the sweep tries again


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
        fields = ["attempts", "error", "status", "sent_at"]
        if notice.template in SECRET_TEMPLATES and notice.status != NoticeStatus.QUEUED:
            # The code is of no use to anyone once sent (or given up); the row keeps no copy.
            notice.body = ""
            fields.append("body")
        notice.save(update_fields=fields)
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
    Notice.objects.filter(pk=notice_id, template__in=SECRET_TEMPLATES).update(body="")
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
