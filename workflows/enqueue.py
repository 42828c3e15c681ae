"""The only caller of Queue.enqueue. Call these after the data a job needs is committed."""

from __future__ import annotations

from flask import current_app
from rq import Queue, Retry

from portal.redis_conn import get_redis


def queue(name: str = "default") -> Queue:
    return Queue(name, connection=get_redis())


def run_task(task_id: int, attempt: int = 0) -> None:
    """Queue the job that executes a committed Task row."""
    queue().enqueue(
        "workflows.jobs.run_task",
        task_id,
        job_id=f"task-{task_id}-{attempt}",
        job_timeout=current_app.config["RQ_JOB_TIMEOUT"],
        result_ttl=24 * 3600,
        failure_ttl=7 * 24 * 3600,
        retry=Retry(max=2, interval=[5, 30]),
    )
