"""Deadline states of anything due on a date: a case (its promised or legal due date), and in
reviews the rectification of a bad rating and a complaint, so both apps badge and filter
deadlines alike.

A state is OVERDUE (the due date has passed), NEAR_DUE (at most NEAR_DUE_WORKING_DAYS working
days left) or OK; None where no clock runs. date_state() says it of one date; lists compute the
same value in SQL (deadline_annotation), which costs one calendar lookup per request instead of
one per row.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q, Value, When
from django.utils.translation import gettext_lazy

from . import workdays

OVERDUE = "overdue"
NEAR_DUE = "near_due"
OK = "ok"
DEADLINE_LABELS = {
    OVERDUE: gettext_lazy("Overdue"),
    NEAR_DUE: gettext_lazy("Due soon"),
    OK: gettext_lazy("On time"),
}

# Rectifications and complaints stop their clock when they are closed.
CLOSED = Q(closed_at__isnull=False)


def near_due_limit(today):
    """The first due date that is not near any more: working_days_between(today, due) <= N
    exactly when due < the (N+1)-th working day after today."""
    return workdays.add_working_days(today, settings.NEAR_DUE_WORKING_DAYS + 1)


def date_state(due, today):
    if due is None:
        return None
    if due < today:
        return OVERDUE
    if due < near_due_limit(today):
        return NEAR_DUE
    return OK


def deadline_annotation(due_field, today, *, stopped=CLOSED):
    """date_state(due_field, today) in SQL; None for rows where `stopped` (a Q) holds."""
    return models.Case(
        When(stopped, then=Value(None)),
        When(**{f"{due_field}__lt": today}, then=Value(OVERDUE)),
        When(**{f"{due_field}__lt": near_due_limit(today)}, then=Value(NEAR_DUE)),
        default=Value(OK),
        output_field=models.CharField(null=True),
    )


def overdue_filter(due_field, today):
    """Open (not closed) records past their due date."""
    return Q(closed_at__isnull=True, **{f"{due_field}__lt": today})


def near_due_filter(due_field, today):
    """Open (not closed) records whose due date is near."""
    limit = near_due_limit(today)
    return Q(closed_at__isnull=True, **{f"{due_field}__gte": today, f"{due_field}__lt": limit})
