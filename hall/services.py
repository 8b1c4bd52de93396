"""The rules of the window's day: issuing tickets, signing in to counters, calling and moving
tickets (docs/architecture.md, "A ticket, from the kiosk to the pad").

Every move goes through `apply()`: one table of allowed moves (TRANSITIONS), the row locked, a
TicketEvent written, and, once the ticket has a case, the same step on the case's timeline
(appointments.workflow.record_event). Call-next claims its ticket with
`SELECT … FOR UPDATE SKIP LOCKED`: two counters pressing at the same instant lock different rows,
so no ticket is ever called twice.
"""

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.http import Http404
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django_ratelimit import ALL
from django_ratelimit.core import is_ratelimited

from appointments import cases, workdays
from appointments.constants import Action, Channel, Status
from appointments.exceptions import TransitionNotAllowed
from appointments.models import Case
from appointments.workflow import apply_transition, record_event
from catalog.models import Category
from ipservice import dates, locks
from windows.constants import Role
from windows.models import ServicePoint, is_bureau

from . import ordering, waiting
from .constants import TicketAction, TicketStatus
from .exceptions import (
    AdmissionClosed,
    AlreadySignedIn,
    CounterBusy,
    CounterTaken,
    NotSignedIn,
    QuotaUsed,
    RecallLimit,
    WrongState,
)
from .models import Counter, CounterSession, Ticket, TicketEvent

TOKEN_SALT = "hall.ticket"
TICKET_RATE_GROUP = "hall.tickets"


def too_many_tickets(request):
    """Count this ticket request against HALL_TICKET_RATE_LIMIT for the client address (the
    kiosk page and the API together); True beyond it."""
    return is_ratelimited(
        request,
        group=TICKET_RATE_GROUP,
        key="ip",
        rate=settings.HALL_TICKET_RATE_LIMIT,
        method=ALL,
        increment=True,
    )


# action -> (statuses it may start from, status it leads to)
TRANSITIONS = {
    TicketAction.CALL: ((TicketStatus.WAITING,), TicketStatus.CALLED),
    TicketAction.RECALL: ((TicketStatus.CALLED,), TicketStatus.CALLED),
    TicketAction.NO_SHOW: ((TicketStatus.CALLED,), TicketStatus.NO_SHOW),
    TicketAction.TRANSFER: ((TicketStatus.CALLED, TicketStatus.SERVING), TicketStatus.WAITING),
    TicketAction.START: ((TicketStatus.CALLED,), TicketStatus.SERVING),
    TicketAction.FINISH: ((TicketStatus.SERVING,), TicketStatus.DONE),
    TicketAction.PRIORITY: ((TicketStatus.WAITING,), TicketStatus.WAITING),
    # The holder leaves the queue (the status page, POST /api/v1/tickets/{id}/cancel/).
    TicketAction.CANCEL: ((TicketStatus.WAITING,), TicketStatus.CANCELLED),
}

# The moves staff make by POST /api/v1/tickets/{id}/{action}/ and on the counter page.
STAFF_ACTIONS = (
    TicketAction.RECALL,
    TicketAction.NO_SHOW,
    TicketAction.START,
    TicketAction.FINISH,
    TicketAction.TRANSFER,
)


def allowed_actions(ticket, actions=STAFF_ACTIONS):
    return [a for a in actions if ticket.status in TRANSITIONS[a][0]]


# --- the ticket's private link ---


def ticket_token(ticket):
    """The secret of the status link; derived, not stored (as appointments.booking_token)."""
    return salted_hmac(TOKEN_SALT, f"{ticket.pk}:{ticket.issued_at.isoformat()}").hexdigest()[:32]


def get_ticket_for_token(pk, token):
    """The ticket if `token` is its token; the same 404 whether it exists or not."""
    ticket = (
        Ticket.objects.select_related("window", "item", "counter").filter(pk=pk).first()
        if isinstance(pk, int)
        else None
    )
    if ticket is None or not isinstance(token, str):
        raise Http404("no such ticket")
    if not constant_time_compare(ticket_token(ticket), token):
        raise Http404("no such ticket")
    return ticket


