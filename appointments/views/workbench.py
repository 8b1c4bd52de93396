"""Window staff pages (the workbench): today's bookings, check-in, the case page with its
actions, walk-in registration, and the case list with a masked export.

Every page needs a login. Staff see the cases of their own windows and the bureau sees all
(Case.objects.for_user); a case of another window is a 404; only staff of the case's window act
on it (cases.get_case_for_user(..., handle=True)), the bureau reads. Lists show personal data
masked; only the case page shows it whole.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, prefetch_related_objects
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from catalog.models import ServiceItem
from ipservice import dates
from ipservice.headers import permissions_policy
from windows.models import ServicePoint

from .. import cases, deadlines, workdays
from ..constants import Action, CalendarSource, Channel, Status
from ..exceptions import TransitionNotAllowed
from ..forms import PersonForm
from ..masking import mask_id, mask_name, mask_phone
from ..models import Case, CaseEvent
from ..workflow import allowed_actions
from . import workbench_export

OPEN_CASES_SHOWN = 50
LIST_PAGE_SIZE = 50


# Forms ---------------------------------------------------------------------------------------


class CheckInForm(forms.Form):
    reference = forms.CharField(
        label=gettext_lazy("Booking reference"),
        max_length=40,
        help_text=gettext_lazy("Type it, or scan the QR code with the scanner."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )

    def clean_reference(self):
        # Handheld scanners type the code followed by Enter; people type spaces and lower case.
        return "".join(self.cleaned_data["reference"].split()).upper()


class IntakeForm(forms.Form):
    """Where and how a walk-in, mail or online case comes in; the person is a PersonForm."""

    window = cases.WindowChoiceField(
        label=gettext_lazy("Window"), queryset=ServicePoint.objects.none()
    )
    item = forms.ModelChoiceField(
        label=gettext_lazy("Service item"), queryset=ServiceItem.objects.none()
    )
    channel = forms.ChoiceField(
        label=gettext_lazy("Channel"),
        choices=[(c.value, c.label) for c in cases.STAFF_CHANNELS],
        initial=Channel.WALK_IN,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        windows = cases.handling_windows(user)
        self.fields["window"].queryset = windows
        self.fields["item"].queryset = ServiceItem.objects.published().filter(
            pk__in=ServicePoint.items.through.objects.filter(servicepoint__in=windows).values(
                "serviceitem_id"
            )
        )
        self.fields["item"].label_from_instance = lambda item: f"{item.code} {item.display_name}"
        if len(windows) == 1:
            self.fields["window"].initial = windows[0].pk

    def clean(self):
        cleaned = super().clean()
        window, item, channel = (cleaned.get(k) for k in ("window", "item", "channel"))
        if window and item and channel:
            try:
                cases.check_intake(self.user, window, item, channel)
            except ValidationError as exc:
                self.add_error(None, exc)
        return cleaned


class PendingForm(forms.Form):
    """容缺受理: which tolerable materials are missing, and the date they must come by."""

    materials = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Missing materials"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Only materials the guide allows to be brought later."),
        error_messages={"required": gettext_lazy("Tick the materials to be brought later.")},
    )
    materials_due = forms.DateField(
        label=gettext_lazy("To be brought by"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": gettext_lazy("Enter the date by which the materials must be brought.")
        },
    )

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.case = case
        self.fields["materials"].queryset = case.item.materials.filter(tolerable=True)
        self.fields["materials"].label_from_instance = lambda m: m.display_name

    def clean(self):
        cleaned = super().clean()
        if "materials" in cleaned and "materials_due" in cleaned:
            try:
                cases.clean_pending(
                    self.case.item, list(cleaned["materials"]), cleaned["materials_due"]
                )
            except ValidationError as exc:
                self.add_error(None, exc)
        return cleaned


class ConfirmForm(forms.Form):
    """Accept and complete are not undone: one click must not do them. The clerk ticks that the
    check was made, then presses the button (no JavaScript pop-up)."""

    LABELS = {
        Action.ACCEPT: gettext_lazy("I have checked that all the materials are complete."),
        Action.COMPLETE: gettext_lazy("The case is finished and the result has been handed over."),
    }
    MESSAGES = {
        Action.ACCEPT: gettext_lazy(
            "Tick the box to confirm that the materials are complete, then accept."
        ),
        Action.COMPLETE: gettext_lazy(
            "Tick the box to confirm that the case is finished, then complete it."
        ),
    }

    confirm = forms.BooleanField()
    # The page says what to do (the error summary), not the browser's bubble.
    use_required_attribute = False

    def __init__(self, *args, action, **kwargs):
        super().__init__(*args, prefix=action, **kwargs)
        field = self.fields["confirm"]
        field.label = self.LABELS[action]
        field.error_messages["required"] = self.MESSAGES[action]


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for rejection"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("The person is told this reason."),
        error_messages={
            "required": gettext_lazy("Write why the case is rejected: the person is told.")
        },
    )


# Helpers -------------------------------------------------------------------------------------


def _mask_rows(rows):
    """Attach masked personal data for list templates (no query: the rows are loaded)."""
    for case in rows:
        case.masked_name = mask_name(case.name)
        case.masked_phone = mask_phone(case.phone)
        case.masked_id = mask_id(case.id_number)
    return rows


def fallback_years(today):
    """Years (this and next) with no published schedule: deadlines assume Monday–Friday."""
    years = (today.year, today.year + 1)
    return [y for y in years if workdays.calendar_source(y) == CalendarSource.FALLBACK]


def _selected_window(request, windows):
    raw = request.GET.get("window", "")
    if not raw.isdigit():
        return None
    return next((w for w in windows if w.pk == int(raw)), None)


# Pages ---------------------------------------------------------------------------------------


# The workbench and the check-in page carry the check-in form, whose scanner reads the QR code
# with the camera; every other page has camera=() (settings PERMISSIONS_POLICY).
SCANNER = permissions_policy(camera=["self"])


@login_required
@require_GET
@SCANNER
def workbench(request):
    today = dates.today()
    windows = list(ServicePoint.objects.for_user(request.user).order_by("code"))
    window = _selected_window(request, windows)
    mine = Case.objects.for_user(request.user).select_related("item", "window")
    if window:
        mine = mine.filter(window=window)
    day_start, day_end = dates.day_bounds(today)
    bookings = (
        mine.filter(channel=Channel.BOOKING, start__gte=day_start, start__lt=day_end)
        .exclude(status=Status.CANCELLED)
        .order_by("start", "pk")
    )
    open_cases = cases.due_first(cases.open_cases(mine), today)[:OPEN_CASES_SHOWN]
    commitments = cases.commitments_due(mine, today)[:OPEN_CASES_SHOWN]
    context = {
        "today": today,
        "windows": windows,
        "window": window,
        "bookings": _mask_rows(list(bookings)),
        "open_cases": _mask_rows(list(open_cases)),
        "commitments": _mask_rows(list(commitments)),
        "open_cases_limit": OPEN_CASES_SHOWN,
        "fallback_years": fallback_years(today),
        "check_in_form": CheckInForm(),
    }
    return render(request, "appointments/workbench/index.html", context)


def _render_case(request, case, *, status=200, **forms_given):
    today = dates.today()
    events = CaseEvent.objects.select_related("actor")
    prefetch_related_objects([case], Prefetch("events", queryset=events), "missing_materials")
    can_act = cases.can_handle(request.user, case.window_id)
    running = case.status in (Status.ACCEPTED, Status.PENDING)
    context = {
        "case": case,
        "today": today,
        "actions": [str(a) for a in allowed_actions(case)] if can_act else [],
        "can_act": can_act,
        "deadline": cases.deadline_state(case, today),
        "legal_state": deadlines.date_state(case.legal_due, today) if running else None,
        "promised_state": deadlines.date_state(case.promised_due, today) if running else None,
        "commitment_state": deadlines.date_state(case.materials_due, today)
        if case.status == Status.PENDING
        else None,
        "pending_form": forms_given.get("pending_form") or PendingForm(case=case),
        "reject_form": forms_given.get("reject_form") or RejectForm(),
        "accept_form": forms_given.get("accept_form") or ConfirmForm(action=Action.ACCEPT),
        "complete_form": forms_given.get("complete_form") or ConfirmForm(action=Action.COMPLETE),
        "fallback_years": fallback_years(today),
    }
    return render(request, "appointments/workbench/case_detail.html", context, status=status)


@login_required
@require_GET
def case_detail(request, pk):
    return _render_case(request, cases.get_case_for_user(request.user, pk))


DONE_MESSAGES = {
    Action.CHECK_IN: gettext_lazy("Checked in."),
    Action.ACCEPT: gettext_lazy("Accepted."),
    Action.ACCEPT_PENDING: gettext_lazy("Accepted pending the missing materials."),
    Action.REJECT: gettext_lazy("Rejected."),
    Action.COMPLETE: gettext_lazy("Completed."),
}
FORMS = {
    Action.ACCEPT_PENDING: "pending_form",
    Action.REJECT: "reject_form",
    Action.ACCEPT: "accept_form",
    Action.COMPLETE: "complete_form",
}


def _run_action(request, case, action):
    """Apply `action`; returns the invalid form (to show again) or None when done."""
    if action == Action.ACCEPT_PENDING:
        form = PendingForm(request.POST, case=case)
        if not form.is_valid():
            return form
        data = form.cleaned_data
        cases.accept_pending(case, request.user, list(data["materials"]), data["materials_due"])
    elif action == Action.REJECT:
        form = RejectForm(request.POST)
        if not form.is_valid():
            return form
        cases.reject(case, request.user, form.cleaned_data["reason"])
    elif action == Action.CHECK_IN:
        cases.check_in(case, request.user)
    else:
        form = ConfirmForm(request.POST, action=action)
        if not form.is_valid():
            return form
        if action == Action.ACCEPT:
            cases.accept(case, request.user)
        else:
            cases.complete(case, request.user)
    return None


@login_required
@require_POST
def case_action(request, pk, action):
    if action not in DONE_MESSAGES:
        raise Http404("No such action.")
    case = cases.get_case_for_user(request.user, pk, handle=True)
    try:
        if action not in allowed_actions(case):
            raise TransitionNotAllowed()
        invalid_form = _run_action(request, case, action)
    except TransitionNotAllowed as exc:
        # Someone else moved the case, or the page was old: say so, show the current state.
        messages.error(request, f"{exc.message} ({case.get_status_display()})")
        return redirect("appointments:case_detail", pk=case.pk)
    if invalid_form is not None:
        return _render_case(request, case, **{FORMS[action]: invalid_form}, status=400)
    messages.success(request, DONE_MESSAGES[action])
    return redirect("appointments:case_detail", pk=case.pk)


@login_required
@require_http_methods(["GET", "POST"])
@SCANNER
def check_in_lookup(request):
    """Find a case by its reference (typed, or scanned: the QR code holds only the reference).

    A booking for today at the user's window is checked in at once; anything else opens the
    case page with a note, so that nobody is checked in on the wrong day by accident.
    """
    form = CheckInForm(request.POST or None)
    # Ready for the scanner, which types the reference into whatever field has the focus.
    form.fields["reference"].widget.attrs["autofocus"] = True
    if request.method == "POST" and form.is_valid():
        case = (
            Case.objects.for_user(request.user)
            .filter(reference=form.cleaned_data["reference"])
            .first()
        )
        if case is not None:
            return _checked_in_or_opened(request, case)
        form.add_error("reference", _("No case with this reference at your windows."))
    status = 400 if form.errors else 200
    return render(request, "appointments/workbench/check_in.html", {"form": form}, status=status)


def _checked_in_or_opened(request, case):
    if case.status != Status.BOOKED or not cases.can_handle(request.user, case.window_id):
        messages.info(
            request,
            _("Case %(reference)s is %(status)s.")
            % {"reference": case.reference, "status": case.get_status_display()},
        )
    elif case.start and dates.local_day(case.start) != dates.today():
        messages.warning(
            request,
            _("This booking is for %(date)s, not today. Check it in here only if that is right.")
            % {"date": dates.local_day(case.start).isoformat()},
        )
    else:
        try:
            cases.check_in(case, request.user)
            messages.success(
                request, _("%(reference)s checked in.") % {"reference": case.reference}
            )
        except TransitionNotAllowed as exc:
            messages.error(request, exc.message)
    return redirect("appointments:case_detail", pk=case.pk)


@login_required
@require_http_methods(["GET", "POST"])
def walk_in(request):
    """Register a walk-in, mail or online case; it starts checked in."""
    if not cases.handling_windows(request.user).exists():
        return render(
            request, "appointments/workbench/walk_in.html", {"no_window": True}, status=403
        )
    intake = IntakeForm(request.POST or None, user=request.user)
    person = PersonForm(request.POST or None)
    # The booking form promises an SMS confirmation; a case registered here sends none.
    person.fields["phone"].help_text = gettext_lazy("For questions about this case.")
    if request.method == "POST" and intake.is_valid() and person.is_valid():
        try:
            case = cases.create_walk_in(
                **intake.cleaned_data,
                **{f: person.cleaned_data[f] for f in ("name", "phone", "id_type", "id_number")},
                email=person.cleaned_data.get("email", ""),
                actor=request.user,
            )
        except ValidationError as exc:
            intake.add_error(None, exc)
        else:
            messages.success(
                request, _("Registered as case %(reference)s.") % {"reference": case.reference}
            )
            return redirect("appointments:case_detail", pk=case.pk)
    status = 400 if request.method == "POST" else 200
    context = {"intake": intake, "person": person}
    return render(request, "appointments/workbench/walk_in.html", context, status=status)


@login_required
@require_GET
def case_list(request):
    """All cases of the user's windows, filtered; `?export=csv|xlsx` downloads the same rows
    with personal data masked."""
    today = dates.today()
    queryset = Case.objects.for_user(request.user).select_related("item", "window")
    filters = cases.CaseFilter(request.GET, queryset=queryset, request=request)
    rows = cases.due_first(filters.qs, today) if filters.is_valid() else queryset.none()
    export = request.GET.get("export")
    if export in workbench_export.FORMATS:
        return workbench_export.respond(rows, export, today)
    page = Paginator(rows, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = _mask_rows(list(page.object_list))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("export", None)
    context = {
        "filters": filters,
        "page": page,
        "query": query.urlencode(),
        "fallback_years": fallback_years(today),
    }
    # A bad filter shows the form again with its message, as a 400 (the request was wrong).
    status = 200 if filters.is_valid() else 400
    return render(request, "appointments/workbench/case_list.html", context, status=status)
