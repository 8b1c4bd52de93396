"""Transaction-level locks on names (PostgreSQL advisory locks), for the rules that count rows
and then insert one (count-then-insert): the fair-booking limits per person, the SMS allowance
per number. Held until the transaction ends; call inside transaction.atomic().

The names are taken in a fixed (sorted) order, in one round trip, so that two transactions
locking the same names never wait for each other. SQLite (development only) serialises writers
anyway: nothing to do there.
"""

import hashlib

from django.db import connection


def _key(name):
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def hold(*names):
    """Lock each of `names` (strings) until the current transaction ends."""
    if connection.vendor != "postgresql" or not names:
        return
    keys = sorted({_key(name) for name in names})
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s); " * len(keys), keys)