# --- access ---


def works_at(user, window_id):
    return user.is_authenticated and user.memberships.filter(window_id=window_id).exists()


def get_ticket_for_user(user, pk):
    """A ticket of a window where `user` works; 404 for any other (its existence is not told)."""
    if not user.is_authenticated:
        raise Http404("no such ticket")
    ticket = (
        Ticket.objects.filter(pk=pk, window__memberships__user=user)
        .select_related("window", "item", "counter", "case")
        .first()
    )
    if ticket is None:
        raise Http404("no such ticket")
    return ticket


def visible_windows(user):
    """Windows whose counters `user` may list: their own; the bureau's: all."""
    return ServicePoint.objects.for_user(user)


def get_counter_for_clerk(user, pk):
    """A counter of a window where `user` works, for the clerk's actions and page; else 404 (the
    bureau included: it reads the counters, it does not work at them)."""
    if not user.is_authenticated:
        raise Http404("no such counter")
    counter = (
        Counter.objects.filter(pk=pk, window__memberships__user=user)
        .select_related("window")
        .first()
    )
    if counter is None:
        raise Http404("no such counter")
    return counter


def can_manage_counters(user, window):
    """The window's supervisor or the bureau adds and changes counters."""
    if is_bureau(user):
        return True
    return user.memberships.filter(window=window, role=Role.SUPERVISOR).exists()


# --- counters ---


def current_session(user, today=None):
    """The counter session `user` has open today, or None."""
    if not user.is_authenticated:
        return None
    return (
        CounterSession.objects.filter(
            user=user, day=today or dates.today(), signed_out_at__isnull=True
        )
        .select_related("counter__window")
        .first()
    )


def _close_stale_sessions(now):
    """Sessions left open on an earlier day end at that day's end (nobody signed out)."""
    CounterSession.objects.filter(signed_out_at__isnull=True, day__lt=dates.local_day(now)).update(
        signed_out_at=now
    )


def sign_in(counter, user, now=None):
    """`user` takes `counter` for today; refuses a counter someone else holds and a clerk who
    holds another (one counter per clerk, one clerk per counter; unique constraints back it)."""
    now = now or timezone.now()
    if not works_at(user, counter.window_id):
        raise Http404("no such counter")
    if not counter.active:
        raise WrongState(_("This counter is closed."))
    _close_stale_sessions(now)
    mine = current_session(user, dates.local_day(now))
    if mine is not None:
        if mine.counter_id == counter.pk:
            return mine
        raise AlreadySignedIn()
    try:
        with transaction.atomic():
            return CounterSession.objects.create(
                counter=counter, user=user, day=dates.local_day(now), signed_in_at=now
            )
    except IntegrityError:
        raise CounterTaken() from None


def sign_out(counter, user, now=None):
    if not works_at(user, counter.window_id):
        raise Http404("no such counter")
    ended = CounterSession.objects.filter(
        counter=counter, user=user, signed_out_at__isnull=True
    ).update(signed_out_at=now or timezone.now())
    if not ended:
        raise NotSignedIn(_("You are not signed in to this counter."))
    waiting.queue_changed(counter.window_id)


def handled_items(counter):
    """The ids of the items `counter` calls, or None for every item (none chosen): a ticket is
    only ever issued for an item of its window."""
    return list(counter.items.values_list("pk", flat=True)) or None


# --- issuing tickets ---


def group_letter(item):
    """The ticket letter of an item: A for the catalog's first category, B for the second…"""
    codes = list(Category.objects.order_by("order", "code").values_list("pk", flat=True))
    index = codes.index(item.category_id) if item.category_id in codes else 0
    return chr(ord("A") + min(index, 25))


def last_admission(window, day):
    """The time after which no ticket is given on `day`: the day's closing time (opening hours)
    less HALL_LAST_ADMISSION_MINUTES; None when the window does not open that day."""
    if not workdays.is_working_day(day):
        return None
    closes = [p.end for p in window.opening_periods.all() if p.weekday == day.weekday()]
    if not closes:
        return None
    closing = dt.datetime.combine(day, max(closes), tzinfo=timezone.get_default_timezone())
    return closing - dt.timedelta(minutes=settings.HALL_LAST_ADMISSION_MINUTES)


