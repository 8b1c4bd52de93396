"""Rectification (整改) pages: the list with due dates, one rectification with its timeline and
the form of its next step, and the ledger (台账) download.

Window staff read their windows' rectifications; the bureau and the window's supervisor work
them (reviews.services.rectifications.get_rectification_for_user with work=True).
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import F
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from appointments import deadlines
from appointments.masking import mask_name, mask_phone
from ipservice import dates
from ipservice.spreadsheets import XLSX_CONTENT_TYPE
from windows.models import ServicePoint

from .. import exports
from ..constants import StepKind
from ..exceptions import StepRefused
from ..forms import RECTIFICATION_STEP_FORMS, NoteForm, RectificationFilterForm
from ..models import Appeal, Step
from ..services.rectifications import (
    add_note,
    can_work_rectification,
    follow_up,
    get_rectification_for_user,
    is_on_time,
    late_steps,
    next_step,
    rectification_deadline,
    rectifications_for_user,
    rectify,
    reply,
    verify,
)
from .ratings import apply_form_errors, rating_summary

PAGE_SIZE = 50

STEP_ACTIONS = {
    StepKind.FOLLOW_UP: follow_up,
    StepKind.VERIFY: verify,
    StepKind.RECTIFY: rectify,
    StepKind.REPLY: reply,
    StepKind.NOTE: add_note,
}


def filtered_rectifications(user, params, today):
    """The user's rectifications filtered by `params` (status, window, deadline), with the
    deadline state annotated; returns (form, queryset). Invalid filters are left out."""
    form = RectificationFilterForm(params, windows=ServicePoint.objects.for_user(user))
    queryset = rectifications_for_user(user).annotate(
        deadline=deadlines.deadline_annotation("rectify_due", today)
    )
    if form.is_valid():
        data = form.cleaned_data
        if data["status"]:
            queryset = queryset.filter(status=data["status"])
        if data["window"]:
            queryset = queryset.filter(window=data["window"])
        if data["deadline"] == deadlines.OVERDUE:
            queryset = queryset.filter(deadlines.overdue_filter("rectify_due", today))
        elif data["deadline"] == deadlines.NEAR_DUE:
            queryset = queryset.filter(deadlines.near_due_filter("rectify_due", today))
    # Open ones first, the earliest due first.
    ordered = queryset.order_by(F("closed_at").asc(nulls_first=True), "rectify_due", "pk")
    return form, ordered


def with_late_steps(rows, today):
    for row in rows:
        row.late_steps = late_steps(row, today)
    return rows


@login_required
@require_GET
def rectification_list(request):
    today = dates.today()
    form, rectifications = filtered_rectifications(request.user, request.GET, today)
    rectifications = rectifications.select_related("window", "rating__item", "rating__case")
    # Queries: session, user, bureau group, the calendar for the near-due limit, the windows of
    # the filter, count, and the page of rectifications with rating, case, item and window.
    page = Paginator(rectifications, PAGE_SIZE).get_page(request.GET.get("page"))
    with_late_steps(page.object_list, today)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "filtered": any(request.GET.get(k) for k in ("status", "window", "deadline")),
        "contact_days": settings.RECTIFICATION_CONTACT_DAYS,
        "reply_days": settings.RECTIFICATION_REPLY_DAYS,
        "rectify_days": settings.RECTIFICATION_RECTIFY_DAYS,
    }
    return render(request, "reviews/rectification_list.html", context)


def _steps(rect):
    return list(Step.objects.filter(rectification=rect).select_related("actor"))


def _detail_context(request, rect, bound_form=None):
    today = dates.today()
    rating, case = rect.rating, rect.rating.case
    can_work = can_work_rectification(request.user, rect.window_id)
    step = next_step(rect) if can_work else None
    form = None
    if step:
        form = bound_form if bound_form is not None and bound_form.prefix == step else None
        form = form or RECTIFICATION_STEP_FORMS[step](prefix=step)
    note_form = None
    if can_work and step:
        note_form = bound_form if bound_form is not None and bound_form.prefix == "note" else None
        note_form = note_form or NoteForm(prefix="note")
    # Those who must call the person back see the number; the staff member who was rated
    # (and colleagues) see it masked, like any list.
    person = {
        "name": case.name if can_work else mask_name(case.name),
        "phone": case.phone if can_work else mask_phone(case.phone),
    }
    return {
        **rating_summary(rating),
        "rect": rect,
        "case": case,
        "person": person,
        "steps": _steps(rect),
        "appeal": Appeal.objects.filter(rating=rating).select_related("decided_by").first(),
        "can_work": can_work,
        "next_step": step,
        "next_step_label": StepKind(step).label if step else "",
        "form": form,
        "note_form": note_form,
        "deadline": rectification_deadline(rect, today),
        "deadline_labels": deadlines.DEADLINE_LABELS,
        "late_steps": [StepKind(kind).label for kind in late_steps(rect, today)],
        "on_time": is_on_time(rect),
    }


@login_required
@require_GET
def rectification_detail(request, pk):
    rect = get_rectification_for_user(request.user, pk)
    return render(request, "reviews/rectification_detail.html", _detail_context(request, rect))


@login_required
@require_POST
def rectification_step(request, pk, kind):
    """Record one step (follow-up, verification, rectification, reply) or a note."""
    if kind not in STEP_ACTIONS:
        raise Http404
    rect = get_rectification_for_user(request.user, pk, work=True)
    prefix = "note" if kind == StepKind.NOTE else kind
    form = RECTIFICATION_STEP_FORMS[kind](request.POST, prefix=prefix)
    if form.is_valid():
        try:
            STEP_ACTIONS[kind](rect, request.user, **form.cleaned_data)
        except StepRefused as refusal:
            messages.error(request, refusal.message)
            return redirect("reviews:rectification_detail", pk=rect.pk)
        except ValidationError as error:
            apply_form_errors(form, error)
        else:
            messages.success(request, _("The step has been recorded."))
            return redirect("reviews:rectification_detail", pk=rect.pk)
    context = _detail_context(request, rect, bound_form=form)
    return render(request, "reviews/rectification_detail.html", context)


@login_required
@require_GET
def rectification_ledger(request):
    """The ledger (台账) of the rectifications in the list, as .xlsx, personal data masked."""
    today = dates.today()
    _form, rectifications = filtered_rectifications(request.user, request.GET, today)
    content = exports.ledger_workbook(rectifications, today)
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    filename = f"rectification-ledger-{today:%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
