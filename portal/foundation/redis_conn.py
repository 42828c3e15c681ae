"""The one Redis connection the app uses for queues and rate limits."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app
from redis import Redis

# Under the instance folder while `portal up` runs its embedded Redis: that server's address, so
# the other commands run beside it (an import, a worker) use the same Redis without REDIS_URL.
EMBEDDED_URL_FILE = "redis.url"


class RedisNotConfigured(RuntimeError):
    pass


def redis_from_url(url: str | None) -> Redis:
    if not url:
        raise RedisNotConfigured(
            "REDIS_URL is not set. Start the portal with `portal up` (embedded Redis) or point "
            "REDIS_URL at a Redis server, e.g. redis://127.0.0.1:6379/0."
        )
    return Redis.from_url(url, socket_connect_timeout=2, socket_timeout=10)


def configured_url(app) -> str | None:
    """REDIS_URL, or else the embedded Redis that a running `portal up` of this instance
    announced (none once it stopped: its socket went with it)."""
    if app.config["REDIS_URL"]:
        return app.config["REDIS_URL"]
    try:
        url = (Path(app.instance_path) / EMBEDDED_URL_FILE).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    parts = urlsplit(url)
    if parts.scheme != "unix" or not Path(parts.path).is_socket():
        return None
    return url


def announce_embedded(instance: Path, url: str) -> Path:
    """Tell the commands run beside `portal up` where its embedded Redis listens."""
    announced = instance / EMBEDDED_URL_FILE
    announced.write_text(url + "\n", encoding="utf-8")
    return announced


def withdraw_embedded(instance: Path, url: str) -> None:
    """Stop announcing the embedded Redis at `url` (another `portal up` may have replaced it)."""
    announced = instance / EMBEDDED_URL_FILE
    try:
        if announced.read_text(encoding="utf-8").strip() == url:
            announced.unlink()
    except OSError:
        pass


def get_redis() -> Redis:
    """The app's client: one connection pool per process, reused by every request and job
    (redis-py gives a forked child a fresh pool of its own)."""
    client = current_app.extensions.get("portal.redis")
    if client is None:
        client = redis_from_url(configured_url(current_app))
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
