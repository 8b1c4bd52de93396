"""Who is called first: the one ordering rule of the hall (issue 13).

1. Green-channel items (`ServiceItem.green_channel`) and priority people (older people,
   disability, pregnancy: marked by the clerk or chosen at the kiosk) go first;
2. then people with a booking who checked in within the grace window around their slot
   (from HALL_GRACE_MINUTES before its start to HALL_GRACE_MINUTES after its end);
3. then everyone else (walk-ins, bookings far too early or late);
and within each class, first come first served (the time the ticket was issued).

`rank()` gives the class; it is stored on the ticket (recomputed when the clerk marks a priority
or transfers the ticket to another item), so that call-next sorts in SQL by ORDER_BY, the same
order `order_key()` gives in Python.
"""

import datetime as dt

from django.conf import settings

FIRST, BOOKED_ON_TIME, OTHERS = 0, 1, 2

# The SQL order of waiting tickets; order_key() is the same in Python.
ORDER_BY = ("rank", "issued_at", "id")


def grace():
    return dt.timedelta(minutes=settings.HALL_GRACE_MINUTES)


def rank(*, priority, green_channel, slot_start=None, slot_end=None, arrived_at=None):
    """The ordering class of a ticket (lower is called first)."""
    if priority or green_channel:
        return FIRST
    if slot_start is not None and arrived_at is not None:
        end = slot_end or slot_start
        if slot_start - grace() <= arrived_at <= end + grace():
            return BOOKED_ON_TIME
    return OTHERS


def rank_of(ticket, case=None):
    """rank() for a ticket and its booking's case (if it came with one)."""
    case = case if case is not None else (ticket.case if ticket.booked else None)
    slot_start = slot_end = None
    if ticket.booked and case is not None and case.start:
        slot_start = case.start
        slot_end = case.slot.end if case.slot_id else None
    return rank(
        priority=ticket.priority,
        green_channel=ticket.item.green_channel,
        slot_start=slot_start,
        slot_end=slot_end,
        arrived_at=ticket.issued_at,
    )


def order_key(ticket):
    return (ticket.rank, ticket.issued_at, ticket.pk or 0)
