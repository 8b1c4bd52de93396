"""Citizen booking pages (docs/architecture.md, "A booking, from the form to the worker"): item →
window → day → time → details → confirm, then the confirmation page and the private manage page
(reference + secret token; the token of a link is exchanged on first open for a cookie scoped to
that booking, see `booking_page`).

Every step is a plain GET page whose choices so far live in the query string (item, window,
date, start), so the back button, bookmarks and pages without JavaScript all work. Personal
data never goes into a URL: the details step posts it, and it waits in the session until the
person confirms.
"""

import datetime as dt
import re
from functools import wraps
from itertools import groupby

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from django_ratelimit.core import is_ratelimited

from catalog.models import ServiceItem
from ipservice import dates, private_links
from windows.constants import Level
from windows.models import District, ServicePoint

from .. import ics, notices, phone_codes, qr, services, slots
from ..constants import Channel, Status
from ..exceptions import AppointmentError, SlotFull, SlotUnavailable
from ..forms import PersonCodeForm, PersonForm
from ..masking import mask_id, mask_name, mask_phone
from ..models import Case
from ..validators import normalize_mobile, validate_mainland_mobile
from .phone_code import send_code_from_page, wants_code

# The session key of the details typed in step 5, kept until the booking is made.
DRAFT_KEY = "booking_draft"
# The last booking made in this browser, so that a second click on "Book" finds it again.
LAST_KEY = "booking_last"
PERSON_FIELDS = ("name", "phone", "id_type", "id_number", "email")
# The draft's phone whose SMS code was right (the details step spends the code).
VERIFIED_KEY = "verified_phone"
# An abandoned draft (with a name and ID number in it) should not outlive the visit.
DRAFT_SECONDS = 30 * 60

# 1 事项 → 2 窗口 → 3 日期 → 4 时段 → 5 信息 → 6 确认 (a context keeps these short labels
# apart from the same English words elsewhere).
STEPS = (
    ("item", pgettext_lazy("booking step", "Item")),
    ("window", pgettext_lazy("booking step", "Window")),
    ("date", pgettext_lazy("booking step", "Date")),
    ("slot", pgettext_lazy("booking step", "Time")),
    ("details", pgettext_lazy("booking step", "Details")),
    ("confirm", pgettext_lazy("booking step", "Confirm")),
)
STEP_NAMES = [name for name, _label in STEPS]
CODE_RE = re.compile(r"[-\w]{1,30}", re.ASCII)
ID_RE = re.compile(r"[0-9]{1,12}")
DISTRICT_RE = re.compile(r"[0-9]{6}")


# What has been chosen so far -----------------------------------------------------------------


class Choice:
    """The choices read from a query string (or a POST body), each checked against the ones
    before it. A choice that does not fit is dropped with an `error` for the page, so the
    person lands on the step where they can choose again."""

    def __init__(self):
        self.item = self.window = self.day = self.slot = None
        self.window_day = None  # slots.WindowDay of the chosen day, once read
        # A window given before the item (a window's own page links here): step 1 then lists
        # only that window's items and carries the window on.
        self.preset_window = None
        self.error = ""

    @property
    def step(self):
        chosen = (self.item, self.window, self.day, self.slot)
        for name, value in zip(STEP_NAMES[:4], chosen, strict=True):
            if value is None:
                return name
        return "details"

    def params(self, upto="details"):
        """The query parameters that lead to step `upto`."""
        values = [
            ("item", self.item and self.item.code),
            ("window", self.window and self.window.pk),
            ("date", self.day and self.day.isoformat()),
            ("start", self.slot and start_param(self.slot.start)),
        ]
        return {key: value for key, value in values[: STEP_NAMES.index(upto)] if value}

    def url(self, upto="details"):
        return book_url(**self.params(upto))


def book_url(**params):
    url = reverse("appointments:book")
    return f"{url}?{urlencode(params)}" if params else url


def start_param(start):
    """A slot start as it appears in URLs and forms: ISO 8601 in Asia/Shanghai."""
    return timezone.localtime(start).isoformat()


