"""ipservice.cache.FastRedisCache against a real Redis: the cache the site runs on in production
(the slots cache, rate limits, the working-day calendar)."""

import uuid

import pytest
import redis
from django.conf import settings

from ipservice.cache import FastRedisCache

pytestmark = pytest.mark.redis


@pytest.fixture
def cache():
    prefix = f"test-cache-{uuid.uuid4().hex}"
    cache = FastRedisCache(settings.REDIS_URL, {"KEY_PREFIX": prefix})
    yield cache
    client = redis.Redis.from_url(settings.REDIS_URL)
    keys = list(client.scan_iter(f"{prefix}:*"))
    if keys:
        client.delete(*keys)


def raw_key(cache, key):
    return cache.make_and_validate_key(key)


def test_incr_counts_up_and_keeps_the_expiry(cache):
    cache.set("hits", 1, timeout=60)
    assert cache.incr("hits") == 2
    assert cache.incr("hits", 5) == 7
    assert cache.get("hits") == 7
    ttl = redis.Redis.from_url(settings.REDIS_URL).ttl(raw_key(cache, "hits"))
    assert 0 < ttl <= 60


def test_incr_of_a_missing_key_raises_and_creates_nothing(cache):
    with pytest.raises(ValueError, match="not found"):
        cache.incr("absent")
    assert cache.get("absent") is None
    assert not redis.Redis.from_url(settings.REDIS_URL).exists(raw_key(cache, "absent"))


def test_incr_survives_a_redis_that_forgot_its_scripts(cache):
    cache.set("hits", 1, timeout=60)
    assert cache.incr("hits") == 2
    redis.Redis.from_url(settings.REDIS_URL).script_flush()  # e.g. a restarted server
    assert cache.incr("hits") == 3


def test_one_client_per_pool_is_reused(cache):
    cache.set("a", 1)
    assert cache._cache.get_client() is cache._cache.get_client()


def test_the_rate_limiter_counts_with_it(cache, rf, settings):
    from django_ratelimit.core import get_usage

    settings.CACHES = {
        "default": {
            "BACKEND": "ipservice.cache.FastRedisCache",
            "LOCATION": settings.REDIS_URL,
            "KEY_PREFIX": cache.key_prefix,
        }
    }
    request = rf.post("/", REMOTE_ADDR="10.1.2.3")
    counts = [
        get_usage(request, group="t", key="ip", rate="3/m", method="POST", increment=True)
        for _ in range(4)
    ]
    assert [c["count"] for c in counts] == [1, 2, 3, 4]
    assert [c["should_limit"] for c in counts] == [False, False, False, True]
