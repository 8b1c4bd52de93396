"""Citizen booking pages (docs/architecture.md, "A booking, from the form to the worker"): item →
window → day → time → details → confirm. The booking's pages afterwards (confirmation, manage,
cancel, reschedule) are in views/manage.py, its private links in views/booking_links.py.

Every step is a plain GET page whose choices so far live in the query string (item, window,
date, start), so the back button, bookmarks and pages without JavaScript all work. Personal
data never goes into a URL: the details step posts it, and it waits in the session until the
person confirms.
"""

import datetime as dt
import re
from itertools import groupby

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_ratelimit import ALL
from django_ratelimit.core import is_ratelimited

from catalog.models import ServiceItem
from ipservice import dates
from windows.constants import Level
from windows.models import District, ServicePoint

from .. import phone_codes, services, slots
from ..constants import BOOKING_RATE_GROUP, Channel
from ..exceptions import AppointmentError, SlotFull, SlotUnavailable
from ..forms import PersonCodeForm, PersonForm
from .booking_links import booking_urls, grant_booking
from .phone_code import send_code_from_page, wants_code

# The session key of the details typed in step 5, kept until the booking is made.
DRAFT_KEY = "booking_draft"
# The last booking made in this browser, so that a second click on "Book" finds it again.
LAST_KEY = "booking_last"
PERSON_FIELDS = tuple(PersonForm.base_fields)  # name, phone, ID type and number, email
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
        group=BOOKING_RATE_GROUP,
        key="ip",
        rate=settings.BOOKING_RATE_LIMIT,
        method=ALL,  # as the API counts (django-ratelimit keys its counter by the methods too)
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
            **form.person(),
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
