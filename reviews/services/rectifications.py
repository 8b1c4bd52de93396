"""The rectification (整改) of a bad rating: who works it, its "1、5、15" working-day limits,
and its steps 回访 follow-up → 核实 verification → 整改 rectification → 反馈 reply, in order.

Every step locks the row, so two people recording the same step at once cannot both succeed.
"""

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from appointments import workdays
from appointments.deadlines import date_state
from ipservice import dates
from windows.constants import Role
from windows.models import StaffMembership, is_bureau

from ..constants import RectificationStatus, StepKind
from ..exceptions import StepRefused
from ..models import Rectification, Step
from .steps import require_method, require_notes

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


def rectifications_for_user(user):
    if not user.is_authenticated:
        return Rectification.objects.none()
    if is_bureau(user):
        return Rectification.objects.all()
    return Rectification.objects.filter(window__memberships__user=user)


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


# --- opening ----------------------------------------------------------------------------------


def rectification_dues(opened_on):
    """The "1、5、15" limits, in working days counted from the day after the rating."""
    return {
        "contact_due": workdays.add_working_days(opened_on, settings.RECTIFICATION_CONTACT_DAYS),
        "reply_due": workdays.add_working_days(opened_on, settings.RECTIFICATION_REPLY_DAYS),
        "rectify_due": workdays.add_working_days(opened_on, settings.RECTIFICATION_RECTIFY_DAYS),
    }


def open_rectification(rating):
    opened_on = dates.local_day(rating.created_at)
    return Rectification.objects.create(
        rating=rating,
        window_id=rating.window_id,
        opened_on=opened_on,
        **rectification_dues(opened_on),
    )


# --- steps ------------------------------------------------------------------------------------


def next_step(rect):
    """The step the rectification waits for, None once closed. A complaint found not
    substantiated has nothing to rectify and goes straight to the reply."""
    if rect.status == RectificationStatus.VERIFIED:
        return StepKind.RECTIFY if rect.substantiated else StepKind.REPLY
    return NEXT_STEP.get(rect.status)


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
    notes = require_notes(notes)
    method = require_method(method)
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
    notes = require_notes(notes)
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
    notes = require_notes(notes)
    return _apply_step(rect, StepKind.RECTIFY, actor, notes=notes, rectified_at=timezone.now())


def reply(rect, actor, method, notes):
    """反馈: how the person was answered and what they were told. The only way to close."""
    notes = require_notes(notes)
    method = require_method(method)
    return _apply_step(
        rect, StepKind.REPLY, actor, notes=notes, method=method, closed_at=timezone.now()
    )


def add_note(rect, actor, notes):
    """A note on the record (e.g. the person could not be reached), at any stage before closing."""
    notes = require_notes(notes)
    with transaction.atomic():
        locked = Rectification.objects.select_for_update().get(pk=rect.pk)
        if not can_work_rectification(actor, locked.window_id):
            raise PermissionDenied(_("Only the bureau and the window's supervisor work this."))
        if locked.status == RectificationStatus.CLOSED:
            raise StepRefused(_("This rectification is closed."), code="closed")
        return Step.objects.create(
            rectification=locked, kind=StepKind.NOTE, actor=actor, notes=notes
        )


# --- deadlines --------------------------------------------------------------------------------


def rectification_deadline(rect, today):
    """OVERDUE/NEAR_DUE/OK of an open rectification against its rectify-by date; None once
    closed. The same values as appointments.deadlines.deadline_annotation("rectify_due")."""
    if rect.closed_at:
        return None
    return date_state(rect.rectify_due, today)


def is_on_time(rect):
    """Closed on or before its rectify-by date (the figure of the published statistics)."""
    return bool(rect.closed_at) and dates.local_day(rect.closed_at) <= rect.rectify_due


def late_steps(rect, today):
    """The stage limits missed so far: contact (1 working day) and, for matters not marked
    complex, the reply (5 working days). The 15-day limit is the overdue badge itself."""
    late = []
    contacted = dates.local_day(rect.followed_up_at) if rect.followed_up_at else None
    if (contacted or today) > rect.contact_due:
        late.append(StepKind.FOLLOW_UP)
    closed = dates.local_day(rect.closed_at) if rect.closed_at else None
    if not rect.is_complex and (closed or today) > rect.reply_due:
        late.append(StepKind.REPLY)
    return late
