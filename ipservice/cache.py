"""Django's RedisCache with one redis client per connection pool.

The stock backend builds a new `redis.Redis` client on every cache call; its constructor copies the
response-callback table each time (~0.3 ms of CPU), which shows on the booking and slots paths that
make several cache calls per request."""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class ReusingClient(RedisCacheClient):
    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        clients = self.__dict__.setdefault("_clients", {})
        client = clients.get(id(pool))
        if client is None:
            client = clients[id(pool)] = self._client(connection_pool=pool)
        return client


class FastRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingClient
