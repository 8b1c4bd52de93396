"""The cache the site runs on in production: Django's own RedisCache against a real Redis (the
slots cache, rate limits, the working-day calendar)."""

import uuid

import pytest
import redis
from django.conf import settings
from django.core.cache.backends.redis import RedisCache

pytestmark = pytest.mark.redis


@pytest.fixture
def cache():
    prefix = f"test-cache-{uuid.uuid4().hex}"
    cache = RedisCache(settings.REDIS_URL, {"KEY_PREFIX": prefix})
    yield cache
    client = redis.Redis.from_url(settings.REDIS_URL)
    keys = list(client.scan_iter(f"{prefix}:*"))
    if keys:
        client.delete(*keys)


def raw_key(cache, key):
    return cache.make_and_validate_key(key)


def test_the_settings_use_djangos_redis_backend():
    from django.core.cache import caches

    # Django's own, kept serving when Redis is down (ipservice/cache.py, tests/core/test_outage*)
    assert settings.CACHES["default"]["BACKEND"] == "ipservice.cache.ResilientRedisCache"
    assert isinstance(caches["default"], RedisCache)


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


def test_the_rate_limiter_counts_with_it(cache, rf, settings):
    from django_ratelimit.core import get_usage

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
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
    client = redis.Redis.from_url(settings.REDIS_URL)
    counters = list(client.scan_iter(f"{cache.key_prefix}:*"))
    assert len(counters) == 1
    assert client.ttl(counters[0]) > 0  # the counter expires


def test_the_sites_cache_keeps_one_redis_client_per_process():
    """ipservice.cache.OneClientRedisCacheClient: the redis.Redis object is made once, not for
    every call, and serves reads and writes alike."""
    from ipservice.cache import OneClientRedisCacheClient, ResilientRedisCache

    client = OneClientRedisCacheClient([settings.REDIS_URL])
    assert client.get_client(write=True) is client.get_client(write=True)
    assert client.get_client() is client.get_client()

    prefix = f"test-cache-{uuid.uuid4().hex}"
    cache = ResilientRedisCache(settings.REDIS_URL, {"KEY_PREFIX": prefix})
    cache.set("hits", 1, timeout=60)
    assert cache.incr("hits") == 2
    assert cache.get_many(["hits", "missing"]) == {"hits": 2}
    cache.delete("hits")
    assert cache.get("hits") is None
