"""Per-user cache of dashboard figures in Redis, keyed by the version of the data they read.

The key holds the newest roll-up row id and the newest finished run id: a refreshed roll-up
(rebuilt rows get new ids) or a new run changes the key, so figures are never older than the
data they summarise; only a change of scope (a partner moved, a manager reassigned) waits for
the expiry. Each key includes the user id, so nobody is ever served another user's figures.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from flask import current_app
from redis.exceptions import RedisError
from sqlalchemy import func, select

from ..extensions import db
from ..models import CalcRun, SalesMonthly
from ..redis_conn import get_redis


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


def data_version() -> str:
    """Newest roll-up row and newest finished run: both only grow when the data changes."""
    rollup = select(func.max(SalesMonthly.id)).scalar_subquery()
    runs = select(func.max(CalcRun.id)).where(CalcRun.status == "done").scalar_subquery()
    newest_rollup, newest_run = db.session.execute(select(rollup, runs)).one()
    return f"{newest_rollup or 0}-{newest_run or 0}"


def remember(name: str, user, today: date, compute: Callable[[], Any]) -> Any:
    """`compute()` once per user, data version and day; Redis trouble only costs the cache."""
    seconds = current_app.config["DASHBOARD_CACHE_SECONDS"]
    if not seconds:
        return compute()
    key = f"portal:dashboards:{name}:{user.id}:{today.isoformat()}:{data_version()}"
    try:
        hit = get_redis().get(key)
    except RedisError:
        return compute()
    if hit is not None:
        return json.loads(hit, object_hook=_decode)
    value = compute()
    try:
        get_redis().set(key, json.dumps(value, default=_encode), ex=seconds)
    except RedisError:
        current_app.logger.warning("dashboard cache unavailable", exc_info=True)
    return value
