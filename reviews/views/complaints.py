"""Complaint pages (办不成事反映): the public form and its confirmation, the public lookup by
reference and mobile number, and the bureau's pages to handle, link and close complaints.

Complaints are the bureau's alone (reviews.services.complaints.complaints_for_user): window
staff never see them, since a complaint may be about their own window.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import F
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.core import is_ratelimited

from appointments import deadlines, phone_codes
from appointments.masking import mask_name, mask_phone
from appointments.views.phone_code import send_code_from_page, wants_code
from ipservice import dates
from windows.models import require_bureau

from ..constants import StepKind
from ..exceptions import StepRefused
from ..forms import (
    ComplaintCloseForm,
    ComplaintFilterForm,
    ComplaintForm,
    ComplaintLinkForm,
    ComplaintLookupForm,
    ComplaintStepForm,
)
from ..models import Complaint, Step
from ..services.complaints import (
    close_complaint,
    complaint_deadline,
    complaints_for_user,
    find_complaint,
    get_complaint_for_user,
    link_complaint,
    submit_complaint,
)
from ..services.complaints import complaint_step as record_complaint_step
from .ratings import apply_form_errors

PAGE_SIZE = 50
# The reference of the report just made in this browser, for the confirmation page.
RECEIVED_KEY = "complaint_received"


def _limited(request, group, rate):
    return is_ratelimited(request, group=group, key="ip", rate=rate, method="POST", increment=True)


def submission_rate():
    return settings.COMPLAINT_RATE_LIMIT


# --- public pages -----------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def complaint_new(request):
    context = {"due_days": settings.COMPLAINT_DUE_DAYS, "code_purpose": ComplaintForm.code_purpose}
    if wants_code(request):
        # "Send the code" without JavaScript: send it, and show what was typed again.
        context["code_sent"], context["code_message"] = send_code_from_page(
            request, ComplaintForm.code_purpose
        )
        form = ComplaintForm(initial=request.POST.dict())
    else:
        form = ComplaintForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and not wants_code(request):
        if _limited(request, "reviews.complaint", submission_rate()):
            return render(request, "reviews/complaint_limited.html", status=429)
        if form.is_valid() and (complaint := _submit(form)):
            request.session[RECEIVED_KEY] = complaint.reference
            return redirect("reviews:complaint_received")
    if not phone_codes.required():
        form.fields.pop("phone_code")
    context.update(form=form, verification=phone_codes.required())
    return render(request, "reviews/complaint_new.html", context)


def _submit(form):
    """The complaint, with the form's code spent in the same transaction; None, with the error
    on the code's field, if another request spent the code first."""
    data = {key: value for key, value in form.cleaned_data.items() if key != "phone_code"}
    with transaction.atomic():
        if form.phone_code_id is not None and not phone_codes.use(form.phone_code_id):
            form.add_error("phone_code", _("This code has been used. Ask for a new one."))
            return None
        return submit_complaint(**data)


@never_cache
@require_GET
def complaint_received(request):
    """The confirmation with the reference; only in the browser that sent the report."""
    reference = request.session.get(RECEIVED_KEY)
    complaint = Complaint.objects.filter(reference=reference).first() if reference else None
    if complaint is None:
        return redirect("reviews:complaint_new")
    return render(request, "reviews/complaint_received.html", {"complaint": complaint})


def public_steps(complaint):
    """What the person sees of the handling: the kind and date of each step, and the reply in
    full; staff names and internal notes stay inside the bureau."""
    steps = Step.objects.filter(complaint=complaint).order_by("at", "pk")
    return [
        {"label": StepKind(step.kind).label, "at": step.at, "reply": step.notes}
        if step.kind == StepKind.REPLY
        else {"label": StepKind(step.kind).label, "at": step.at}
        for step in steps
        if step.kind != StepKind.NOTE
    ]


@never_cache
@require_http_methods(["GET", "POST"])
def complaint_lookup(request):
    """Reference + mobile number → the report's progress. The same "not found" for a wrong
    reference and a wrong number; attempts are rate-limited per client."""
    form = ComplaintLookupForm(request.POST if request.method == "POST" else None)
    complaint = None
    if request.method == "POST":
        if _limited(request, "reviews.complaint-lookup", settings.LOOKUP_RATE_LIMIT):
            return render(request, "reviews/complaint_limited.html", status=429)
        if form.is_valid():
            data = form.cleaned_data
            complaint = find_complaint(data["reference"], data["phone"])
            if complaint is None:
                form.add_error(None, _("No report matches this reference and mobile number."))
    context = {"form": form, "complaint": complaint}
    if complaint is not None:
        context["steps"] = public_steps(complaint)
        context["deadline"] = complaint_deadline(complaint, dates.today())
    return render(request, "reviews/complaint_lookup.html", context)


