"""The only caller of Queue.enqueue. Call these after the data a job needs is committed."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from rq import Queue, Retry

from portal.redis_conn import get_redis

SWEEPER_JOB_ID = "portal-sweeper"
SWEEP_EVERY = timedelta(minutes=1)


def queue(name: str = "default") -> Queue:
    return Queue(name, connection=get_redis())


def _options(job_id: str) -> dict:
    return {
        "job_id": job_id,
        "job_timeout": current_app.config["RQ_JOB_TIMEOUT"],
        "result_ttl": 24 * 3600,
        "failure_ttl": 7 * 24 * 3600,
        "retry": Retry(max=2, interval=[5, 30]),
    }


def run_task(task_id: int, attempt: int = 0) -> None:
    """Queue the job that executes a committed Task row."""
    queue().enqueue("workflows.jobs.run_task", task_id, **_options(f"task-{task_id}-{attempt}"))


def schedule_sweeper(redis=None) -> None:
    """Keep one sweeper scheduled; it re-schedules itself after each pass."""
    q = Queue("default", connection=redis or get_redis())
    q.enqueue_in(SWEEP_EVERY, "workflows.jobs.sweep", job_id=SWEEPER_JOB_ID, result_ttl=60)
