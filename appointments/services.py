"""The rules that change several rows at once: booking, cancelling, rescheduling, no-shows.

Capacity: a booking claims a place with ONE conditional UPDATE (`booked < capacity`) inside the
transaction that inserts the case; the row lock the UPDATE takes makes concurrent bookings of one
slot queue, and PostgreSQL re-checks the condition for each in turn, so N requests for C places
give exactly C winners. The check constraint on Slot backs this up. Never count-then-insert.

`Slot.booked` counts the places taken; only cancelling or moving a booking gives one back (a
no-show or a checked-in person used theirs). Every change of a slot row also tells the slots
cache (slots.places_changed), which forgets them once the change has committed.
"""

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from ipservice import dates, locks

from . import case_notes, notices, slots, texts
from .constants import Action, Channel, Status
from .exceptions import BookingRefused, SlotFull, SlotUnavailable, TransitionNotAllowed
from .models import Case, Slot
from .references import make_reference as _draw_reference
from .workflow import apply_transition, record_event

REFERENCE_ATTEMPTS = 3  # a booking whose reference clashes is made again, at most this often
TOKEN_SALT = "appointments.booking"


# References and the manage token ------------------------------------------------------------


def booking_token(case):
    """The secret of the manage link. Not stored: derived from the reference and SECRET_KEY."""
    return salted_hmac(TOKEN_SALT, case.reference).hexdigest()[:32]


def check_token(case, token):
    return isinstance(token, str) and constant_time_compare(booking_token(case), token)


def manage_url(case, *, absolute=True, token=None):
    """The private link where the person sees, reschedules or cancels their booking. `token`:
    the booking's token when the caller has it already."""
    path = reverse("appointments:manage", args=[case.reference])
    url = f"{path}?{urlencode({'token': token or booking_token(case)})}"
    return settings.PORTAL_BASE_URL.rstrip("/") + url if absolute else url


def manage_link_expires(case):
    """A manage link works until the booking is over: the end of its booked time (issue 10).
    A reschedule moves it with the slot; the rating link has its own limit (reviews)."""
    return case.slot.end


def get_booking_for_token(reference, token, now=None):
    """The booking with this reference if `token` is its token and its manage link has not
    expired; 404 otherwise, the same 404 whether the reference exists or not (never reveal a
    booking to someone without the link)."""
    case = (
        Case.objects.select_related("window", "item", "slot")
        .filter(reference=str(reference)[:20], slot__isnull=False)
        .first()
    )
    if case is None or not check_token(case, token):
        raise Http404("no such booking")
    if (now or timezone.now()) >= manage_link_expires(case):
        raise Http404("no such booking")
    return case


# Claiming and releasing a place ---------------------------------------------------------------


def claim_place(slot):
    """Take one place of `slot` (a Slot or a slots.DaySlot) or raise SlotFull; returns the id of
    the slot row claimed. Call inside the transaction that records the booking; the row stays
    locked until it commits.

    The window and the start are matched with the id: the id may come from the slots cache, and
    if the day's rows were made again since (a restore), the row there now is claimed instead.
    Inside the transaction, slots.window_day reads the database, not the cache.
    """
    for slot_id in _slot_ids(slot):
        claimed = Slot.objects.filter(
            pk=slot_id, window_id=slot.window_id, start=slot.start, booked__lt=F("capacity")
        ).update(booked=F("booked") + 1)
        if claimed:
            slots.places_changed(slot.window_id, slot.start)
            return slot_id
    raise SlotFull(_("This time slot is full. Please choose another."))


def _slot_ids(slot):
    """The id given, then (only if its claim failed) the id of the row at that time now, read
    from the database (the rows are made again if they are gone)."""
    yield slot.pk
    day = slots.window_day(slot.window_id, timezone.localtime(slot.start).date(), places=False)
    current = day and day.slot_at(slot.start)
    if current is not None and current.pk != slot.pk:
        yield current.pk


def release_place(slot_id):
    if Slot.objects.filter(pk=slot_id, booked__gt=0).update(booked=F("booked") - 1):
        window_id, start = Slot.objects.values_list("window_id", "start").get(pk=slot_id)
        slots.places_changed(window_id, start)


# Fair booking ---------------------------------------------------------------------------------


def lock_person(id_number, phone):
    """Serialise the bookings of one ID document and of one phone until the transaction ends, so
    that two simultaneous requests cannot both pass the fair-booking limits (count-then-insert)."""
    locks.hold(f"id:{id_number}", f"phone:{phone}")


def suspension_until(id_number, today=None):
    """The last day online booking is suspended for this ID document, or None.

    NO_SHOW_LIMIT (3) no-shows within NO_SHOW_WINDOW_DAYS (90) suspend it for
    NO_SHOW_SUSPENSION_DAYS (30) days after the day of the last of them.
    """
    today = today or dates.today()
    limit = settings.NO_SHOW_LIMIT
    within = settings.NO_SHOW_WINDOW_DAYS
    length = dt.timedelta(days=settings.NO_SHOW_SUSPENSION_DAYS)
    since = _no_shows_since(today)
    starts = (
        Case.objects.filter(id_number=id_number, status=Status.NO_SHOW, start__gte=since)
        .order_by("start")
        .values_list("start", flat=True)
    )
    days = [timezone.localtime(start).date() for start in starts]
    until = None
    for i in range(limit - 1, len(days)):
        if (days[i] - days[i - limit + 1]).days < within:
            until = days[i] + length
    return until if until and until >= today else None


def fair_booking_check(*, id_number, phone, item, day, now=None, exclude=None):
    """Refuse (BookingRefused) a booking the fair-booking rules forbid, telling the person why.
    Call inside the booking's transaction: it first locks the ID document and the phone until
    the transaction ends (lock_person), so what it counts cannot change meanwhile.

    - suspended after repeated no-shows (code "suspended", until when);
    - MAX_ACTIVE_BOOKINGS_PER_ID / _PER_PHONE upcoming bookings already (code "limit_reached");
    - MAX_BOOKINGS_PER_ITEM_PER_DAY for this item on this day already ("duplicate_booking").
    `exclude` is a case not to count (the one being rescheduled).
    """
    now = now or timezone.now()
    lock_person(id_number, phone)
    counts = _booking_counts(id_number, phone, item, day, now, exclude)
    # Only someone with enough recent no-shows can be suspended: the rule itself needs a look
    # at their dates, which one booking in very many has to pay for.
    until = counts["no_shows"] >= settings.NO_SHOW_LIMIT and suspension_until(
        id_number, dates.local_day(now)
    )
    if until:
        raise BookingRefused(
            _(
                "Online booking with this ID document is suspended until %(date)s (inclusive): "
                "%(count)d booked appointments were missed within %(days)d days. You can "
                "still be served at the window without a booking."
            )
            % {
                "date": until.isoformat(),
                "count": settings.NO_SHOW_LIMIT,
                "days": settings.NO_SHOW_WINDOW_DAYS,
            },
            code="suspended",
        )
    _refuse_over_limits(counts)


def _no_shows_since(today):
    """The earliest no-show that can count towards a suspension still running `today`."""
    within = dt.timedelta(days=settings.NO_SHOW_WINDOW_DAYS)
    length = dt.timedelta(days=settings.NO_SHOW_SUSPENSION_DAYS)
    return dates.day_bounds(today - length - within)[0]