# --- bureau pages -----------------------------------------------------------------------------


@login_required
@require_GET
def complaint_list(request):
    require_bureau(request.user, _("Only the bureau handles complaints."))
    today = dates.today()
    form = ComplaintFilterForm(request.GET)
    complaints = (
        complaints_for_user(request.user)
        .select_related("window", "item")
        .annotate(deadline=deadlines.deadline_annotation("due", today))
    )
    if form.is_valid():
        data = form.cleaned_data
        if data["status"]:
            complaints = complaints.filter(status=data["status"])
        if data["deadline"] == deadlines.OVERDUE:
            complaints = complaints.filter(deadlines.overdue_filter("due", today))
        elif data["deadline"] == deadlines.NEAR_DUE:
            complaints = complaints.filter(deadlines.near_due_filter("due", today))
    complaints = complaints.order_by(F("closed_at").asc(nulls_first=True), "due", "pk")
    # Queries: session, user, bureau group, the calendar for the near-due limit, count, the
    # page of complaints with their window and item.
    page = Paginator(complaints, PAGE_SIZE).get_page(request.GET.get("page"))
    for complaint in page.object_list:
        complaint.masked_name = mask_name(complaint.name)
        complaint.masked_phone = mask_phone(complaint.phone)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "filtered": any(request.GET.get(k) for k in ("status", "deadline")),
        "deadline_labels": deadlines.DEADLINE_LABELS,
    }
    return render(request, "reviews/complaint_list.html", context)


def _staff_steps(complaint):
    return list(Step.objects.filter(complaint=complaint).select_related("actor"))


def _detail_context(complaint, **forms):
    is_open = complaint.closed_at is None
    return {
        "complaint": complaint,
        "steps": _staff_steps(complaint),
        "deadline": complaint_deadline(complaint, dates.today()),
        "deadline_labels": deadlines.DEADLINE_LABELS,
        "step_form": (forms.get("step_form") or ComplaintStepForm(prefix="step"))
        if is_open
        else None,
        "link_form": (forms.get("link_form") or ComplaintLinkForm(prefix="link"))
        if is_open
        else None,
        "close_form": (forms.get("close_form") or ComplaintCloseForm(prefix="close"))
        if is_open
        else None,
    }


@login_required
@require_GET
def complaint_detail(request, pk):
    complaint = get_complaint_for_user(request.user, pk)
    return render(request, "reviews/complaint_detail.html", _detail_context(complaint))


def _handle(request, pk, form_class, prefix, action, done_message):
    """POST of one of the complaint page's forms: run `action(complaint, form data)`."""
    complaint = get_complaint_for_user(request.user, pk)
    form = form_class(request.POST, prefix=prefix)
    if form.is_valid():
        try:
            action(complaint, form.cleaned_data)
        except StepRefused as refusal:
            messages.error(request, refusal.message)
            return redirect("reviews:complaint_detail", pk=complaint.pk)
        except ValidationError as error:
            apply_form_errors(form, error)
        else:
            messages.success(request, done_message)
            return redirect("reviews:complaint_detail", pk=complaint.pk)
    context = _detail_context(complaint, **{f"{prefix}_form": form})
    return render(request, "reviews/complaint_detail.html", context)


@login_required
@require_POST
def complaint_step(request, pk):
    def action(complaint, data):
        record_complaint_step(complaint, request.user, data["kind"], data["method"], data["notes"])

    return _handle(request, pk, ComplaintStepForm, "step", action, _("The step has been recorded."))


@login_required
@require_POST
def complaint_link(request, pk):
    def action(complaint, data):
        link_complaint(
            complaint, request.user, case_reference=data["case_reference"], window=data["window"]
        )

    return _handle(request, pk, ComplaintLinkForm, "link", action, _("The link has been saved."))


@login_required
@require_POST
def complaint_close(request, pk):
    def action(complaint, data):
        close_complaint(complaint, request.user, data["method"], data["notes"])

    message = _("The complaint is closed and the person has been told.")
    return _handle(request, pk, ComplaintCloseForm, "close", action, message)
