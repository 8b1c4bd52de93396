"""The 好差评 workflows: ratings, the rectification (整改) of bad ones, appeals (申诉/复核) and
complaints (办不成事反映).

Pages (reviews/views/), the API (reviews/api/feedback_views.py) and tasks call these functions,
so who may do what, in which order and by when is decided in one place. Refusals raise
FeedbackError subclasses (a stable `code` and a message for people), missing or bad input a
Django ValidationError keyed by field, and acting without the right raises PermissionDenied.
"""

import datetime as dt
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Q, Value, When
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from appointments import notices, workdays
from appointments import services as booking_services
from appointments.cases import NEAR_DUE, OK, OVERDUE, date_state, local_today
from appointments.cases import local_day as local_date
from appointments.constants import NoticeChannel, Status
from appointments.models import Case
from windows.constants import Role
from windows.models import StaffMembership, is_bureau

from .constants import (
    AppealDecision,
    ComplaintStatus,
    RatingChannel,
    RectificationStatus,
    Score,
    StepKind,
)
from .models import Appeal, Complaint, Rating, Rectification, Step

# The fixed tags a person may tick on the rating page: stable codes are stored, labels shown.
RATING_TAGS = (
    ("quick", gettext_lazy("Quick service")),
    ("clear_guidance", gettext_lazy("Clear guidance")),
    ("friendly", gettext_lazy("Friendly staff")),
    ("one_visit", gettext_lazy("Done in one visit")),
    ("long_wait", gettext_lazy("Long wait")),
    ("unclear_materials", gettext_lazy("Unclear material requirements")),
    ("repeat_visits", gettext_lazy("Had to come back again")),
)
RATING_TAG_LABELS = dict(RATING_TAGS)

# How staff reached the person (回访/反馈); Step.method stores the code.
CONTACT_METHODS = (
    ("phone", gettext_lazy("Phone call")),
    ("sms", gettext_lazy("SMS")),
    ("in_person", gettext_lazy("In person")),
    ("email", gettext_lazy("Email")),
    ("letter", gettext_lazy("Letter")),
)
CONTACT_METHOD_LABELS = dict(CONTACT_METHODS)

# Ratings entered by staff on the person's behalf; the person's own link is RatingChannel.LINK.
STAFF_CHANNELS = (RatingChannel.PAD, RatingChannel.HOTLINE)

# Deadline states shown as badges: the cases' own states (appointments.cases), so both apps
# badge deadlines alike.
DEADLINE_LABELS = {
    OVERDUE: gettext_lazy("Overdue"),
    NEAR_DUE: gettext_lazy("Due soon"),
    OK: gettext_lazy("On time"),
}

# Unambiguous when read aloud or typed from an SMS: no 0/O, 1/I/L.
_REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
# A complaint reference starts with F (反映) so it is never mistaken for a case reference.
COMPLAINT_PREFIX = "F"


class FeedbackError(Exception):
    code = "refused"
    default_message = gettext_lazy("The request was refused.")

    def __init__(self, message=None, code=None):
        self.message = message or self.default_message
        if code:
            self.code = code
        super().__init__(str(self.message))


class RatingRefused(FeedbackError):
    """Codes: bad_token, not_completed, already_rated, wrong_channel."""


class StepRefused(FeedbackError):
    """A rectification or complaint step out of order, or on a closed record."""

    code = "wrong_step"
    default_message = gettext_lazy("This step is not possible at this stage.")


class AppealRefused(FeedbackError):
    """Codes: not_bad, already_appealed, already_decided."""


# --- dates ------------------------------------------------------------------------------------


def deadline_annotation(due_field, today):
    """The value of date_state(due, today) for open records, computed in SQL: a list costs one
    calendar lookup per request instead of one per row."""
    # working_days_between(today, due) <= N  ⟺  due < the (N+1)-th working day after today.
    near_limit = workdays.add_working_days(today, settings.NEAR_DUE_WORKING_DAYS + 1)
    return models.Case(
        When(closed_at__isnull=False, then=Value(None)),
        When(**{f"{due_field}__lt": today}, then=Value(OVERDUE)),
        When(**{f"{due_field}__lt": near_limit}, then=Value(NEAR_DUE)),
        default=Value(OK),
        output_field=models.CharField(null=True),
    )


