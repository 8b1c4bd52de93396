"""The pages of one booking afterwards, for the person holding its link: the confirmation, the
manage page, cancel, reschedule, the .ics file and the QR code; and the lookup that sends the
link again by SMS (docs/architecture.md, "A booking, from the form to the worker")."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from django_ratelimit.core import is_ratelimited

from ipservice import dates
from windows.models import ServicePoint

from .. import ics, notices, qr, services, slots
from ..constants import Channel, Status
from ..exceptions import AppointmentError
from ..forms import required_message
from ..masking import mask_id, mask_name, mask_phone
from ..models import Case
from ..validators import (
    normalize_mobile,
    normalize_other_id,
    normalize_uscc,
    validate_mainland_mobile,
)

# The session key of the details typed in step 5, kept until the booking is made.
from .booking import parse_start, read_choice, slot_rows
from .booking_links import booking_page, booking_urls, grant_booking


def can_change(case, now=None):
    """Reschedule and cancel are offered while the booking is active and not yet begun."""
    return case.status == Status.BOOKED and case.start and case.start > (now or timezone.now())


def masked_person(case):
    return {
        "name": mask_name(case.name),
        "phone": mask_phone(case.phone),
        "id_number": mask_id(case.id_number),
    }


def booking_context(request, case):
    return {
        "case": case,
        "window": case.window,
        "item": case.item,
        "urls": booking_urls(case),
        # The private link to keep (it opens the booking in another browser too).
        "manage_link": request.build_absolute_uri(services.manage_url(case, absolute=False)),
        "person": masked_person(case),
        "can_change": can_change(case),
        "end": ics.booking_end(case),
    }


def _with_hours(case):
    """Opening hours for the window summary, in one query."""
    case.window = slots.prefetch_hours(ServicePoint.objects.filter(pk=case.window_id)).get()
    return case


@never_cache
@require_GET
@booking_page
def done(request, case):
    if case.status != Status.BOOKED:
        return redirect(booking_urls(case)["manage"])
    context = booking_context(request, _with_hours(case))
    context["materials"] = case.item.materials.all()
    return render(request, "appointments/booking/done.html", context)


@never_cache
@require_GET
@booking_page
def manage(request, case):
    context = booking_context(request, _with_hours(case))
    return render(request, "appointments/booking/manage.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
@booking_page
def cancel(request, case):
    """GET asks "are you sure?" (no JavaScript pop-up); POST cancels."""
    urls = booking_urls(case)
    if not can_change(case):
        messages.error(request, _("This booking can no longer be cancelled."))
        return redirect(urls["manage"])
    if request.method == "POST":
        try:
            services.cancel(case)
        except AppointmentError as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, _("Your booking has been cancelled."))
        return redirect(urls["manage"])
    context = booking_context(request, _with_hours(case))
    return render(request, "appointments/booking/cancel.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
@booking_page
def reschedule(request, case):
    """Another day and time at the same window: GET lists days, then a day's times, then (with
    `start`) asks to confirm the move, old and new time side by side; POST with `confirm`
    moves. One tap on a time never moves the booking."""
    urls = booking_urls(case)
    if not can_change(case):
        messages.error(request, _("This booking can no longer be changed."))
        return redirect(urls["manage"])
    if request.method == "POST" and request.POST.get("confirm"):
        return reschedule_now(request, case, urls)
    params = request.POST if request.method == "POST" else request.GET
    return render_reschedule(request, _with_hours(case), params)


def reschedule_choice(case, params, now):
    """A Choice for the case's own item and window, so the booking steps' checks apply."""
    start = params.get("start", "")
    parsed = parse_start(start) if start else None
    # The day comes with the time when a time is chosen (a form without the hidden date).
    date = dates.local_day(parsed).isoformat() if parsed else params.get("date", "")
    return read_choice(
        {"item": case.item.code, "window": str(case.window_id), "date": date, "start": start},
        now,
    )


def reschedule_day_url(urls, day):
    return f"{urls['reschedule']}?{urlencode({'date': day.isoformat()})}"


def reschedule_time_url(urls, day, start):
    return f"{urls['reschedule']}?{urlencode({'date': day.isoformat(), 'start': start})}"


def render_reschedule(request, case, params):
    now = timezone.now()
    choice = reschedule_choice(case, params, now)
    context = booking_context(request, case)
    urls = context["urls"]
    context["choice"] = choice
    context["error"] = choice.error
    if choice.slot is not None and choice.slot.start != case.start:
        # The confirm step: the chosen time is shown, not taken.
        context["new_slot"] = choice.slot
        context["start_param"] = params.get("start", "")
        context["times_url"] = reschedule_day_url(urls, choice.day)
    elif choice.window is None:
        # The window stopped offering the item: nothing to choose from.
        context["days"] = []
    elif choice.day is None:
        context["days"] = [
            {"date": day, "adjusted": day.weekday() >= 5, "url": reschedule_day_url(urls, day)}
            for day in slots.bookable_days(choice.window, dates.local_day(now), now=now)
        ]
    else:
        context["rows"] = [
            {**row, "url": reschedule_time_url(urls, choice.day, row["start_param"])}
            for row in slot_rows(choice, now)
        ]
        context["days_url"] = urls["reschedule"]
    return render(request, "appointments/booking/reschedule.html", context)


def reschedule_now(request, case, urls):
    now = timezone.now()
    choice = reschedule_choice(case, request.POST, now)
    if choice.slot is None:
        messages.error(request, choice.error or _("Please choose a time."))
        return redirect(reschedule_day_url(urls, choice.day) if choice.day else urls["reschedule"])
    try:
        moved = services.reschedule(case, choice.slot.start)
    except AppointmentError as refusal:
        messages.error(request, refusal.message)
        return redirect(reschedule_day_url(urls, choice.day))
    messages.success(request, _("Your booking has been moved to the new time."))
    # The link now lasts until the new time is over.
    return grant_booking(redirect(urls["manage"]), moved)


@never_cache
@require_GET
@booking_page
def calendar_file(request, case):
    response = HttpResponse(ics.booking_calendar(case), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{case.reference}.ics"'
    return response


@never_cache
@require_GET
@booking_page
def qr_code(request, case):
    return HttpResponse(qr.reference_png(case.reference), content_type="image/png")


# Lookup: a lost link is sent again to the booking's own mobile number ------------------------


class LookupForm(forms.Form):
    """The mobile number, and either the booking reference or (for someone who lost the SMS,
    and with it the reference) the ID number the booking was made with."""

    phone = forms.CharField(
        label=gettext_lazy("Mobile number used for the booking"),
        max_length=20,
        validators=[validate_mainland_mobile],
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "numeric"}),
        error_messages=required_message("phone"),
    )
    reference = forms.CharField(
        label=gettext_lazy("Booking reference"),
        max_length=20,
        required=False,
        help_text=gettext_lazy("In the confirmation SMS, e.g. YY26A7K3Q2."),
    )
    id_number = forms.CharField(
        label=gettext_lazy("Or: ID number used for the booking"),
        max_length=60,
        required=False,
        help_text=gettext_lazy("If you no longer have the reference."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def clean_reference(self):
        return self.cleaned_data["reference"].strip().upper()

    def clean_phone(self):
        return normalize_mobile(self.cleaned_data["phone"])

    def clean_id_number(self):
        # As the booking stored it: half-width, upper case, without (or with single) spaces.
        raw = self.cleaned_data["id_number"]
        return {normalize_uscc(raw), normalize_other_id(raw)} - {""}

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("reference") and not cleaned.get("id_number"):
            self.add_error(
                "reference",
                _("Enter the booking reference, or the ID number used for the booking."),
            )
        return cleaned


@never_cache
@require_http_methods(["GET", "POST"])
def lookup(request):
    """Mobile number + reference, or mobile number + ID number → the manage link(s) by SMS to
    that number.

    The links are sent, never shown: someone who knows another person's details must not be
    able to cancel their booking. The answer is the same whether or not anything matched.
    """
    form = LookupForm(request.POST or None)
    if request.method == "POST":
        if is_ratelimited(
            request,
            group="appointments.lookup",
            key="ip",
            rate=settings.LOOKUP_RATE_LIMIT,
            method="POST",
            increment=True,
        ):
            return render(request, "appointments/booking/limited.html", status=429)
        if form.is_valid():
            data = form.cleaned_data
            if data["reference"]:
                send_manage_link(data["reference"], data["phone"])
            else:
                send_manage_links(data["id_number"], data["phone"])
            messages.success(
                request,
                _(
                    "If the details match an active booking, the link to manage it has been "
                    "sent to that mobile number by SMS."
                ),
            )
            return redirect("appointments:lookup")
    return render(request, "appointments/booking/lookup.html", {"form": form})


def active_bookings(phone):
    return Case.objects.filter(phone=phone, channel=Channel.BOOKING, status=Status.BOOKED)


@transaction.atomic
def send_manage_link(reference, phone):
    case = active_bookings(phone).filter(reference=reference).first()
    if case is None:
        return
    notices.manage_link(case)


@transaction.atomic
def send_manage_links(id_numbers, phone):
    """Every booking of this phone and ID document still to come, in one SMS (the SMS
    allowance per number is counted in the transaction that queues it)."""
    cases = list(
        active_bookings(phone)
        .filter(id_number__in=id_numbers, start__gt=timezone.now())
        .order_by("start")
    )
    notices.manage_links(cases, phone)
