"""Periodic jobs on RQ's own scheduler: each run schedules the next with `enqueue_in`.

A Redis key per job (set NX with a TTL of a few intervals) makes sure that however many workers
start, one chain runs; workers re-check it at start-up and during RQ's maintenance passes, so a
chain broken by a crash restarts by itself.
"""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass
from datetime import timedelta

from redis import Redis
from rq import Queue

from portal.extensions import db
from portal.foundation.redis_conn import get_redis


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    func: str
    every: timedelta


PERIODIC: dict[str, PeriodicJob] = {}


def periodic(name: str, every: timedelta):
    """Register a job function to run every `every` on the default queue.

    Every call ends the job's database session. A call without arguments is the chain's own run
    and schedules the next, whether it succeeded or failed; a call with arguments (an explicit
    `as_of` day, an extra run after an import) is asked for by someone and leaves the chain alone.
    """

    def register(fn):
        @functools.wraps(fn)
        def run(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            finally:
                db.session.remove()
                if not args and not kwargs:
                    schedule_next(get_redis(), name)

        PERIODIC[name] = PeriodicJob(name, f"{fn.__module__}.{fn.__name__}", every)
        return run

    return register


def _key(name: str) -> str:
    return f"portal:periodic:{name}"


def _schedule(connection: Redis, job: PeriodicJob) -> None:
    Queue("default", connection=connection).enqueue_in(
        job.every,
        job.func,
        job_id=f"periodic-{job.name}-{uuid.uuid4().hex[:12]}",
        result_ttl=3600,
        failure_ttl=7 * 24 * 3600,
    )


def ensure_scheduled(connection: Redis) -> list[str]:
    """Start the chain of every periodic job that has none running; returns the names started."""
    started = []
    for job in PERIODIC.values():
        ttl = int(job.every.total_seconds() * 3)
        if connection.set(_key(job.name), "scheduled", nx=True, ex=ttl):
            _schedule(connection, job)
            started.append(job.name)
    return started


def schedule_next(connection: Redis, name: str) -> None:
    """Called at the end of each run (success or failure): keep the chain alive."""
    job = PERIODIC[name]
    connection.set(_key(name), "scheduled", ex=int(job.every.total_seconds() * 3))
    _schedule(connection, job)