def near_due_filter(due_field, today):
    near_limit = workdays.add_working_days(today, settings.NEAR_DUE_WORKING_DAYS + 1)
    return Q(closed_at__isnull=True, **{f"{due_field}__gte": today, f"{due_field}__lt": near_limit})


def overdue_filter(due_field, today):
    return Q(closed_at__isnull=True, **{f"{due_field}__lt": today})


# --- access -----------------------------------------------------------------------------------


def is_supervisor(user, window_id):
    if not user.is_authenticated:
        return False
    return StaffMembership.objects.filter(
        user=user, window_id=window_id, role=Role.SUPERVISOR
    ).exists()


def can_work_rectification(user, window_id):
    """Bureau staff and the window's supervisor work rectifications; other staff only read."""
    return is_bureau(user) or is_supervisor(user, window_id)


def ratings_for_user(user):
    """Ratings of the staff member's own windows; the bureau sees all; anyone else none."""
    if not user.is_authenticated:
        return Rating.objects.none()
    if is_bureau(user):
        return Rating.objects.all()
    return Rating.objects.filter(window__memberships__user=user)


def rectifications_for_user(user):
    if not user.is_authenticated:
        return Rectification.objects.none()
    if is_bureau(user):
        return Rectification.objects.all()
    return Rectification.objects.filter(window__memberships__user=user)


def complaints_for_user(user):
    """Complaints are handled by the bureau only: the person may be complaining about a window,
    so its staff never see them."""
    if is_bureau(user):
        return Complaint.objects.all()
    return Complaint.objects.none()


def get_rating_for_user(user, pk):
    """The rating if `user` may see it, else 404, so that a stranger never learns it exists."""
    rating = (
        ratings_for_user(user)
        .select_related("case", "window", "item", "staff", "entered_by")
        .filter(pk=pk)
        .first()
    )
    if rating is None:
        raise Http404("No such rating.")
    return rating


def get_rectification_for_user(user, pk, *, work=False):
    """The rectification if `user` may see it, else 404. With `work=True` the user must also be
    allowed to work it (403, since they can see it anyway)."""
    rect = (
        rectifications_for_user(user)
        .select_related(
            "rating__case", "rating__item", "rating__staff", "rating__entered_by", "window"
        )
        .filter(pk=pk)
        .first()
    )
    if rect is None:
        raise Http404("No such rectification.")
    if work and not can_work_rectification(user, rect.window_id):
        raise PermissionDenied(_("Only the bureau and the window's supervisor work this."))
    return rect


def get_complaint_for_user(user, pk):
    complaint = (
        complaints_for_user(user).select_related("window", "item", "case").filter(pk=pk).first()
    )
    if complaint is None:
        raise Http404("No such complaint.")
    return complaint


# --- ratings ----------------------------------------------------------------------------------


def normalize_token(token):
    """Tokens read out over the hotline or typed from paper come in groups and any case."""
    return "".join(str(token or "").split()).replace("-", "").lower()


def find_case_for_rating(reference, token):
    """The case with this reference if the token is its own, else None: an unknown reference
    and a wrong token look the same, so nobody can probe for cases."""
    case = (
        Case.objects.filter(reference=str(reference or "").strip().upper())
        .select_related("window", "item", "handled_by")
        .first()
    )
    if case is None or not booking_services.check_token(case, normalize_token(token)):
        return None
    return case


def check_can_rate(case, token, channel, entered_by):
    if not booking_services.check_token(case, normalize_token(token)):
        raise RatingRefused(_("The rating link or code is not valid."), code="bad_token")
    if (channel in STAFF_CHANNELS) != (entered_by is not None):
        # Staff enter ratings only for the pad or the hotline, and always under their name.
        raise RatingRefused(
            _("This channel does not match who entered the rating."), "wrong_channel"
        )
    if case.status != Status.COMPLETED:
        raise RatingRefused(_("Rating opens once the case is completed."), code="not_completed")
    if Rating.objects.filter(case=case).exists():
        raise already_rated()


