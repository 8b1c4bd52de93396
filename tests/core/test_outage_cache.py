"""The cache backend while Redis is unreachable (ipservice/cache.py): an empty cache that logs
a warning now and then, and rate limits that let requests through (RATELIMIT_FAIL_OPEN)."""

import logging
import pickle

import pytest
from django.conf import settings
from django.core.cache import caches

from ipservice.cache import ResilientRedisCache, _Warnings

NOWHERE = "redis://127.0.0.1:1/0"  # nothing listens: every call's connection is refused


@pytest.fixture
def down():
    cache = ResilientRedisCache(
        NOWHERE, {"OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0}}
    )
    cache.warnings = _Warnings(interval=60)
    return cache


def test_reads_miss_and_writes_do_nothing(down):
    assert down.get("k") is None and down.get("k", "fallback") == "fallback"
    assert down.get_many(["a", "b"]) == {}
    assert down.has_key("k") is False
    assert down.add("k", 1) is False
    assert down.set("k", 1) is None
    assert down.set_many({"a": 1, "b": 2}) == ["a", "b"]  # not stored
    assert down.touch("k") is False
    assert down.delete("k") is False
    assert down.delete_many(["a"]) is None
    assert down.clear() is False
    assert down.get_or_set("k", 7) == 7  # computed, not kept


def test_incr_finds_no_key_as_for_any_missing_key(down):
    with pytest.raises(ValueError, match="not found"):
        down.incr("hits")
    with pytest.raises(ValueError):
        down.decr("hits")


def test_one_warning_per_interval(down, caplog):
    with caplog.at_level(logging.WARNING, logger="ipservice.cache"):
        for _ in range(5):
            down.get("k")
    warnings = [r for r in caplog.records if r.name == "ipservice.cache"]
    assert len(warnings) == 1
    assert "cache unreachable" in warnings[0].getMessage()


def test_other_errors_still_raise(down):
    # A value that cannot be stored is a bug of the caller, not an outage.
    with pytest.raises((pickle.PicklingError, AttributeError)):
        down.set("k", lambda: 1)


def test_rate_limits_let_requests_through_while_the_cache_is_down(rf, settings):
    from django_ratelimit.core import is_ratelimited

    assert settings.RATELIMIT_FAIL_OPEN is True
    settings.CACHES = {
        "default": {"BACKEND": "ipservice.cache.ResilientRedisCache", "LOCATION": NOWHERE}
    }
    request = rf.post("/", REMOTE_ADDR="10.9.8.7")
    assert isinstance(caches["default"], ResilientRedisCache)
    limited = [
        is_ratelimited(request, group="t", key="ip", rate="1/m", method="POST", increment=True)
        for _ in range(3)
    ]
    assert limited == [False, False, False]


def test_every_wait_of_a_task_stays_under_the_visibility_timeout():
    from tests.core.test_settings import run_manage

    assert 60 < settings.CELERY_VISIBILITY_TIMEOUT <= 20 * 60  # minutes, not kombu's hour
    assert settings.CELERY_TASK_TIME_LIMIT < settings.CELERY_VISIBILITY_TIMEOUT
    assert settings.NOTICE_RETRY_MAX_DELAY < settings.CELERY_VISIBILITY_TIMEOUT / 2
    too_long = run_manage("check", CELERY_VISIBILITY_TIMEOUT="200")  # under the time limit
    assert too_long.returncode != 0 and "CELERY_VISIBILITY_TIMEOUT" in too_long.stderr


def test_a_redis_that_never_answers_is_a_miss_within_the_socket_timeout():
    import socket
    import time

    with socket.socket() as silent:  # accepts connections (backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        cache = ResilientRedisCache(
            f"redis://127.0.0.1:{port}/0",
            {"OPTIONS": settings.CACHES["default"].get("OPTIONS", {"socket_timeout": 1.0})},
        )
        started = time.monotonic()
        assert cache.get("k", "fallback") == "fallback"
        assert time.monotonic() - started < 5