def parse_start(value):
    """An aware datetime from the `start` parameter, or None. A "+" that arrived unencoded
    (a hand-typed URL) reads as a space, so it is put back."""
    try:
        start = dt.datetime.fromisoformat((value or "").strip().replace(" ", "+"))
    except ValueError:
        return None
    return start if timezone.is_aware(start) else timezone.make_aware(start)


def bookable_items():
    """Published items that at least one active window offers: anything else is a dead end."""
    offered = ServicePoint.items.through.objects.filter(servicepoint__active=True)
    return ServiceItem.objects.published().filter(pk__in=offered.values("serviceitem_id"))


def offering_windows(item):
    windows = ServicePoint.objects.active().filter(items=item).select_related("district")
    return slots.prefetch_hours(windows)


def clean_param(params, key, pattern):
    """The parameter if it looks right, else "". Keeps malformed input (a NUL character, a
    number too big for the column) away from the database, where it would be an error."""
    value = (params.get(key) or "").strip()
    return value if pattern.fullmatch(value) else ""


def read_choice(params, now):
    choice = Choice()
    code = clean_param(params, "item", CODE_RE)
    window_id = clean_param(params, "window", ID_RE)
    if params.get("item"):
        if code:
            choice.item = bookable_items().select_related("category").filter(code=code).first()
        if choice.item is None:
            choice.error = _("This service item cannot be booked. Please choose another.")
    elif window_id:
        choice.preset_window = ServicePoint.objects.active().filter(pk=window_id).first()
    if choice.item:
        _read_window(choice, params)
    if choice.window:
        _read_day(choice, params, now)
    if choice.day:
        _read_slot(choice, params, now)
    return choice


def _read_window(choice, params):
    if not params.get("window"):
        return
    if window_id := clean_param(params, "window", ID_RE):
        choice.window = offering_windows(choice.item).filter(pk=window_id).first()
    if choice.window is None:
        choice.error = _("This window does not offer the item. Please choose another window.")


def _read_day(choice, params, now):
    raw = (params.get("date") or "").strip()
    if not raw:
        return
    try:
        day = parse_date(raw)
    except ValueError:
        day = None
    if day and day in slots.bookable_days(choice.window, dates.local_day(now), now=now):
        choice.day = day
    else:
        choice.error = _("This day cannot be booked. Please choose one of the days below.")


def _read_slot(choice, params, now):
    raw = (params.get("start") or "").strip()
    if not raw:
        return
    start = parse_start(raw)
    day = window_day(choice, now)
    slot = start and day.slot_at(start)
    if slot is None or day.refusal(start, now) is not None:
        choice.error = _("This time cannot be booked. Please choose another time.")
    elif slot.available <= 0:
        choice.error = str(SlotFull.default_message)
    else:
        choice.slot = slot


def window_day(choice, now):
    """The chosen day of the chosen window (slots.WindowDay), read once per request: the slot
    step reads it both to check `start` and to list the slots."""
    if choice.window_day is None:
        choice.window_day = slots.day_of(choice.window, choice.day, now=now)
    return choice.window_day


# Step indicator --------------------------------------------------------------------------------


def step_indicator(choice, current):
    """The six steps, with links back to the ones already done."""
    reached = STEP_NAMES.index(current)
    return [
        {
            "number": number,
            "label": label,
            "current": name == current,
            "done": number - 1 < reached,
            "url": choice.url(name) if number - 1 < reached else "",
        }
        for number, (name, label) in enumerate(STEPS, start=1)
    ]


def render_step(request, template, choice, step, context, status=200):
    index = STEP_NAMES.index(step)
    context = {
        "choice": choice,
        "steps": step_indicator(choice, step),
        "step": step,
        "step_number": index + 1,
        "back_url": choice.url(STEP_NAMES[index - 1]) if index else "",
        "error": choice.error,
        **context,
    }
    return render(request, f"appointments/booking/{template}", context, status=status)


# Steps 1–4: choose -------------------------------------------------------------------------------


def item_step(request, choice):
    q = (request.GET.get("q") or "").replace("\x00", "").strip()[:50]
    # Queries: the items with their category (and the preset window, read before).
    items = bookable_items().search(q).select_related("category")
    window = choice.preset_window
    if window:
        items = items.filter(windows=window)
    categories = [
        (category, list(group)) for category, group in groupby(items, lambda i: i.category)
    ]
    context = {"categories": categories, "q": q, "preset_window": window}
    return render_step(request, "step_item.html", choice, "item", context)