def already_rated():
    return RatingRefused(_("This case has already been rated. Thank you."), code="already_rated")


def clean_rating(score, efficiency, competence, attitude, tags, comment):
    """The rating values, checked again here so that every caller obeys the same rules."""
    errors = {}
    if score not in Score.values:
        errors["score"] = _("Choose one of the five levels.")
    aspects = {"efficiency": efficiency, "competence": competence, "attitude": attitude}
    for name, value in aspects.items():
        if value is not None and value not in Score.values:
            errors[name] = _("Choose one of the five levels.")
    tags = list(dict.fromkeys(tags or []))
    if any(tag not in RATING_TAG_LABELS for tag in tags):
        errors["tags"] = _("Choose tags from the list.")
    comment = (comment or "").strip()
    if len(comment) > 1000:
        errors["comment"] = _("Keep the comment within 1000 characters.")
    if errors:
        raise ValidationError(errors)
    return {
        "score": score,
        "efficiency": efficiency,
        "competence": competence,
        "attitude": attitude,
        "tags": tags,
        "comment": comment,
    }


def rate(
    case,
    *,
    token,
    score,
    efficiency=None,
    competence=None,
    attitude=None,
    tags=(),
    comment="",
    channel=RatingChannel.LINK,
    entered_by=None,
):
    """Record the person's rating of a completed case; a 2 or 1 opens its rectification in the
    same transaction, so no 差评 is ever left without one."""
    check_can_rate(case, token, channel, entered_by)
    values = clean_rating(score, efficiency, competence, attitude, tags, comment)
    try:
        with transaction.atomic():
            rating = Rating.objects.create(
                case=case,
                window_id=case.window_id,
                item_id=case.item_id,
                staff_id=case.handled_by_id,
                channel=channel,
                entered_by=entered_by,
                **values,
            )
            if rating.is_bad:
                open_rectification(rating)
    except IntegrityError as exc:
        # Two submissions at once: the one-to-one constraint lets exactly one through.
        raise already_rated() from exc
    return rating


def rectification_dues(opened_on):
    """The "1、5、15" limits, in working days counted from the day after the rating."""
    return {
        "contact_due": workdays.add_working_days(opened_on, settings.RECTIFICATION_CONTACT_DAYS),
        "reply_due": workdays.add_working_days(opened_on, settings.RECTIFICATION_REPLY_DAYS),
        "rectify_due": workdays.add_working_days(opened_on, settings.RECTIFICATION_RECTIFY_DAYS),
    }


def open_rectification(rating):
    opened_on = local_date(rating.created_at)
    return Rectification.objects.create(
        rating=rating,
        window_id=rating.window_id,
        opened_on=opened_on,
        **rectification_dues(opened_on),
    )


def rating_link(case):
    """The private link of the invitation: only the person served receives the token."""
    path = reverse("reviews:rate", args=[case.reference])
    token = booking_services.booking_token(case)
    return f"{settings.PORTAL_BASE_URL.rstrip('/')}{path}?token={token}"


def on_case_completed(case):
    """Call when a case is completed: the invitation to rate it goes out once the completion
    is committed (a rolled-back completion invites nobody)."""
    from .tasks import invite_rating

    case_id = case.pk
    transaction.on_commit(lambda: invite_rating.delay(case_id))


# --- rectification ----------------------------------------------------------------------------

# The step each status waits for; after a verification the next step depends on its finding.
NEXT_STEP = {
    RectificationStatus.OPEN: StepKind.FOLLOW_UP,
    RectificationStatus.FOLLOWED_UP: StepKind.VERIFY,
    RectificationStatus.RECTIFIED: StepKind.REPLY,
}
STEP_RESULT = {
    StepKind.FOLLOW_UP: RectificationStatus.FOLLOWED_UP,
    StepKind.VERIFY: RectificationStatus.VERIFIED,
    StepKind.RECTIFY: RectificationStatus.RECTIFIED,
    StepKind.REPLY: RectificationStatus.CLOSED,
}
RECTIFICATION_STEPS = (StepKind.FOLLOW_UP, StepKind.VERIFY, StepKind.RECTIFY, StepKind.REPLY)


