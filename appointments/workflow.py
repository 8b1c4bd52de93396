"""The case state machine: one table of allowed transitions, one function that applies them.

Every change writes a CaseEvent, so the case page can show who did what and when.
"""

from django.db import transaction

from .constants import Action, Status
from .exceptions import TransitionNotAllowed
from .models import Case, CaseEvent

# action -> (statuses it may start from, status it leads to)
TRANSITIONS = {
    Action.CHECK_IN: ((Status.BOOKED,), Status.CHECKED_IN),
    Action.ACCEPT: ((Status.CHECKED_IN, Status.PENDING), Status.ACCEPTED),
    Action.ACCEPT_PENDING: ((Status.CHECKED_IN,), Status.PENDING),
    Action.REJECT: ((Status.CHECKED_IN, Status.PENDING), Status.REJECTED),
    Action.COMPLETE: ((Status.ACCEPTED,), Status.COMPLETED),
    Action.CANCEL: ((Status.BOOKED,), Status.CANCELLED),
    # Checked in: a queue ticket's holder who did not come when called (hall, 过号).
    Action.NO_SHOW: ((Status.BOOKED, Status.CHECKED_IN), Status.NO_SHOW),
}

# The actions window staff take from the workbench and the API (`/cases/{id}/{action}/`).
STAFF_ACTIONS = (
    Action.CHECK_IN,
    Action.ACCEPT,
    Action.ACCEPT_PENDING,
    Action.REJECT,
    Action.COMPLETE,
)


def allowed_actions(case, actions=STAFF_ACTIONS):
    return [a for a in actions if case.status in TRANSITIONS[a][0]]


def record_event(case, action, *, from_status="", actor=None, note="", system_note=None):
    """`note`: a person's words, kept as written; `system_note`: (code, values) of
    appointments.case_notes, written out in the reader's language."""
    note_code, note_params = system_note or ("", {})
    return CaseEvent.objects.create(
        case=case,
        action=action,
        from_status=from_status,
        to_status=case.status,
        actor=actor if actor and actor.is_authenticated else None,
        note=note,
        note_code=note_code,
        note_params=note_params,
    )


@transaction.atomic
def apply_transition(case, action, *, actor=None, note="", system_note=None, **changes):
    """Move `case` by `action`, saving `changes` with it. Locks the row so that two clerks
    pressing "accept" at once cannot both succeed; raises TransitionNotAllowed on a wrong state."""
    sources, target = TRANSITIONS[action]
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if locked.status not in sources:
        raise TransitionNotAllowed()
    from_status = locked.status
    locked.status = target
    for field, value in changes.items():
        setattr(locked, field, value)
    locked.save()
    record_event(
        locked, action, from_status=from_status, actor=actor, note=note, system_note=system_note
    )
    return locked
