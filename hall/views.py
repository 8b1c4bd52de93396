"""The hall's pages: the kiosk and the calling display (anyone, at the window), the ticket's
status page (its holder, by the private link), and the counter page of the clerk.

The kiosk and the display name no person; the status page is never cached and its link's token
is exchanged for a cookie (ipservice.private_links); the counter page is for staff of the
counter's window only (404 for anyone else), and shows phones masked in the waiting list."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from appointments import qr
from appointments.forms import PersonForm
from appointments.masking import mask_phone
from ipservice import dates, private_links
from windows.models import ServicePoint

from . import pads, services, waiting
from .constants import PriorityReason, TicketAction, TicketStatus
from .exceptions import HallError
from .forms import FinishForm, PriorityForm, TicketForm, TransferForm
from .models import Counter

TICKET_COOKIE = "ticket_token"


def _window(pk):
    return get_object_or_404(ServicePoint.objects.active(), pk=pk)


# --- the kiosk and the display (anyone) ---


@require_http_methods(["GET", "POST"])
def kiosk(request, pk):
    """Touch screen: a button per item (a walk-in), or the booking's reference (typed or
    scanned); a priority and a phone if wanted. Answers with the printable ticket."""
    window = _window(pk)
    form = TicketForm(request.POST or None, window=window)
    limited = request.method == "POST" and services.too_many_tickets(request)
    if limited:
        form.is_valid()
        form.add_error(None, _("Too many tickets from this address. Please wait a minute."))
    elif request.method == "POST" and form.is_valid():
        from .api.views import issue_from_form

        try:
            ticket = issue_from_form(window, form)
        except HallError as exc:
            form.add_error(None, exc.message)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            return _printed_ticket(request, ticket)
    items = (
        window.items.filter(active=True)
        .select_related("category")
        .order_by("category__order", "code")
    )
    context = {"window": window, "form": form, "items": items}
    status = 429 if limited else 400 if form.errors else 200
    return render(request, "hall/kiosk.html", context, status=status)


def _printed_ticket(request, ticket):
    token = services.ticket_token(ticket)
    context = {
        "ticket": ticket,
        "state": waiting.ticket_state(ticket),
        "qr_url": f"{ticket_qr_path(ticket)}?token={token}",
        "status_url": waiting.status_url(ticket),
    }
    response = render(request, "hall/kiosk_ticket.html", context)
    response["Cache-Control"] = "no-store"
    return response


def ticket_qr_path(ticket):
    return reverse("hall:ticket_qr", args=[ticket.pk])


@require_GET
def display(request, pk):
    """The TV of the waiting area; its script polls GET /api/v1/windows/{id}/queue/."""
    window = _window(pk)
    return render(request, "hall/display.html", {"window": window})


# --- the holder's status page ---


def ticket_path(ticket_pk):
    """The status page's address, under which the ticket's other pages lie (its cookie's path)."""
    return reverse("hall:ticket", args=[ticket_pk])


def _ticket_link(ticket):
    return {"token": services.ticket_token(ticket), "path": ticket_path(ticket.pk)}


# A page of one ticket, for its holder (private_links.holder_page): a wrong token, no cookie and
# another ticket's cookie all get the same 404.
holder_page = private_links.holder_page(
    TICKET_COOKIE, services.get_ticket_for_token, _ticket_link, key="pk"
)


@never_cache
@require_GET
@holder_page
def ticket_page(request, ticket):
    context = {"ticket": ticket, "state": waiting.ticket_state(ticket)}
    return render(request, "hall/ticket.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
@holder_page
def ticket_cancel(request, ticket):
    """GET asks "are you sure?" (no JavaScript pop-up); POST gives the ticket up."""
    back = ticket_path(ticket.pk)
    if ticket.status != TicketStatus.WAITING:
        messages.error(request, _("This ticket can no longer be cancelled."))
        return redirect(back)
    if request.method == "POST":
        try:
            services.cancel(ticket)
        except HallError:
            messages.error(request, _("This ticket can no longer be cancelled."))
        else:
            messages.success(request, _("Your ticket has been cancelled."))
        return redirect(back)
    context = {"ticket": ticket, "state": waiting.ticket_state(ticket), "back": back}
    return render(request, "hall/ticket_cancel.html", context)


@never_cache
@require_GET
def ticket_qr(request, pk):
    token = private_links.link_token(request) or private_links.cookie_token(request, TICKET_COOKIE)
    ticket = services.get_ticket_for_token(pk, token)
    return HttpResponse(qr.png(waiting.status_url(ticket)), content_type="image/png")


# --- the clerk's counter ---


@login_required
@require_GET
def counter_list(request):
    """The counters of the user's windows, with who is at each."""
    counters = (
        Counter.objects.filter(window__in=services.visible_windows(request.user))
        .select_related("window")
        .prefetch_related("sessions__user")
    )
    session = services.current_session(request.user)
    return render(request, "hall/counter_list.html", {"counters": counters, "session": session})


def _masked(ticket):
    ticket.phone_masked = mask_phone(ticket.phone) if ticket.phone else ""
    return ticket


@login_required
@require_GET
def counter_page(request, pk):
    counter = services.get_counter_for_clerk(request.user, pk)
    return _render_counter(request, counter)


def _render_counter(request, counter, status=200, **forms):
    today = dates.today()
    session = services.current_session(request.user, today)
    here = session is not None and session.counter_id == counter.pk
    current = services.in_front(counter, today)
    queue = [
        _masked(t)
        for t in services.callable_tickets(counter, today)
        .select_related("item")
        .order_by("rank", "issued_at", "id")[:30]
    ]
    context = {
        "counter": counter,
        "here": here,
        "session": session,
        "current": current,
        "actions": services.allowed_actions(current) if current else [],
        "queue": queue,
        "person_form": forms.get("person_form") or PersonForm(),
        "transfer_form": forms.get("transfer_form"),
        "finish_form": FinishForm(),
        "other_counters": counter.window.hall_counters.active().exclude(pk=counter.pk),
        "window_items": counter.window.items.all(),
        "can_manage": services.can_manage_counters(request.user, counter.window),
        "pad_link": pads.pad_link(counter) if request.GET.get("pad") else "",
        "materials": current.item.materials.all() if current else [],
        "priority_reasons": PriorityReason.choices,
    }
    return render(request, "hall/counter.html", context, status=status)


@login_required
@require_POST
def counter_action(request, pk, action):
    counter = services.get_counter_for_clerk(request.user, pk)
    try:
        if action == "sign-in":
            services.sign_in(counter, request.user)
        elif action == "sign-out":
            services.sign_out(counter, request.user)
        elif action == "call-next":
            ticket = services.call_next(counter, request.user)
            if ticket is None:
                messages.info(request, _("Nobody is waiting for this counter."))
            else:
                messages.success(request, _("Called %(number)s.") % {"number": ticket.number})
        elif action == "new-pad" and services.can_manage_counters(request.user, counter.window):
            pads.new_pad_key(counter)
            return redirect(f"{request.path.rsplit('/', 2)[0]}/?pad=1")
        else:
            raise Http404("no such action")
    except HallError as exc:
        messages.error(request, exc.message)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    return redirect("hall:counter", pk=counter.pk)


@login_required
@require_POST
def ticket_action(request, pk, action):
    if action not in services.STAFF_ACTIONS:
        raise Http404("no such action")
    ticket = services.get_ticket_for_user(request.user, pk)
    counter = ticket.counter or ticket.reserved_for
    try:
        if action not in services.allowed_actions(ticket):
            raise services.WrongState()
        if action == TicketAction.RECALL:
            services.recall(ticket, request.user)
        elif action == TicketAction.NO_SHOW:
            services.no_show(ticket, request.user)
        elif action == TicketAction.START:
            person = None
            if ticket.case_id is None:
                form = PersonForm(request.POST)
                if not form.is_valid():
                    return _render_counter(request, counter, status=400, person_form=form)
                person = form.cleaned_data
            services.start(ticket, request.user, person)
        elif action == TicketAction.FINISH:
            form = FinishForm(request.POST)
            form.is_valid()
            services.finish(ticket, request.user, complete=form.cleaned_data.get("complete", False))
        elif action == TicketAction.TRANSFER:
            form = TransferForm(request.POST, ticket=ticket)
            if not form.is_valid():
                return _render_counter(request, counter, status=400, transfer_form=form)
            services.transfer(ticket, request.user, **form.cleaned_data)
    except HallError as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("%(number)s: %(action)s")
            % {"number": ticket.number, "action": TicketAction(action).label},
        )
    if counter is None:
        return redirect("hall:counter_list")
    return redirect("hall:counter", pk=counter.pk)


@login_required
@require_POST
def counter_check_in(request, pk):
    """The clerk checks a booked person in by reference (typed or scanned) and gives the
    ticket; the same rules as the kiosk."""
    counter = services.get_counter_for_clerk(request.user, pk)
    try:
        ticket = services.issue_for_booking(
            counter.window, request.POST.get("reference", ""), actor=request.user
        )
    except HallError as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Ticket %(number)s given.") % {"number": ticket.number})
    return redirect("hall:counter", pk=counter.pk)


@login_required
@require_POST
def ticket_priority(request, pk):
    """The clerk marks a waiting person as priority (older people, disability, pregnancy)."""
    ticket = services.get_ticket_for_user(request.user, pk)
    form = PriorityForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the reason for priority."))
    else:
        try:
            services.mark_priority(ticket, request.user, form.cleaned_data["reason"])
        except HallError as exc:
            messages.error(request, exc.message)
    session = services.current_session(request.user)
    if session is None:
        return redirect("hall:counter_list")
    return redirect("hall:counter", pk=session.counter_id)