def next_step(rect):
    """The step the rectification waits for, None once closed. A complaint found not
    substantiated has nothing to rectify and goes straight to the reply."""
    if rect.status == RectificationStatus.VERIFIED:
        return StepKind.RECTIFY if rect.substantiated else StepKind.REPLY
    return NEXT_STEP.get(rect.status)


def _require_notes(notes, field="notes"):
    notes = (notes or "").strip()
    if not notes:
        raise ValidationError({field: _("This field is required.")})
    return notes


def _require_method(method):
    if method not in CONTACT_METHOD_LABELS:
        raise ValidationError({"method": _("Choose how the person was contacted.")})
    return method


@transaction.atomic
def _apply_step(rect, kind, actor, *, notes, method="", **changes):
    """Record step `kind` and move the rectification on. The row is locked so that two people
    recording the same step at once cannot both succeed."""
    locked = Rectification.objects.select_for_update().get(pk=rect.pk)
    if not can_work_rectification(actor, locked.window_id):
        raise PermissionDenied(_("Only the bureau and the window's supervisor work this."))
    if locked.status == RectificationStatus.CLOSED:
        raise StepRefused(_("This rectification is closed."), code="closed")
    if next_step(locked) != kind:
        raise StepRefused()
    for field, value in changes.items():
        setattr(locked, field, value)
    locked.status = STEP_RESULT[kind]
    locked.save()
    Step.objects.create(rectification=locked, kind=kind, actor=actor, method=method, notes=notes)
    return locked


def follow_up(rect, actor, when, method, notes):
    """回访: when and how the person was contacted, and what they said."""
    notes = _require_notes(notes)
    method = _require_method(method)
    if not isinstance(when, dt.datetime):
        raise ValidationError({"when": _("Give the date and time of the contact.")})
    if timezone.is_naive(when):
        when = timezone.make_aware(when, timezone.get_default_timezone())
    # A few minutes of slack for clocks; the contact cannot come before the rating.
    if when > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationError({"when": _("The contact cannot be in the future.")})
    if when < rect.rating.created_at - dt.timedelta(minutes=5):
        raise ValidationError({"when": _("The contact cannot be before the rating.")})
    return _apply_step(
        rect, StepKind.FOLLOW_UP, actor, notes=notes, method=method, followed_up_at=when
    )


def verify(rect, actor, substantiated, notes, is_complex=False):
    """核实: is the person's complaint substantiated; is it complex (tracked up to 15 days)."""
    notes = _require_notes(notes)
    if substantiated not in (True, False):
        raise ValidationError({"substantiated": _("Say whether the complaint is substantiated.")})
    return _apply_step(
        rect,
        StepKind.VERIFY,
        actor,
        notes=notes,
        substantiated=substantiated,
        is_complex=bool(is_complex),
        verified_at=timezone.now(),
    )


def rectify(rect, actor, notes):
    """整改: what was changed."""
    notes = _require_notes(notes)
    return _apply_step(rect, StepKind.RECTIFY, actor, notes=notes, rectified_at=timezone.now())


def reply(rect, actor, method, notes):
    """反馈: how the person was answered and what they were told. The only way to close."""
    notes = _require_notes(notes)
    method = _require_method(method)
    return _apply_step(
        rect, StepKind.REPLY, actor, notes=notes, method=method, closed_at=timezone.now()
    )


def add_note(rect, actor, notes):
    """A note on the record (e.g. the person could not be reached), at any stage before closing."""
    notes = _require_notes(notes)
    with transaction.atomic():
        locked = Rectification.objects.select_for_update().get(pk=rect.pk)
        if not can_work_rectification(actor, locked.window_id):
            raise PermissionDenied(_("Only the bureau and the window's supervisor work this."))
        if locked.status == RectificationStatus.CLOSED:
            raise StepRefused(_("This rectification is closed."), code="closed")
        return Step.objects.create(
            rectification=locked, kind=StepKind.NOTE, actor=actor, notes=notes
        )