def group_by_district(windows):
    """[(heading, windows)]: city-level windows first, then one group per district (district
    and park level together), by district code."""
    city, by_district = [], {}
    for window in windows:
        if window.level == Level.CITY or window.district is None:
            city.append(window)
        else:
            by_district.setdefault(window.district, []).append(window)
    groups = [(_("City-level windows"), city)] if city else []
    ordered = sorted(by_district.items(), key=lambda pair: pair[0].code)
    return groups + [(district.display_name, group) for district, group in ordered]


def window_step(request, choice):
    district_code = clean_param(request.GET, "district", DISTRICT_RE)
    # Queries: the windows with their district, their opening hours, the districts to filter by.
    windows = offering_windows(choice.item).order_by("level", "district__code", "code")
    districts = District.objects.filter(windows__in=windows).distinct().order_by("code")
    if district_code:
        windows = windows.filter(district__code=district_code)
    windows = list(windows)
    context = {
        "groups": group_by_district(windows),
        "windows": windows,
        "districts": districts,
        "district_code": district_code,
    }
    return render_step(request, "step_window.html", choice, "window", context)


def date_step(request, choice, now):
    today = dates.local_day(now)
    days = [
        {
            "date": day,
            "today": day == today,
            # A Saturday or Sunday in the bookable list is a working day by 调休.
            "adjusted": day.weekday() >= 5,
            "url": book_url(**choice.params("date"), date=day.isoformat()),
        }
        for day in slots.bookable_days(choice.window, today, now=now)
    ]
    return render_step(request, "step_date.html", choice, "date", {"days": days})


def slot_rows(choice, now):
    rows = []
    day = window_day(choice, now)
    for slot in day.slots:
        if not day.can_book(slot, now):
            continue  # past or inside the cut-off: not offered at all
        start = start_param(slot.start)
        url = book_url(**choice.params("slot"), start=start)
        rows.append({"slot": slot, "available": slot.available, "url": url, "start_param": start})
    return rows


def slot_step(request, choice, now):
    rows = slot_rows(choice, now)
    return render_step(request, "step_slot.html", choice, "slot", {"rows": rows})


# Step 5: the person's details ------------------------------------------------------------------


def person_form(data=None, initial=None, form_class=PersonForm):
    form = form_class(data=data, initial=initial)
    # A phone keypad on mobiles; the form's own widget is a plain text input.
    form.fields["phone"].widget.input_type = "tel"
    if not phone_codes.required():
        form.fields.pop("phone_code", None)
    return form


def details_step(request, choice):
    context = {"code_purpose": phone_codes.Purpose.BOOKING}
    if wants_code(request):
        # "Send the code" without JavaScript: send it, and show what was typed again.
        context["code_sent"], context["code_message"] = send_code_from_page(
            request, phone_codes.Purpose.BOOKING
        )
        form = person_form(initial=request.POST.dict(), form_class=PersonCodeForm)
    elif request.method == "POST":
        form = person_form(data=request.POST, form_class=PersonCodeForm)
        # Back at this step (another time chosen): the phone proved before needs no new code.
        form.verified_phone = (request.session.get(DRAFT_KEY) or {}).get(VERIFIED_KEY)
        if form.is_valid() and phone_code_spent(form):
            save_draft(request, form.cleaned_data, verified=True)
            return redirect(confirm_url(choice))
    else:
        form = person_form(initial=request.session.get(DRAFT_KEY), form_class=PersonCodeForm)
    context.update(form=form, verification=phone_codes.required())
    return render_step(request, "step_details.html", choice, "details", context)


def phone_code_spent(form):
    """Spend the code the form checked (the booking pages keep the verified phone in the draft
    until the person confirms); False, with the error on the field, if it was spent already."""
    if form.phone_code_id is None or phone_codes.use(form.phone_code_id):
        return True
    form.add_error("phone_code", _("This code has been used. Ask for a new one."))
    return False


