"""Thin RQ entry points: they take ids, run inside the app, and never swallow errors."""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app

from portal.extensions import db

from . import enqueue, tasks

log = logging.getLogger(__name__)
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


def sweep() -> int:
    """Re-queue tasks whose worker died mid-run, then schedule the next sweep."""
    db.engine.dispose(close=False)
    stale_after = timedelta(seconds=current_app.config["TASK_STALE_AFTER_SECONDS"])
    requeued = 0
    for task_id in tasks.stale_tasks(stale_after):
        task = db.session.get(tasks.Task, task_id)
        if task.attempts >= MAX_ATTEMPTS:
            task.status, task.error = "failed", "worker stopped responding too many times"
            task.finished_at = tasks.utcnow()
        else:
            task.status = "queued"
        db.session.commit()
        if task.status == "queued":
            enqueue.run_task(task_id, attempt=task.attempts)
            requeued += 1
    db.session.remove()
    enqueue.schedule_sweeper()
    return requeued