def _booking_counts(id_number, phone, item, day, now, exclude):
    """Upcoming bookings by ID and by phone, this ID's cases (not cancelled) for the item that
    day, and this ID's no-shows recent enough to suspend it. It reads what has committed when it
    starts (READ COMMITTED), so, sent after the person's locks, it sees every booking committed
    before they were granted.

    The person's cases that any rule can count (those starting since the earliest moment one of
    them looks at: a few rows, however long their history) are read and counted here rather than
    by an aggregate of four filtered counts: building that query cost ~3 ms of CPU in every
    booking, more than the rest of its transaction (measured in-process with process_time:
    aggregate 3.6 ms, this read 0.6 ms per booking)."""
    day_start, day_end = dates.day_bounds(day)
    since = _no_shows_since(dates.local_day(now))
    cases = Case.objects.filter(Q(id_number=id_number) | Q(phone=phone), start__gte=min(since, now))
    if exclude is not None:
        cases = cases.exclude(pk=exclude.pk)
    rows = cases.order_by().values_list(
        "id_number", "phone", "item_id", "start", "status", "channel"
    )
    counts = dict.fromkeys(("by_id", "by_phone", "same_day", "no_shows"), 0)
    for case_id_number, case_phone, item_id, start, status, channel in rows:
        upcoming = status == Status.BOOKED and channel == Channel.BOOKING and start >= now
        same_person = case_id_number == id_number
        counts["by_id"] += upcoming and same_person
        counts["by_phone"] += upcoming and case_phone == phone
        counts["same_day"] += (
            same_person
            and item_id == item.pk
            and day_start <= start < day_end
            and status != Status.CANCELLED
        )
        counts["no_shows"] += same_person and status == Status.NO_SHOW and start >= since
    return counts


def _refuse_over_limits(counts):
    per_id, per_phone = settings.MAX_ACTIVE_BOOKINGS_PER_ID, settings.MAX_ACTIVE_BOOKINGS_PER_PHONE
    if counts["by_id"] >= per_id:
        raise BookingRefused(
            _(
                "This ID document already has %(count)d upcoming bookings, the most allowed. "
                "Please cancel one before booking another."
            )
            % {"count": per_id},
            code="limit_reached",
        )
    if counts["by_phone"] >= per_phone:
        raise BookingRefused(
            _(
                "This mobile number already has %(count)d upcoming bookings, the most allowed. "
                "Please cancel one before booking another."
            )
            % {"count": per_phone},
            code="limit_reached",
        )
    if counts["same_day"] >= settings.MAX_BOOKINGS_PER_ITEM_PER_DAY:
        raise BookingRefused(
            _("This ID document already has a booking for this service item on this day."),
            code="duplicate_booking",
        )


# Booking, cancelling, rescheduling ------------------------------------------------------------


def book(
    *,
    window,
    item,
    start,
    name,
    phone,
    id_type,
    id_number,
    email="",
    channel=Channel.BOOKING,
    now=None,
    day=None,
):
    """Book the slot of `window` starting at `start` for `item`; returns the new Case (booked).

    Person fields are the cleaned values of forms.BookingForm. Raises SlotUnavailable (not a
    slot, past, cut-off, beyond the horizon), BookingRefused (fair-booking rules) or SlotFull.
    Fair-booking rules apply to online bookings (channel "booking"), not to staff booking for
    someone at the window.

    `day`: the slots.WindowDay the caller read at the same `now` (the booking form's): the
    rules are checked again on it, without reading it again.
    """
    now = now or timezone.now()
    slot = slots.bookable_slot(window, item, start, now, day=day)
    fields = {
        "window": window,
        "item": item,
        "start": slot.start,
        "channel": channel,
        "status": Status.BOOKED,
        "name": name,
        "phone": phone,
        "id_type": id_type,
        "id_number": id_number,
        "email": email or "",
        # The person's messages (confirmation, reminder, invitation) are written in the
        # language of the page or the API request they booked in.
        "language": texts.supported_language(),
    }
    # The reference is drawn without asking first whether it is taken (31^4 = 923,521 a day): a
    # clash fails the insert on the unique index, and the whole booking is rolled back and made
    # again under a new one.
    for attempt in range(REFERENCE_ATTEMPTS):
        reference = _draw_reference()
        try:
            return _record_booking(reference, slot, fields, now)
        except IntegrityError:
            if attempt == REFERENCE_ATTEMPTS - 1 or not _taken(reference):
                raise
    raise AssertionError("unreachable")


def _taken(reference):
    return Case.objects.filter(reference=reference).exists()


def _record_booking(reference, slot, fields, now):
    with transaction.atomic():
        if fields["channel"] == Channel.BOOKING:
            fair_booking_check(
                id_number=fields["id_number"],
                phone=fields["phone"],
                item=fields["item"],
                day=timezone.localtime(slot.start).date(),
                now=now,
            )
        slot_id = claim_place(slot)
        case = Case.objects.create(reference=reference, slot_id=slot_id, **fields)
        record_event(case, Action.CREATE)
        notices.booking_confirmed(case, slot)
    return case


