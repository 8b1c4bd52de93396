"""Complaints (办不成事反映): the person's report, its handling by the bureau step by step, and the
reply that closes it. Complaints are the bureau's alone: the person may be complaining about a
window, so its staff never see them."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from appointments import notices, texts, workdays
from appointments.constants import NoticeChannel
from appointments.deadlines import date_state
from appointments.models import Case
from appointments.references import make_reference
from ipservice import dates
from windows.models import is_bureau, require_bureau

from ..constants import ComplaintStatus, StepKind
from ..exceptions import StepRefused
from ..models import Complaint, Step
from .steps import require_method, require_notes

# 反映: not one of the case prefixes (appointments.references.PREFIXES), so a complaint
# reference is never mistaken for a case reference.
COMPLAINT_PREFIX = "F"

# Steps recorded while a complaint is handled; the reply closes it (close_complaint).
COMPLAINT_STEPS = (StepKind.FOLLOW_UP, StepKind.VERIFY, StepKind.RECTIFY, StepKind.NOTE)


# --- access -----------------------------------------------------------------------------------


def complaints_for_user(user):
    """Complaints are handled by the bureau only: the person may be complaining about a window,
    so its staff never see them."""
    if is_bureau(user):
        return Complaint.objects.all()
    return Complaint.objects.none()


def get_complaint_for_user(user, pk):
    complaint = (
        complaints_for_user(user).select_related("window", "item", "case").filter(pk=pk).first()
    )
    if complaint is None:
        raise Http404("No such complaint.")
    return complaint


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


# --- the person's report ----------------------------------------------------------------------


def submit_complaint(*, name, phone, matter, description, window=None, item=None):
    """办不成事反映: record the report, due within COMPLAINT_DUE_DAYS working days, and tell the
    person its reference."""
    due = workdays.add_working_days(dates.today(), settings.COMPLAINT_DUE_DAYS)
    for _attempt in range(5):
        try:
            with transaction.atomic():
                complaint = Complaint.objects.create(
                    reference=make_reference(COMPLAINT_PREFIX),
                    name=name,
                    phone=phone,
                    matter=matter,
                    description=description,
                    window=window,
                    item=item,
                    due=due,
                    language=texts.supported_language(),
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
    with notices.in_language_of(complaint):
        notices.queue_message(
            "complaint_received",
            f"complaint-received:{complaint.reference}",
            channel=NoticeChannel.SMS,
            recipient=complaint.phone,
            facts=facts,
        )


def _lock_open_complaint(complaint):
    locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if locked.status == ComplaintStatus.CLOSED:
        raise StepRefused(_("This complaint is closed."), code="closed")
    return locked


@transaction.atomic
def complaint_step(complaint, actor, kind, method, notes):
    """One step of handling a complaint: who did what, when, and what was said."""
    require_bureau(actor, _("Only the bureau handles complaints."))
    notes = require_notes(notes)
    if kind not in COMPLAINT_STEPS:
        raise ValidationError({"kind": _("Choose a step.")})
    if method:
        require_method(method)
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
    require_bureau(actor, _("Only the bureau handles complaints."))
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
    require_bureau(actor, _("Only the bureau handles complaints."))
    notes = require_notes(notes)
    method = require_method(method)
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
    with notices.in_language_of(complaint):
        notices.queue_message(
            "complaint_closed",
            f"complaint-closed:{complaint.reference}",
            channel=NoticeChannel.SMS,
            recipient=complaint.phone,
            facts=facts,
        )


def complaint_deadline(complaint, today):
    """OVERDUE/NEAR_DUE/OK of an open complaint against its due date; None once closed. The
    same values as appointments.deadlines.deadline_annotation("due")."""
    if complaint.closed_at:
        return None
    return date_state(complaint.due, today)
