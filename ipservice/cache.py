"""Django's RedisCache, kept serving while Redis is unreachable: the cache is then empty.

What the portal keeps in the cache can always be read again from the database (a window's day
of slots, the working-day calendar's version, the bureau's message texts), and the rate limiters'
counters are given up rather than refuse everyone (settings.RATELIMIT_FAIL_OPEN). Django's own
backend raises redis' ConnectionError or TimeoutError from every call while Redis is down or
too slow, which made every page that reads the cache answer 500. Here each such call logs a
warning (at most one per WARNING_INTERVAL seconds in a process, with the number of failures
since the last one) and answers as a cache that holds nothing: a read misses, a write or a delete
does nothing, incr() finds no key (ValueError, as for any missing key). The socket timeouts in
OPTIONS (settings.CACHES) bound what a call can cost while Redis does not answer.

Only the unreachable server is forgiven: any other error (a bad value, a bug) still raises.
"""

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError)
WARNING_INTERVAL = 60.0


class _Warnings:
    """At most one warning per interval: an outage would otherwise log every cache call."""

    def __init__(self, interval):
        self.interval = interval
        self._lock = threading.Lock()
        self._last = None
        self._missed = 0

    def failed(self, operation, exc):
        now = time.monotonic()
        with self._lock:
            if self._last is not None and now - self._last < self.interval:
                self._missed += 1
                return
            missed, self._missed, self._last = self._missed, 0, now
        logger.warning(
            "cache unreachable, %s answered as a miss (read from the database): %s "
            "(%s more failures since the last warning)",
            operation,
            exc,
            missed,
        )


class OneClientRedisCacheClient(RedisCacheClient):
    """Django's Redis cache client, keeping the redis.Redis object it makes for a connection
    pool instead of making a new one for every call, as Django's does (get_client's comment
    invites a client of one's own). A redis.Redis is only a front to the pool, safe to share
    between threads; making one fills a dict of about 170 reply callbacks: 0.15 ms of CPU (more
    than a GET's round trip, 0.13 ms), measured on the 2-core machine of the README's benchmark.
    A booking makes six cache calls (the rate limit's two, the window, the item, the day, the
    places forgotten on commit); the slots endpoint one per request.

    The portal names one Redis server (settings.CACHES): every call uses its pool. With read
    replicas named too, the reads of a process would keep to the one replica it chose first."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.clients = {}

    def get_client(self, key=None, *, write=False):
        client = self.clients.get(write)
        if client is None:
            client = self.clients[write] = super().get_client(key, write=write)
        return client


class ResilientRedisCache(RedisCache):
    """RedisCache whose calls answer as an empty cache while the server cannot be reached, with
    one Redis client per process (OneClientRedisCacheClient)."""

    warnings = _Warnings(WARNING_INTERVAL)

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = OneClientRedisCacheClient  # RedisCache's own choice of client class

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().add(key, value, timeout, version)
        except UNREACHABLE as exc:
            self.warnings.failed("add", exc)
            return False

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except UNREACHABLE as exc:
            self.warnings.failed("get", exc)
            return default

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            super().set(key, value, timeout, version)
        except UNREACHABLE as exc:
            self.warnings.failed("set", exc)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().touch(key, timeout, version)
        except UNREACHABLE as exc:
            self.warnings.failed("touch", exc)
            return False

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except UNREACHABLE as exc:
            self.warnings.failed("delete", exc)
            return False

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except UNREACHABLE as exc:
            self.warnings.failed("get_many", exc)
            return {}

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except UNREACHABLE as exc:
            self.warnings.failed("has_key", exc)
            return False

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except UNREACHABLE as exc:
            self.warnings.failed("incr", exc)
            raise ValueError(f"Key '{key}' not found (the cache is unreachable).") from exc

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set_many(data, timeout, version)
        except UNREACHABLE as exc:
            self.warnings.failed("set_many", exc)
            return list(data)  # Django's contract: the keys that were not stored

    def delete_many(self, keys, version=None):
        try:
            super().delete_many(keys, version)
        except UNREACHABLE as exc:
            self.warnings.failed("delete_many", exc)

    def clear(self):
        try:
            return super().clear()
        except UNREACHABLE as exc:
            self.warnings.failed("clear", exc)
            return False