def save_draft(request, cleaned, verified=False):
    draft = {key: str(cleaned.get(key) or "") for key in PERSON_FIELDS}
    previous = request.session.get(DRAFT_KEY) or {}
    if verified:
        draft[VERIFIED_KEY] = draft["phone"]
    elif previous.get(VERIFIED_KEY) == draft["phone"]:
        draft[VERIFIED_KEY] = draft["phone"]  # details kept while choosing another time
    request.session[DRAFT_KEY] = draft
    if not request.user.is_authenticated:
        request.session.set_expiry(DRAFT_SECONDS)


def phone_verified(draft):
    return not phone_codes.required() or draft.get(VERIFIED_KEY) == draft.get("phone")


def confirm_url(choice):
    return f"{reverse('appointments:confirm')}?{urlencode(choice.params())}"


@never_cache
@require_http_methods(["GET", "POST"])
def book(request):
    now = timezone.now()
    choice = read_choice(request.GET, now)
    step = choice.step
    if request.method == "POST" and step != "details":
        # The chosen time went (full, or past the cut-off) while the person was typing: keep
        # what they typed for when they have chosen another time.
        form = person_form(data=request.POST)
        if form.is_valid():
            save_draft(request, form.cleaned_data)
        messages.error(request, choice.error or _("Please choose again."))
        return redirect(choice.url(step))
    if step == "item":
        return item_step(request, choice)
    if step == "window":
        return window_step(request, choice)
    if step == "date":
        return date_step(request, choice, now)
    if step == "slot":
        return slot_step(request, choice, now)
    return details_step(request, choice)


# Step 6: confirm and book ------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def confirm(request):
    now = timezone.now()
    params = request.POST if request.method == "POST" else request.GET
    choice = read_choice(params, now)
    draft = request.session.get(DRAFT_KEY)
    if not draft and (last := recent_booking(request, params)):
        # A second click on "Confirm", or "back" after booking: the booking is already made.
        return redirect(last)
    if choice.step != "details":
        messages.error(request, choice.error or _("Please choose again."))
        return redirect(choice.url(choice.step))
    if not draft:
        messages.error(request, _("Please enter your details."))
        return redirect(choice.url("details"))
    if request.method == "POST":
        return book_now(request, choice, draft)
    context = {"draft": draft, "id_type_label": id_type_label(draft), "hidden": choice.params()}
    return render_step(request, "confirm.html", choice, "confirm", context)


def id_type_label(draft):
    return dict(PersonForm.base_fields["id_type"].choices).get(draft["id_type"], "")


def book_now(request, choice, draft):
    if is_ratelimited(
        request,
        group="appointments.booking-page",
        key="ip",
        rate=settings.BOOKING_RATE_LIMIT,
        method="POST",
        increment=True,
    ):
        return render(request, "appointments/booking/limited.html", status=429)
    form = PersonForm(data=draft)
    if not form.is_valid():
        # The details were valid when typed; only a change of rules can get here.
        messages.error(request, _("Please check your details."))
        return redirect(choice.url("details"))
    if not phone_verified(draft):
        messages.error(request, _("Please confirm your mobile number with the code sent by SMS."))
        return redirect(choice.url("details"))
    try:
        case = services.book(
            window=choice.window,
            item=choice.item,
            start=choice.slot.start,
            channel=Channel.BOOKING,
            **{key: form.cleaned_data.get(key, "") for key in PERSON_FIELDS},
        )
    except (SlotFull, SlotUnavailable) as refusal:
        messages.error(request, refusal.message)
        return redirect(choice.url("slot"))
    except AppointmentError as refusal:
        messages.error(request, refusal.message)
        return redirect(confirm_url(choice))
    return after_booking(request, choice, case)


def after_booking(request, choice, case):
    """To the confirmation page, which the cookie set here opens: the token never travels in
    an address from this browser."""
    done = booking_urls(case)["done"]
    request.session.pop(DRAFT_KEY, None)
    request.session[LAST_KEY] = {"params": choice.params(), "url": done}
    return grant_booking(redirect(done), case)


def recent_booking(request, params):
    """The confirmation page of a booking just made with these choices (a double click)."""
    last = request.session.get(LAST_KEY) or {}
    wanted = {key: params.get(key, "") for key in ("item", "window", "date", "start")}
    given = {key: str(last.get("params", {}).get(key, "")) for key in wanted}
    return last.get("url") if last and given == wanted else None


