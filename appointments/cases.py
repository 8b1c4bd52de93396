"""Case handling at the window: access, walk-in registration, the staff actions and deadlines.

Pages (views/workbench.py) and the API (api/case_views.py) call these same functions, so that
who may see or move a case, and how its due dates are computed, is decided in one place.
"""

import datetime as dt

import django_filters
from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import F, Q, Value, When
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ipservice import dates
from ipservice.forms import DateFilter
from windows.models import ServicePoint

from . import case_notes, notices, workdays
from .constants import OPEN_STATUSES, RUNNING_STATUSES, Action, Channel, Status
from .deadlines import (
    NEAR_DUE,
    OVERDUE,
    date_state,
    deadline_annotation,
)
from .models import Case
from .references import PREFIXES, new_reference
from .signals import case_completed
from .workflow import apply_transition, record_event

# Channels staff register at the window; bookings are made by the person (booking pages/API).
STAFF_CHANNELS = (Channel.WALK_IN, Channel.MAIL, Channel.ONLINE)


# --- access -------------------------------------------------------------------------------


def get_case_for_user(user, pk, *, handle=False):
    """The case if `user` may see it, else 404, so that a stranger never learns it exists.

    With `handle=True` the user must also work at the case's window: the bureau may read every
    case but only window staff move them (403, since the bureau can see the case anyway).
    """
    case = (
        Case.objects.for_user(user)
        .select_related("window", "item", "slot", "handled_by")
        .filter(pk=pk)
        .first()
    )
    if case is None:
        raise Http404("No such case.")
    if handle and not can_handle(user, case.window_id):
        raise PermissionDenied(_("Only staff of this window can handle its cases."))
    return case


def handling_windows(user):
    """The windows where `user` registers and handles cases: their memberships, bureau or not."""
    if not user.is_authenticated:
        return ServicePoint.objects.none()
    return ServicePoint.objects.filter(memberships__user=user, active=True).distinct()


def can_handle(user, window_id):
    if not user.is_authenticated:
        return False
    return user.memberships.filter(window_id=window_id).exists()


# --- registration -------------------------------------------------------------------------


def check_intake(user, window, item, channel):
    """The rules for a case registered by staff; raises ValidationError keyed by field."""
    errors = {}
    if not handling_windows(user).filter(pk=window.pk).exists():
        errors["window"] = _("You can register cases only at a window where you work.")
    elif not window.items.filter(pk=item.pk).exists():
        errors["item"] = _("This window does not offer this item.")
    if channel not in STAFF_CHANNELS:
        errors["channel"] = _(
            "Staff register walk-in, mail and online cases; bookings are made by the person."
        )
    if errors:
        raise ValidationError(errors)


def create_walk_in(
    *, window, item, channel, name, phone, id_type, id_number, actor, email="", language=None
):
    """Register a walk-in, mail or online case: the person or file is at the window already,
    so the case starts checked in, with `start` the time it arrived. `language`: the one the
    person's messages are written in (an online application's); by default the portal's."""
    check_intake(actor, window, item, channel)
    for _attempt in range(5):
        try:
            with transaction.atomic():
                case = Case.objects.create(
                    reference=new_reference(PREFIXES[channel]),
                    window=window,
                    item=item,
                    channel=channel,
                    status=Status.CHECKED_IN,
                    start=timezone.now(),
                    name=name,
                    phone=phone,
                    id_type=id_type,
                    id_number=id_number,
                    email=email or "",
                    language=language or settings.LANGUAGE_CODE,
                    handled_by=actor,
                )
                record_event(
                    case, Action.CREATE, actor=actor, system_note=case_notes.channel(channel)
                )
                return case
        except IntegrityError:
            continue  # a reference drawn at the same moment elsewhere: draw another
    raise IntegrityError("Could not draw a free case reference.")


# --- staff actions --------------------------------------------------------------------------


def check_in(case, actor):
    return apply_transition(case, Action.CHECK_IN, actor=actor)


def due_dates(item, accepted_on):
    """Legal and promised due dates, in working days counted from the day after acceptance."""
    return {
        "legal_due": _add(accepted_on, item.legal_limit_days),
        "promised_due": _add(accepted_on, item.promised_limit_days),
    }


def _add(start, days):
    return workdays.add_working_days(start, days) if days else None


def _acceptance_changes(case, actor):
    # Accepting a pending case (the missing materials came) keeps the clock started by the
    # 容缺 acceptance: the time limit runs from the first acceptance, not from the paperwork.
    if case.status == Status.PENDING and case.accepted_on:
        return {"handled_by": actor}
    accepted_on = dates.today()
    return {"handled_by": actor, "accepted_on": accepted_on, **due_dates(case.item, accepted_on)}


@transaction.atomic
def accept(case, actor):
    came = (case_notes.MATERIALS_CAME, {}) if case.status == Status.PENDING else None
    changes = _acceptance_changes(case, actor)
    case = apply_transition(case, Action.ACCEPT, actor=actor, system_note=came, **changes)
    case.missing_materials.clear()
    return case


def clean_pending(item, materials, materials_due):
    """Validate a 容缺 acceptance; returns the Material rows. `materials` holds Material rows,
    ids or names of the item's materials."""
    errors = {}
    chosen = _resolve_materials(item, materials or [])
    if chosen is None:
        errors["materials"] = _("Choose materials from this item's checklist.")
    elif not chosen:
        errors["materials"] = _("Choose at least one missing material.")
    elif any(not m.tolerable for m in chosen):
        names = "、".join(m.name for m in chosen if not m.tolerable)
        errors["materials"] = _("These materials cannot be missing: %(names)s.") % {"names": names}
    if not isinstance(materials_due, dt.date):
        errors["materials_due"] = _("Give the date by which the materials must come.")
    elif materials_due <= dates.today():
        errors["materials_due"] = _("The date must be in the future.")
    if errors:
        raise ValidationError(errors)
    return chosen


