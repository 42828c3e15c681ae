"""The one Redis connection the app uses for queues and rate limits."""

from __future__ import annotations

from flask import current_app, g
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
    if "redis" not in g:
        g.redis = redis_from_url(current_app.config["REDIS_URL"])
    return g.redis