# The booking afterwards: reference + token -----------------------------------------------------

# The cookie that holds a booking's token once its link has been opened, scoped to that
# booking's addresses (/booking/<reference>/…): see ipservice.private_links.
TOKEN_COOKIE = "booking_token"


def booking_path(case):
    """The address of the manage page, under which all the booking's pages lie."""
    return reverse("appointments:manage", args=[case.reference])


def grant_booking(response, case):
    """`response` with the cookie that opens this booking's pages until its link expires."""
    return private_links.grant(
        response,
        TOKEN_COOKIE,
        services.booking_token(case),
        path=booking_path(case),
        expires=services.manage_link_expires(case),
    )


def booking_page(view):
    """A page of one booking, for the person holding its link. A `?token=` is checked and
    exchanged for the booking's cookie (303 to the address without it); every other request,
    form posts included, authenticates by that cookie. A wrong or expired token, no cookie and
    another booking's cookie all get the same 404 as an unknown reference."""

    @wraps(view)
    def wrapped(request, reference):
        token = private_links.link_token(request)
        if token is not None:
            case = services.get_booking_for_token(reference, token)
            return private_links.exchange(
                request,
                TOKEN_COOKIE,
                services.booking_token(case),
                path=booking_path(case),
                expires=services.manage_link_expires(case),
            )
        token = private_links.cookie_token(request, TOKEN_COOKIE)
        return view(request, services.get_booking_for_token(reference, token))

    return wrapped


def booking_urls(case):
    """The booking's pages; none carries the token (the cookie opens them)."""
    return {
        name: reverse(f"appointments:{name}", args=[case.reference])
        for name in ("done", "manage", "ics", "qr", "reschedule", "cancel")
    }


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
    """Another day and time at the same window: GET lists days, then a day's times; POST moves."""
    urls = booking_urls(case)
    if not can_change(case):
        messages.error(request, _("This booking can no longer be changed."))
        return redirect(urls["manage"])
    if request.method == "POST":
        return reschedule_now(request, case, urls)
    return render_reschedule(request, _with_hours(case))


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


def render_reschedule(request, case):
    now = timezone.now()
    choice = reschedule_choice(case, request.GET, now)
    context = booking_context(request, case)
    urls = context["urls"]
    context["choice"] = choice
    context["error"] = choice.error
    if choice.window is None:
        # The window stopped offering the item: nothing to choose from.
        context["days"] = []
    elif choice.day is None:
        context["days"] = [
            {"date": day, "adjusted": day.weekday() >= 5, "url": reschedule_day_url(urls, day)}
            for day in slots.bookable_days(choice.window, dates.local_day(now), now=now)
        ]
    else:
        context["rows"] = slot_rows(choice, now)
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
    reference = forms.CharField(label=gettext_lazy("Booking reference"), max_length=20)
    phone = forms.CharField(
        label=gettext_lazy("Mobile number used for the booking"),
        max_length=20,
        validators=[validate_mainland_mobile],
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "numeric"}),
    )

    def clean_reference(self):
        return self.cleaned_data["reference"].strip().upper()

    def clean_phone(self):
        return normalize_mobile(self.cleaned_data["phone"])


@never_cache
@require_http_methods(["GET", "POST"])
def lookup(request):
    """Reference + mobile number → the manage link by SMS to that number.

    The link is sent, never shown: someone who knows another person's reference and number
    must not be able to cancel their booking. The answer is the same whether or not they match.
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
            send_manage_link(form.cleaned_data["reference"], form.cleaned_data["phone"])
            messages.success(
                request,
                _(
                    "If the reference and mobile number match a booking, the link to manage "
                    "it has been sent to that number by SMS."
                ),
            )
            return redirect("appointments:lookup")
    return render(request, "appointments/booking/lookup.html", {"form": form})


def send_manage_link(reference, phone):
    case = Case.objects.filter(
        reference=reference, phone=phone, channel=Channel.BOOKING, status=Status.BOOKED
    ).first()
    if case is None:
        return
    notices.manage_link(case)
