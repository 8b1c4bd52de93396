"""The pages of online applications (网上办):

- /apply/<item code>/: the application form (phone-friendly, one upload per material);
- /apply/status/<reference>/: the applicant's private status link (every step, the
  corrections' upload), its `?token=` exchanged for a cookie scoped to that address
  (ipservice.private_links), and the applicant's own files under it;
- /staff/applications/: the pre-review list of the staff member's windows (near-due and overdue
  badges as for cases); /staff/applications/<id>/: the review page, material by material, with
  the actions (return, accept, accept on commitment, reject, ship, complete).
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.core import is_ratelimited

from appointments import cases, phone_codes
from appointments.masking import mask_email, mask_id, mask_name, mask_phone
from appointments.views.phone_code import send_code_from_page, wants_code
from catalog.models import ServiceItem
from ipservice import private_links

from . import files, services
from .api.serializers import events, material_states
from .constants import Action, Status
from .exceptions import ApplicationError
from .forms import (
    ApplicationForm,
    CorrectionForm,
    PendingForm,
    RejectForm,
    ReviewForm,
    ShipForm,
    field_name,
)
from .models import Application

TOKEN_COOKIE = "application_token"
PAGE_SIZE = 50


def _online_item(code):
    item = get_object_or_404(ServiceItem.objects.published(), code=code)
    if "online" not in item.channels:
        raise Http404("not handled online")
    return item


# --- the applicant ------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def apply(request, code):
    item = _online_item(code)
    context = {"item": item, "code_purpose": ApplicationForm.code_purpose}
    if wants_code(request):
        context["code_sent"], context["code_message"] = send_code_from_page(
            request, ApplicationForm.code_purpose
        )
        form = ApplicationForm(initial=request.POST.dict(), item=item)
    elif request.method == "POST":
        if is_ratelimited(
            request,
            group="applications.submit",
            key="ip",
            rate=settings.APPLICATION_RATE_LIMIT,
            method="POST",
            increment=True,
        ):
            return render(request, "applications/limited.html", {"item": item}, status=429)
        form = ApplicationForm(request.POST, request.FILES, item=item)
        if form.is_valid() and (application := _submit(form)):
            response = redirect("applications:status", application.reference)
            response.status_code = 303
            return private_links.grant(
                response,
                TOKEN_COOKIE,
                services.token(application),
                path=services.status_path(application),
            )
    else:
        form = ApplicationForm(item=item)
    if not phone_codes.required():
        form.fields.pop("phone_code")
    context.update(
        form=form,
        verification=phone_codes.required(),
        materials=[(m, form[field_name(m)]) for m in form.materials],
        person_fields=("name", "phone", "phone_code", "id_type", "id_number", "email"),
        max_mb=settings.APPLICATION_FILE_MAX_MB,
        total_mb=settings.APPLICATION_TOTAL_MAX_MB,
    )
    return render(request, "applications/apply.html", context)


def _submit(form):
    with transaction.atomic():
        if form.phone_code_id is not None and not phone_codes.use(form.phone_code_id):
            form.add_error("phone_code", _("This code has been used. Ask for a new one."))
            return None
        return form.submit()


def _applicant_link(application):
    path = services.status_path(application)
    return {"token": services.token(application), "path": path, "redirect_path": path}


def applicant_page(view):
    """A page of one application for the holder of its link (private_links.holder_page), never
    cached: a wrong token, no cookie and another application's cookie are the same 404."""
    holder = private_links.holder_page(TOKEN_COOKIE, services.get_for_token, _applicant_link)
    return never_cache(holder(view))


@require_http_methods(["GET", "POST"])
@applicant_page
def status(request, application):
    asked = services.asked_materials(application)
    promised = services.promised_materials(application)
    form = None
    if asked or promised:
        materials = promised or [m for m, _reason in asked]
        form = CorrectionForm(
            request.POST if request.method == "POST" else None,
            request.FILES if request.method == "POST" else None,
            materials=materials,
        )
        form.fields_required(not promised)
        if request.method == "POST" and form.is_valid():
            change = services.give_promised if promised else services.resubmit
            try:
                change(application, form.clean_files_by_material)
            except (ApplicationError, ValidationError) as exc:
                messages.error(request, _message(exc))
            else:
                messages.success(request, _("Your files were sent to the window."))
                return redirect("applications:status", application.reference)
    elif request.method == "POST":
        messages.error(request, _("No corrections are asked for now."))
        return redirect("applications:status", application.reference)
    context = {
        "application": application,
        "materials": material_states(application),
        "events": events(application),
        "form": form,
        "asked": asked,
        "promised": promised,
        "masked_name": mask_name(application.name),
    }
    return render(request, "applications/status.html", context)