def check_admission(window, now):
    until = last_admission(window, dates.local_day(now))
    if until is None:
        raise AdmissionClosed(_("The window is closed today."))
    if now > until:
        raise AdmissionClosed(
            _("No more tickets today: the last admission was at %(time)s.")
            % {"time": f"{timezone.localtime(until):%H:%M}"}
        )


def issue_walk_in(window, item, *, phone="", priority_reason="", now=None):
    """A walk-in's ticket for `item` (the kiosk). Raises ValidationError (an item the window
    does not offer), AdmissionClosed or QuotaUsed."""
    now = now or timezone.now()
    if not window.items.filter(pk=item.pk).exists():
        raise ValidationError({"item": _("This window does not offer this item.")})
    check_admission(window, now)
    day = dates.local_day(now)
    with transaction.atomic():
        locks.hold(f"hall:tickets:{window.pk}:{day}")  # the quota is count-then-insert
        taken = Ticket.objects.filter(window=window, day=day, booked=False).count()
        if taken >= settings.HALL_WALK_IN_QUOTA:
            raise QuotaUsed()
        return _create(window, item, now, phone=phone, priority_reason=priority_reason)


def find_booking(window, reference, now):
    """Today's booking at `window` with this reference, else a ValidationError on `reference`."""
    reference = "".join(str(reference or "").split()).upper()[:20]
    start, end = dates.day_bounds(dates.local_day(now))
    case = (
        Case.objects.select_related("item", "slot")
        .filter(window=window, reference=reference, channel=Channel.BOOKING)
        .filter(start__gte=start, start__lt=end)
        .first()
    )
    if case is None:
        raise ValidationError(
            {"reference": _("No booking with this reference today at this window.")}
        )
    return case


def issue_for_booking(window, reference, *, actor=None, priority_reason="", now=None):
    """Check a booked person in (the clerk, or the kiosk by reference or QR) and give their
    ticket; the same ticket again while it is still in the hall."""
    now = now or timezone.now()
    case = find_booking(window, reference, now)
    check_admission(window, now)
    with transaction.atomic():
        locks.hold(f"hall:tickets:{window.pk}:{dates.local_day(now)}")
        existing = case.tickets.filter(status__in=waiting.IN_HALL).first()
        if existing is not None:
            return existing
        if case.status == Status.BOOKED:
            try:
                case = cases.check_in(case, actor)
            except TransitionNotAllowed:
                raise WrongState(_("This booking cannot be checked in now.")) from None
        elif case.status != Status.CHECKED_IN:
            raise WrongState(_("This booking cannot be checked in now."))
        return _create(
            window, case.item, now, case=case, phone=case.phone, priority_reason=priority_reason
        )


def _create(window, item, now, *, case=None, phone="", priority_reason=""):
    day = dates.local_day(now)
    group = group_letter(item)
    last = Ticket.objects.filter(window=window, day=day, group=group).aggregate(n=Max("sequence"))
    ticket = Ticket(
        window=window,
        day=day,
        group=group,
        sequence=(last["n"] or 0) + 1,
        item=item,
        case=case,
        booked=case is not None,
        phone=phone or "",
        priority=bool(priority_reason),
        priority_reason=priority_reason or "",
        issued_at=now,
    )
    ticket.rank = ordering.rank_of(ticket, case)
    ticket.save()
    _record(ticket, TicketAction.ISSUE, "", actor=None)
    waiting.queue_changed(window.pk)
    return ticket


# --- moving tickets ---


