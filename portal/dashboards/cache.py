"""Per-user caches of dashboards in Redis, keyed by the version of the data they read.

The version (`portal.foundation.data_version`) moves after every commit of an audited change (a deal
decided, points posted, an import committed, a partner moved, a run finished) and of a rebuilt
roll-up, so a cached page or figure is not older than the data it shows; what changes with
time alone (ageing, "expiring within 90 days") waits at most DASHBOARD_CACHE_SECONDS.
Each key includes the user id, so nobody is ever served another user's page.

Two levels: `page` keeps a whole rendered page (the dashboards' common case: the same page
opened again), `remember` keeps the expensive figures of a page that is rendered anyway (a
what-if request, a page with a message to flash).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from flask import current_app, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from redis.exceptions import RedisError

from portal.foundation import data_version
from portal.foundation.redis_conn import get_redis


def _encode(value: Any) -> Any:
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    raise TypeError(f"cannot cache {type(value).__name__}")


def _decode(mapping: dict) -> Any:
    if "$decimal" in mapping:
        return Decimal(mapping["$decimal"])
    if "$date" in mapping:
        return date.fromisoformat(mapping["$date"])
    return mapping


# Stands in for the CSRF token in a kept page: every request gets its own session's token.
TOKEN_SLOT = "\x00csrf-token\x00"  # noqa: S105 - a placeholder, never a secret


def page(name: str, render: Callable[[], str]) -> str:
    """The rendered page `name` for the signed-in user from Redis, or `render()` it and keep it.

    `render` does the page's access checks: a page is kept only when it rendered, and served
    only to the same user at the same data version (any change of scope or role moves it).
    The page is kept with a slot where its forms' CSRF token was, and served with the token of
    the session asking (so two sessions of one user share it safely). Rendered afresh, and not
    kept, when the request has arguments (a what-if) or a message is waiting to be flashed.
    Redis trouble only costs the cache."""
    seconds = current_app.config["DASHBOARD_CACHE_SECONDS"]
    if not seconds or request.args or session.get("_flashes"):
        return render()
    version = data_version.current()
    if version is None:
        return render()
    user_key = f"{current_user.id}:{get_locale()}:{date.today().isoformat()}:{version}"
    return _through_redis(
        f"portal:pages:{name}:{user_key}",
        seconds,
        render,
        load=lambda hit: hit.decode().replace(TOKEN_SLOT, generate_csrf()),
        dump=lambda html: html.replace(generate_csrf(), TOKEN_SLOT).encode(),
    )


def remember(name: str, user, today: date, compute: Callable[[], Any]) -> Any:
    """`compute()` once per user, data version and day; Redis trouble only costs the cache."""
    seconds = current_app.config["DASHBOARD_CACHE_SECONDS"]
    version = data_version.current() if seconds else None
    if version is None:
        return compute()
    return _through_redis(
        f"portal:dashboards:{name}:{user.id}:{today.isoformat()}:{version}",
        seconds,
        compute,
        load=lambda hit: json.loads(hit, object_hook=_decode),
        dump=lambda value: json.dumps(value, default=_encode),
    )


def _through_redis(key: str, seconds: int, compute: Callable[[], Any], *, load, dump) -> Any:
    """The value kept under `key`, or `compute()` it and keep it; Redis trouble only costs the
    cache."""
    try:
        hit = get_redis().get(key)
    except RedisError:
        return compute()
    if hit is not None:
        return load(hit)
    value = compute()
    try:
        get_redis().set(key, dump(value), ex=seconds)
    except RedisError:
        current_app.logger.warning("dashboard cache unavailable", exc_info=True)
    return value
