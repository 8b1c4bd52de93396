"""The window and the service item a booking names, kept in the cache.

The one addition to plain Django that the booking path keeps, for its measured gain (issue 12:
"keep what you add in one module with a comment that gives its measured gain"). A booking
through the API names a window by its id and an item by its code, and the form used to read both
rows from the database. Measured on the booking benchmark's database, in one process
(`valgrind --tool=callgrind`, instructions per booking, the difference between 10 and 60
bookings): 21.0 M instructions a booking with the two queries, 17.9 M with this module (15 %
fewer; "before" the simplification, with its hand-written SQL: 10.9 M). Behind gunicorn, without
it bookings ran at 0.076 to 0.110 of /healthz, with it at 0.102 to 0.113 (target 0.10; README,
"Benchmarks").

So the two model instances are kept in Django's cache (pickled by the cache, as any value) for
ROW_SECONDS, and forgotten when a transaction that saves or deletes the window or the item
commits (the receivers at the end; every write of these rows goes through save() or delete(),
none through QuerySet.update()). A read that raced such a commit may keep the row it read for
ROW_SECONDS at most, as for the slots cache (slots.py); an item whose code changes may still be
named by its old code for as long. Nothing here guards a rule: whether the window offers the
item and has room is read from the day (slots.window_day) and decided by the claim. Inside a
transaction the database is read and the cache left alone (it may see uncommitted rows).

The instances are model instances, not plain data: the booking records them on the case and the
confirmation and the answer name them (display names, the address). A field added to the model
after a value was cached is read from the database on first use, as a deferred field is.
"""

from django.core.cache import cache
from django.core.validators import slug_re
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from catalog.models import ServiceItem
from windows.models import ServicePoint

WINDOW_KEY = "appointments:row:window:{pk}"
ITEM_KEY = "appointments:row:item:{code}"
ROW_SECONDS = 60


def _cached(key, read):
    if not transaction.get_autocommit():
        return read()
    row = cache.get(key)
    if row is None:
        row = read()
        if row is not None:
            cache.set(key, row, ROW_SECONDS)
    return row


def active_window(pk):
    """The active window with id `pk`, or None (no such window, or inactive)."""
    if not 0 < pk < 2**63:  # beyond the id column (bigint): no such window
        return None

    def read():
        try:
            return ServicePoint.objects.active().get(pk=pk)
        except ServicePoint.DoesNotExist:
            return None

    return _cached(WINDOW_KEY.format(pk=pk), read)


def published_item(code):
    """The published service item with this code, or None."""

    def read():
        try:
            return ServiceItem.objects.published().get(code=code)
        except ServiceItem.DoesNotExist:
            return None

    if not slug_re.fullmatch(code):  # no item has such a code: no cache key made of it either
        return read()
    return _cached(ITEM_KEY.format(code=code), read)


def _forget(key):
    transaction.on_commit(lambda: cache.delete(key), robust=True)


def _window_written(sender, instance, **_signal):
    _forget(WINDOW_KEY.format(pk=instance.pk))


def _item_written(sender, instance, **_signal):
    _forget(ITEM_KEY.format(code=instance.code))


post_save.connect(_window_written, sender=ServicePoint, dispatch_uid="rows-window-saved")
post_delete.connect(_window_written, sender=ServicePoint, dispatch_uid="rows-window-deleted")
post_save.connect(_item_written, sender=ServiceItem, dispatch_uid="rows-item-saved")
post_delete.connect(_item_written, sender=ServiceItem, dispatch_uid="rows-item-deleted")