def _record(ticket, action, from_status, *, actor, counter=None, note=""):
    TicketEvent.objects.create(
        ticket=ticket,
        action=action,
        from_status=from_status,
        to_status=ticket.status,
        counter=counter or ticket.counter,
        actor=actor if actor and actor.is_authenticated else None,
        note=note,
    )
    if ticket.case_id:
        case = Case.objects.only("pk", "status").get(pk=ticket.case_id)
        where = counter or ticket.counter
        text = f"{ticket.number} · {TicketAction(action).label}"
        if where is not None:
            text += " · " + str(where)
        if note:
            text += f" · {note}"
        record_event(case, Action.QUEUE, from_status=case.status, actor=actor, note=text)


@transaction.atomic
def apply(ticket, action, *, actor=None, note="", at_counter=None, **changes):
    """Move `ticket` by `action` under a row lock; WrongState if its status forbids it."""
    sources, target = TRANSITIONS[action]
    locked = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("item", "counter", "window")
        .get(pk=ticket.pk)
    )
    if locked.status not in sources:
        raise WrongState()
    from_status = locked.status
    locked.status = target
    for field, value in changes.items():
        setattr(locked, field, value)
    locked.save()
    _record(locked, action, from_status, actor=actor, counter=at_counter, note=note)
    waiting.queue_changed(locked.window_id)
    return locked


def require_session(counter, user, now):
    session = current_session(user, dates.local_day(now))
    if session is None or session.counter_id != counter.pk:
        raise PermissionDenied(_("Only the clerk signed in to this counter can call from it."))
    return session


def callable_tickets(counter, day):
    """The waiting tickets `counter` may call: of the items it handles, not transferred to
    another counter."""
    tickets = Ticket.objects.filter(
        window_id=counter.window_id, day=day, status=TicketStatus.WAITING
    ).filter(Q(reserved_for__isnull=True) | Q(reserved_for=counter))
    items = handled_items(counter)
    return tickets if items is None else tickets.filter(item_id__in=items)


# The statuses of the ticket in front of a counter: while one is, the counter calls nobody else.
IN_FRONT = (TicketStatus.CALLED, TicketStatus.SERVING)


def in_front(counter, day):
    """The ticket at `counter` on `day` (called or being served), or None."""
    return (
        Ticket.objects.filter(counter=counter, day=day, status__in=IN_FRONT)
        .select_related("item", "case")
        .order_by("-called_at", "-id")
        .first()
    )


def call_next(counter, actor, now=None):
    """Call the best waiting ticket `counter` handles (hall.ordering); None when nobody waits.

    One ticket in front of a counter at a time: while the one called there is `called` or
    `serving`, CounterBusy. The counter's row is locked first, so two presses at the same counter
    run one after the other and the second sees the first's ticket. The ticket's row is then
    claimed with FOR UPDATE SKIP LOCKED: a ticket another counter is calling at this instant is
    skipped, not waited for, and the status moves in the same transaction."""
    now = now or timezone.now()
    require_session(counter, actor, now)
    day = dates.local_day(now)
    with transaction.atomic():
        Counter.objects.select_for_update().only("pk").get(pk=counter.pk)
        front = in_front(counter, day)
        if front is not None:
            raise CounterBusy(
                _(
                    "%(number)s is still at this counter. Start or finish it, mark it as a "
                    "no-show or transfer it before calling the next."
                )
                % {"number": front.number}
            )
        ticket = (
            callable_tickets(counter, day)
            .select_for_update(skip_locked=True, of=("self",))
            .order_by(*ordering.ORDER_BY)
            .first()
        )
        if ticket is None:
            return None
        ticket = apply(
            ticket,
            TicketAction.CALL,
            actor=actor,
            at_counter=counter,
            counter=counter,
            called_at=ticket.called_at or now,
            reserved_for=None,
            served_by=actor,
        )
        waiting.notify_near(counter.window_id, day)
    return ticket


def recall(ticket, actor):
    if ticket.status == TicketStatus.CALLED and ticket.recalls >= settings.HALL_MAX_RECALLS:
        raise RecallLimit()
    with transaction.atomic():
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if locked.status == TicketStatus.CALLED and locked.recalls >= settings.HALL_MAX_RECALLS:
            raise RecallLimit()
        return apply(ticket, TicketAction.RECALL, actor=actor, recalls=locked.recalls + 1)