@require_GET
@applicant_page
def status_file(request, application, material_id):
    return files.serve(application, material_id)


def _message(exc):
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc.message)


# --- staff ----------------------------------------------------------------------------------


@never_cache
@login_required
@require_GET
def staff_list(request):
    queryset = Application.objects.for_user(request.user).select_related("item", "window")
    wanted = request.GET.get("status") or ""
    if wanted and wanted in Status.values:
        queryset = queryset.filter(status=wanted)
    elif not wanted:
        queryset = queryset.filter(status=Status.PREREVIEW)
    page = Paginator(queryset.order_by("prereview_due", "pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for application in page.object_list:
        application.state = services.prereview_state(application)
        application.masked_name = mask_name(application.name)
    context = {"page": page, "statuses": Status.choices, "wanted": wanted}
    return render(request, "applications/staff_list.html", context)


@never_cache
@login_required
@require_GET
def staff_detail(request, pk):
    application = services.get_for_user(request.user, pk)
    return render(request, "applications/staff_detail.html", _staff_context(request, application))


def _staff_context(request, application, **forms):
    handles = cases.can_handle(request.user, application.window_id)
    materials = list(application.item.materials.all())
    # Whole personal data only for the staff of the handling window (the bureau: masked).
    person = {
        "name": application.name if handles else mask_name(application.name),
        "phone": application.phone if handles else mask_phone(application.phone),
        "id_number": application.id_number if handles else mask_id(application.id_number),
        "email": application.email if handles else mask_email(application.email),
    }
    return {
        "application": application,
        "person": person,
        "handles": handles,
        "actions": services.allowed_actions(application) if handles else [],
        "state": services.prereview_state(application),
        "materials": material_states(application),
        "history": application.submissions.exclude(superseded_at=None).select_related("material"),
        "events": application.events.select_related("actor"),
        "review_form": forms.get("review_form") or ReviewForm(materials=materials),
        "pending_form": forms.get("pending_form") or PendingForm(),
        "reject_form": forms.get("reject_form") or RejectForm(),
        "ship_form": forms.get("ship_form") or ShipForm(),
        "missing_tolerable": services.missing_tolerable(application),
    }


@never_cache
@login_required
@require_POST
def staff_action(request, pk, action):
    application = services.get_for_user(request.user, pk, handle=True)
    if action not in services.STAFF_ACTIONS:
        raise Http404("no such action")
    form, form_key = _action_form(request, application, action)
    if form is not None and not form.is_valid():
        context = _staff_context(request, application, **{form_key: form})
        return render(request, "applications/staff_detail.html", context, status=400)
    try:
        with transaction.atomic():
            _act(request, application, action, form)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    except ValidationError as exc:
        messages.error(request, _message(exc))
    else:
        messages.success(request, _("Done: %(action)s.") % {"action": Action(action).label})
    return redirect("applications:staff_detail", application.pk)


def _action_form(request, application, action):
    if action == Action.RETURN:
        materials = list(application.item.materials.all())
        return ReviewForm(request.POST, materials=materials), "review_form"
    if action == Action.ACCEPT_PENDING:
        return PendingForm(request.POST), "pending_form"
    if action == Action.REJECT:
        return RejectForm(request.POST), "reject_form"
    if action == Action.SHIP:
        return ShipForm(request.POST), "ship_form"
    return None, None


def _act(request, application, action, form):
    user = request.user
    if action == Action.RETURN:
        return services.return_for_correction(application, user, form.reasons())
    if action == Action.ACCEPT:
        return services.accept(application, user)
    if action == Action.ACCEPT_PENDING:
        return services.accept_pending(application, user, None, form.cleaned_data["materials_due"])
    if action == Action.REJECT:
        return services.reject(application, user, form.cleaned_data["reason"])
    if action == Action.SHIP:
        data = form.cleaned_data
        return services.ship(application, user, data["courier"], data["tracking"])
    if action == Action.COMPLETE:
        return services.complete(application, user)
    raise PermissionDenied