def _refuse_if_begun(case, now):
    if case.start and case.start <= now:
        raise TransitionNotAllowed(
            _("This appointment has already begun; it can no longer be changed or cancelled."),
            code="too_late",
        )


def _not_booked(case):
    """The refusal for a case that is no longer booked, saying what became of it."""
    status = Case.objects.filter(pk=case.pk).values_list("status", flat=True).first()
    if status == Status.CANCELLED:
        message = _("This booking has already been cancelled.")
    elif status == Status.NO_SHOW:
        message = _("The time of this booking has passed.")
    else:
        message = _("You have checked in for this booking; it can no longer be changed.")
    return TransitionNotAllowed(message)


def cancel(case, *, actor=None, now=None):
    """Cancel a booking and give its place back, in one transaction.

    The person (no `actor`) can cancel until the appointment begins; staff at any time.
    Raises TransitionNotAllowed when the case is not booked (cancelled twice, checked in...).
    """
    if actor is None:
        _refuse_if_begun(case, now or timezone.now())
    try:
        with transaction.atomic():
            case = apply_transition(case, Action.CANCEL, actor=actor)
            if case.slot_id:
                release_place(case.slot_id)
            notices.booking_cancelled(case)
    except TransitionNotAllowed:
        raise _not_booked(case) from None
    return case


def reschedule(case, new_start, *, actor=None, now=None):
    """Move a booking to another slot of the same window: claim the new place and give back the
    old one in one transaction. Raises SlotUnavailable, SlotFull, BookingRefused (another
    booking for the item that day) or TransitionNotAllowed."""
    now = now or timezone.now()
    if case.status != Status.BOOKED:
        raise _not_booked(case)
    if actor is None:
        _refuse_if_begun(case, now)
    new_slot = slots.bookable_slot(case.window, case.item, new_start, now)
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if locked.status != Status.BOOKED:
            raise _not_booked(locked)
        # Compared only now, under the row lock: two identical requests at once must not both
        # move the booking (and send two notices).
        if new_slot.pk == locked.slot_id:
            raise SlotUnavailable(_("Your booking is already at this time."), code="same_slot")
        if locked.channel == Channel.BOOKING:
            day = timezone.localtime(new_slot.start).date()
            fair_booking_check(
                id_number=locked.id_number,
                phone=locked.phone,
                item=locked.item,
                day=day,
                now=now,
                exclude=locked,
            )
        event = _move(locked, new_slot, actor)
        notices.booking_rescheduled(locked, event)
    return locked


def _move(case, new_slot, actor):
    # Lock both slot rows in id order first: two people swapping times must not deadlock.
    list(Slot.objects.select_for_update().filter(pk__in=[case.slot_id, new_slot.pk]).order_by("pk"))
    new_slot_id = claim_place(new_slot)
    if case.slot_id:
        release_place(case.slot_id)
    old_start = case.start
    case.slot_id, case.start = new_slot_id, new_slot.start
    case.save(update_fields=["slot", "start", "updated_at"])
    note = f"{_local(old_start)} → {_local(new_slot.start)}" if old_start else ""
    return record_event(case, Action.RESCHEDULE, from_status=Status.BOOKED, actor=actor, note=note)


def _local(moment):
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


# No-shows -------------------------------------------------------------------------------------


def mark_no_shows(now=None):
    """Booked cases whose slot ended before `now` without a check-in become no-shows.
    Returns how many. Run periodically (tasks.mark_no_shows)."""
    now = now or timezone.now()
    overdue = Case.objects.filter(status=Status.BOOKED, slot__end__lt=now).order_by("start")
    count = 0
    for case in overdue:
        try:
            apply_transition(case, Action.NO_SHOW, system_note=(case_notes.NOT_CHECKED_IN, {}))
        except TransitionNotAllowed:
            continue  # checked in or cancelled a moment ago
        if case.start:
            slots.places_changed(case.window_id, case.start)  # the place stays used; say so anyway
        count += 1
    return count