def no_show(ticket, actor, now=None):
    """过号: the person called did not come. A booked person's case becomes a no-show, which
    counts toward the no-show rule of fair booking (appointments.services.suspension_until)."""
    with transaction.atomic():
        ticket = apply(ticket, TicketAction.NO_SHOW, actor=actor, finished_at=now or timezone.now())
        if ticket.booked and ticket.case_id:
            case = Case.objects.get(pk=ticket.case_id)
            if case.status == Status.CHECKED_IN:
                apply_transition(
                    case, Action.NO_SHOW, actor=actor, note=_("Did not come when called.")
                )
    return ticket


def transfer(ticket, actor, *, counter=None, item=None):
    """Back to waiting, for another counter of the window (only it calls the ticket) or another
    item (its counters call it); the ticket keeps its number and its place in time."""
    if (counter is None) == (item is None):
        raise ValidationError({"counter": _("Choose either a counter or an item.")})
    changes = {"counter": None, "served_by": None, "reserved_for": None}
    if counter is not None:
        if counter.window_id != ticket.window_id or not counter.active:
            raise ValidationError({"counter": _("Choose an open counter of this window.")})
        changes["reserved_for"] = counter
        note = _("to %(counter)s") % {"counter": counter}
    else:
        if not ticket.window.items.filter(pk=item.pk).exists():
            raise ValidationError({"item": _("This window does not offer this item.")})
        changes["item"] = item
        note = _("to %(item)s") % {"item": item.display_name}
    with transaction.atomic():
        moved = apply(
            ticket,
            TicketAction.TRANSFER,
            actor=actor,
            note=note,
            at_counter=ticket.counter,
            **changes,
        )
        moved.rank = ordering.rank_of(moved)
        moved.save(update_fields=["rank"])
    return moved


def start(ticket, actor, person=None, now=None):
    """Service begins: a booked person's case is opened by this clerk; a walk-in's case is
    registered here, from `person` (the fields of appointments.forms.PersonForm)."""
    now = now or timezone.now()
    if ticket.status not in TRANSITIONS[TicketAction.START][0]:
        raise WrongState()
    with transaction.atomic():
        case_id = ticket.case_id
        if case_id is None:
            if not person:
                raise ValidationError({"name": _("Enter the person's details to open the case.")})
            case = cases.create_walk_in(
                window=ticket.window,
                item=ticket.item,
                channel=Channel.WALK_IN,
                actor=actor,
                **person,
            )
            case_id = case.pk
        else:
            Case.objects.filter(pk=case_id).update(handled_by=actor)
        return apply(
            ticket,
            TicketAction.START,
            actor=actor,
            started_at=now,
            case_id=case_id,
            served_by=actor,
        )


def finish(ticket, actor, *, complete=False, now=None):
    """Service ends. With `complete`, the case is accepted if need be and completed (a matter
    settled at the counter); otherwise it stays as the clerk left it (accepted, pending…)."""
    with transaction.atomic():
        ticket = apply(ticket, TicketAction.FINISH, actor=actor, finished_at=now or timezone.now())
        if complete and ticket.case_id:
            case = Case.objects.select_related("item").get(pk=ticket.case_id)
            if case.status == Status.CHECKED_IN:
                case = cases.accept(case, actor)
            if case.status == Status.ACCEPTED:
                cases.complete(case, actor)
    return ticket


def cancel(ticket, actor=None, now=None):
    """The ticket leaves the queue: its holder (the status page, the API) gives it up while it
    waits. Not a no-show: a booked person's case stays checked in, with the step on its
    timeline. One function for whoever cancels (`actor` None: the holder)."""
    return apply(ticket, TicketAction.CANCEL, actor=actor, finished_at=now or timezone.now())


def mark_priority(ticket, actor, reason):
    with transaction.atomic():
        ticket = apply(
            ticket, TicketAction.PRIORITY, actor=actor, priority=True, priority_reason=reason
        )
        ticket.rank = ordering.rank_of(ticket)
        ticket.save(update_fields=["rank"])
    return ticket
