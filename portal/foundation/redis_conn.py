"""The one Redis connection the app uses for queues and rate limits."""

from __future__ import annotations

from flask import current_app
from redis import Redis


class RedisNotConfigured(RuntimeError):
    pass


def redis_from_url(url: str | None) -> Redis:
    if not url:
        raise RedisNotConfigured(
            "REDIS_URL is not set. Start the portal with `portal up` (embedded Redis) or point "
            "REDIS_URL at a Redis server, e.g. redis://127.0.0.1:6379/0."
        )
    return Redis.from_url(url, socket_connect_timeout=2, socket_timeout=10)


def get_redis() -> Redis:
    """The app's client: one connection pool per process, reused by every request and job
    (redis-py gives a forked child a fresh pool of its own)."""
    client = current_app.extensions.get("portal.redis")
    if client is None:
        client = redis_from_url(current_app.config["REDIS_URL"])
        current_app.extensions["portal.redis"] = client
    return client


def count_in_window(pipe, key: str, window: int) -> None:
    """Queue on `pipe` one more hit on `key`, whose window of `window` seconds starts at the
    first hit; the pipeline's result for the count is its last value.

    SET NX EX then INCR (which keeps the expiry) rather than INCR then EXPIRE NX: EXPIRE NX
    needs Redis 7, and the embedded Redis that `portal up` starts is 6.2.
    """
    pipe.set(key, 0, ex=window, nx=True)
    pipe.incr(key)