def deadline_state(record, today):
    """OVERDUE/NEAR_DUE/OK of an open rectification (against its rectify-by date) or complaint
    (against its due date); None once closed. The same values as deadline_annotation()."""
    if record.closed_at:
        return None
    due = record.rectify_due if isinstance(record, Rectification) else record.due
    return date_state(due, today)


def rectification_deadline(rect, today):
    return deadline_state(rect, today)


def is_on_time(rect):
    """Closed on or before its rectify-by date (the figure of the published statistics)."""
    return bool(rect.closed_at) and local_date(rect.closed_at) <= rect.rectify_due


def late_steps(rect, today):
    """The stage limits missed so far: contact (1 working day) and, for matters not marked
    complex, the reply (5 working days). The 15-day limit is the overdue badge itself."""
    late = []
    contacted = local_date(rect.followed_up_at) if rect.followed_up_at else None
    if (contacted or today) > rect.contact_due:
        late.append(StepKind.FOLLOW_UP)
    closed = local_date(rect.closed_at) if rect.closed_at else None
    if not rect.is_complex and (closed or today) > rect.reply_due:
        late.append(StepKind.REPLY)
    return late


# --- appeals ----------------------------------------------------------------------------------


def can_appeal(user, rating):
    return is_supervisor(user, rating.window_id)


def file_appeal(rating, actor, reason):
    """申诉: the window's supervisor asks the bureau to exclude a 差评 it believes mistaken or
    malicious. One appeal per rating."""
    if not can_appeal(actor, rating):
        raise PermissionDenied(_("Only the window's supervisor can appeal its ratings."))
    if not rating.is_bad:
        raise AppealRefused(_("Only bad ratings can be appealed."), code="not_bad")
    reason = _require_notes(reason, "reason")
    try:
        with transaction.atomic():
            return Appeal.objects.create(rating=rating, reason=reason, filed_by=actor)
    except IntegrityError as exc:
        raise AppealRefused(
            _("This rating has already been appealed."), code="already_appealed"
        ) from exc


@transaction.atomic
def decide_appeal(appeal, actor, upheld, notes):
    """复核: the bureau upholds the appeal (the rating no longer counts in the statistics) or
    dismisses it (the rating stands). Decided once."""
    if not is_bureau(actor):
        raise PermissionDenied(_("Only the bureau decides appeals."))
    notes = _require_notes(notes)
    if upheld not in (True, False):
        raise ValidationError({"decision": _("Uphold or dismiss the appeal.")})
    locked = Appeal.objects.select_for_update().get(pk=appeal.pk)
    if locked.decision != AppealDecision.PENDING:
        raise AppealRefused(_("This appeal has already been decided."), code="already_decided")
    locked.decision = AppealDecision.UPHELD if upheld else AppealDecision.DISMISSED
    locked.decision_notes = notes
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.save()
    if upheld:
        Rating.objects.filter(pk=locked.rating_id).update(excluded=True)
    return locked


# --- complaints -------------------------------------------------------------------------------


def new_complaint_reference():
    return COMPLAINT_PREFIX + "".join(secrets.choice(_REFERENCE_ALPHABET) for _i in range(9))


def submit_complaint(*, name, phone, matter, description, window=None, item=None):
    """办不成事反映: record the report, due within COMPLAINT_DUE_DAYS working days, and tell the
    person its reference."""
    due = workdays.add_working_days(local_today(), settings.COMPLAINT_DUE_DAYS)
    for _attempt in range(5):
        try:
            with transaction.atomic():
                complaint = Complaint.objects.create(
                    reference=new_complaint_reference(),
                    name=name,
                    phone=phone,
                    matter=matter,
                    description=description,
                    window=window,
                    item=item,
                    due=due,
                )
                _notify_received(complaint)
                return complaint
        except IntegrityError:
            continue  # a reference collision: draw another
    raise IntegrityError("Could not draw a free complaint reference.")


def complaint_lookup_link():
    return f"{settings.PORTAL_BASE_URL.rstrip('/')}{reverse('reviews:complaint_lookup')}"


def _notify_received(complaint):
    facts = {
        "reference": complaint.reference,
        "due": complaint.due.isoformat(),
        "link": complaint_lookup_link(),
    }
    notices.queue_message(
        "complaint_received",
        f"complaint-received:{complaint.reference}",
        channel=NoticeChannel.SMS,
        recipient=complaint.phone,
        facts=facts,
    )


def _require_bureau(actor):
    if not is_bureau(actor):
        raise PermissionDenied(_("Only the bureau handles complaints."))


def _lock_open_complaint(complaint):
    locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if locked.status == ComplaintStatus.CLOSED:
        raise StepRefused(_("This complaint is closed."), code="closed")
    return locked


# Steps recorded while a complaint is handled; the reply closes it (close_complaint).
COMPLAINT_STEPS = (StepKind.FOLLOW_UP, StepKind.VERIFY, StepKind.RECTIFY, StepKind.NOTE)


@transaction.atomic
def complaint_step(complaint, actor, kind, method, notes):
    """One step of handling a complaint: who did what, when, and what was said."""
    _require_bureau(actor)
    notes = _require_notes(notes)
    if kind not in COMPLAINT_STEPS:
        raise ValidationError({"kind": _("Choose a step.")})
    if method:
        _require_method(method)
    locked = _lock_open_complaint(complaint)
    if locked.status == ComplaintStatus.RECEIVED:
        locked.status = ComplaintStatus.IN_PROGRESS
        locked.save(update_fields=["status"])
    Step.objects.create(complaint=locked, kind=kind, actor=actor, method=method, notes=notes)
    return locked


@transaction.atomic
def link_complaint(complaint, actor, *, case_reference="", window=None):
    """Link the complaint to the case it is about (by reference) or to a window. A case brings
    its window with it."""
    _require_bureau(actor)
    locked = _lock_open_complaint(complaint)
    case_reference = (case_reference or "").strip().upper()
    if case_reference:
        case = Case.objects.filter(reference=case_reference).select_related("window").first()
        if case is None:
            raise ValidationError({"case_reference": _("No case has this reference.")})
        locked.case, locked.window = case, case.window
        note = _("Linked to case %(reference)s.") % {"reference": case.reference}
    elif window is not None:
        locked.window = window
        note = _("Linked to window %(window)s.") % {"window": window.name}
    else:
        raise ValidationError({"case_reference": _("Give a case reference or choose a window.")})
    locked.save(update_fields=["case", "window"])
    Step.objects.create(complaint=locked, kind=StepKind.NOTE, actor=actor, notes=note)
    return locked


@transaction.atomic
def close_complaint(complaint, actor, method, notes):
    """反馈 and close: record the reply to the person and tell them it is done."""
    _require_bureau(actor)
    notes = _require_notes(notes)
    method = _require_method(method)
    locked = _lock_open_complaint(complaint)
    locked.status = ComplaintStatus.CLOSED
    locked.closed_at = timezone.now()
    locked.save(update_fields=["status", "closed_at"])
    Step.objects.create(
        complaint=locked, kind=StepKind.REPLY, actor=actor, method=method, notes=notes
    )
    _notify_closed(locked, notes)
    return locked


def _notify_closed(complaint, notes):
    reply_text = notes if len(notes) <= 200 else notes[:199] + "…"
    facts = {"reference": complaint.reference, "reply": reply_text}
    notices.queue_message(
        "complaint_closed",
        f"complaint-closed:{complaint.reference}",
        channel=NoticeChannel.SMS,
        recipient=complaint.phone,
        facts=facts,
    )


def complaint_deadline(complaint, today):
    return deadline_state(complaint, today)


def find_complaint(reference, phone):
    """The complaint with this reference and mobile number, else None (the same answer for a
    wrong reference and a wrong number)."""
    reference = (reference or "").strip().upper()
    if not reference or not phone:
        return None
    return (
        Complaint.objects.filter(reference=reference, phone=phone)
        .select_related("window", "item")
        .first()
    )
