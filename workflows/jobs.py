"""Thin RQ entry points: they take ids, run inside the app, and never swallow errors."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app

from portal.extensions import db
from portal.redis_conn import get_redis

from . import enqueue, periodic, tasks

MAX_ATTEMPTS = 3


def run_task(task_id: int) -> str:
    """Execute one Task row; the row records success or failure, and errors re-raise for RQ."""
    db.engine.dispose(close=False)  # never reuse connections inherited from the parent process
    task = tasks.claim(task_id)
    if task is None:
        return "already finished"
    perform = tasks.HANDLERS[task.kind]
    try:
        perform(task, tasks.Progress(task_id))
    except Exception as exc:
        db.session.rollback()
        tasks.finish(task_id, error=f"{type(exc).__name__}: {exc}")
        raise
    tasks.finish(task_id)
    return "done"


@periodic.periodic("sweep", every=timedelta(minutes=1))
def sweep() -> int:
    """Re-queue tasks whose worker died mid-run (stale heartbeat)."""
    db.engine.dispose(close=False)
    try:
        stale_after = timedelta(seconds=current_app.config["TASK_STALE_AFTER_SECONDS"])
        requeue = tasks.requeue_stale(stale_after, max_attempts=MAX_ATTEMPTS)
        db.session.commit()
        for task_id, attempt in requeue:
            enqueue.run_task(task_id, attempt=attempt)
        return len(requeue)
    finally:
        db.session.remove()
        periodic.schedule_next(get_redis(), "sweep")