def _resolve_materials(item, materials):
    """Material rows of `item` for rows, ids or names; None if any is not the item's."""
    by_id = {m.pk: m for m in item.materials.all()}
    by_name = {m.name: m for m in by_id.values()}
    chosen = []
    for entry in materials:
        key = getattr(entry, "pk", entry)
        found = by_id.get(key) if isinstance(key, int) else by_name.get(str(key).strip())
        if found is None and isinstance(key, str) and key.strip().isdigit():
            found = by_id.get(int(key))
        if found is None:
            return None
        if found not in chosen:
            chosen.append(found)
    return chosen


@transaction.atomic
def accept_pending(case, actor, materials, materials_due):
    """容缺受理: accept with tolerable materials missing, on a commitment to bring them."""
    chosen = clean_pending(case.item, materials, materials_due)
    case = apply_transition(
        case,
        Action.ACCEPT_PENDING,
        actor=actor,
        system_note=case_notes.missing_materials(chosen, materials_due),
        materials_due=materials_due,
        **_acceptance_changes(case, actor),
    )
    case.missing_materials.set(chosen)
    notices.pending_accepted(case)
    return case


def reject(case, actor, reason):
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the rejection.")})
    return apply_transition(
        case, Action.REJECT, actor=actor, note=reason, reject_reason=reason, handled_by=actor
    )


@transaction.atomic
def complete(case, actor):
    with transaction.atomic():
        case = apply_transition(case, Action.COMPLETE, actor=actor, completed_at=timezone.now())
        # Announced in the same transaction: reviews queues the invitation to rate the case
        # (好差评) as a notice, which commits or rolls back with the completion.
        case_completed.send(sender=Case, case=case)
    return case


# --- deadlines ------------------------------------------------------------------------------


def effective_due(case):
    """The date staff work to: the promised one where the item has it, else the legal one."""
    return case.promised_due or case.legal_due


def deadline_state(case, today):
    """ "overdue", "near_due" (≤ NEAR_DUE_WORKING_DAYS working days left), "ok", or None when
    no clock runs (not accepted yet, finished, or an item without a time limit)."""
    if case.status not in RUNNING_STATUSES:
        return None
    return date_state(effective_due(case), today)


def with_deadlines(queryset, today):
    """Annotate `due` and `deadline` (the same values as deadline_state) in SQL, so a list
    costs one calendar lookup per request instead of one per row."""
    no_clock = ~Q(status__in=RUNNING_STATUSES) | Q(due__isnull=True)
    return queryset.annotate(
        due=Coalesce("promised_due", "legal_due"),
        deadline=deadline_annotation("due", today, stopped=no_clock),
    )


def due_first(queryset, today):
    """Staff list order: open cases first, the earliest due date first, then by time."""
    return (
        with_deadlines(queryset, today)
        .annotate(
            closed=models.Case(
                When(status__in=OPEN_STATUSES, then=Value(0)),
                default=Value(1),
                output_field=models.IntegerField(),
            )
        )
        .order_by("closed", F("due").asc(nulls_last=True), F("start").asc(nulls_last=True), "pk")
    )


def open_cases(queryset):
    """Cases being handled at the window (bookings not yet checked in are listed by day)."""
    return queryset.filter(status__in=[s for s in OPEN_STATUSES if s != Status.BOOKED])


def commitments_due(queryset, today):
    """容缺 cases whose missing materials are due soon or overdue (deadlines.date_state of
    `materials_due`: the same "near" as every deadline), earliest first, each with its
    `commitment` state."""
    pending = queryset.filter(status=Status.PENDING, materials_due__isnull=False).annotate(
        commitment=deadline_annotation("materials_due", today, stopped=~Q(status=Status.PENDING))
    )
    return pending.filter(commitment__in=[OVERDUE, NEAR_DUE]).order_by("materials_due", "pk")


# --- lists ----------------------------------------------------------------------------------


class WindowChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name


class WindowFilter(django_filters.ModelChoiceFilter):
    field_class = WindowChoiceField


def _user_windows(request):
    return ServicePoint.objects.for_user(request.user) if request else ServicePoint.objects.none()


class CaseFilter(django_filters.FilterSet):
    """The filters of the staff case list and of GET /api/v1/cases/; an unknown status, a
    window the user cannot see or a malformed date is an error (400 in the API)."""

    reference = django_filters.CharFilter(label=gettext_lazy("Reference"), method="by_reference")
    status = django_filters.ChoiceFilter(label=gettext_lazy("Status"), choices=Status.choices)
    channel = django_filters.ChoiceFilter(label=gettext_lazy("Channel"), choices=Channel.choices)
    window = WindowFilter(label=gettext_lazy("Window"), queryset=_user_windows)
    date = DateFilter(
        label=gettext_lazy("Day"),
        method="by_day",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = Case
        fields = ["reference", "status", "channel", "window", "date"]

    def by_reference(self, queryset, name, value):
        return queryset.filter(reference__iexact=value.strip())

    def by_day(self, queryset, name, value):
        start, end = dates.day_bounds(value)
        return queryset.filter(start__gte=start, start__lt=end)
