"""Is the database reachable, is Redis reachable, are workers alive and keeping up?"""

from __future__ import annotations

from dataclasses import dataclass, field

from rq import Queue, Worker
from sqlalchemy import text

from portal.foundation.redis_conn import get_redis

from ..extensions import db


@dataclass
class Check:
    ok: bool
    detail: str = ""
    extra: dict = field(default_factory=dict)


def check_database() -> Check:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # any driver error means "down"; the page shows the class only
        db.session.rollback()
        return Check(False, type(exc).__name__)
    return Check(True, db.engine.dialect.name)


def check_redis() -> Check:
    try:
        info = get_redis().info("server")
    except Exception as exc:  # connection refused, not configured, timeouts
        return Check(False, type(exc).__name__)
    return Check(True, f"Redis {info.get('redis_version', '?')}")


def check_workers(redis_ok: bool) -> Check:
    if not redis_ok:
        return Check(False, "Redis unavailable")
    connection = get_redis()
    workers = Worker.all(connection=connection)
    queues = {q.name: q.count for q in Queue.all(connection=connection)}
    listing = [{"name": w.name, "state": w.get_state(), "queues": w.queue_names()} for w in workers]
    return Check(bool(workers), str(len(workers)), {"workers": listing, "queues": queues})


def overall() -> dict[str, Check]:
    database, redis = check_database(), check_redis()
    return {"database": database, "redis": redis, "workers": check_workers(redis.ok)}
