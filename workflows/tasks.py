"""The life of a Task row: queued → running → done | failed, with progress and a heartbeat.

The row in the database is the status of record. A worker killed mid-task leaves the row
`running` with a stale heartbeat; the sweeper puts such rows back on the queue.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from portal.extensions import db
from portal.models import Task, utcnow

HANDLERS: dict[str, object] = {}


def handler(kind: str):
    """Register the function that performs tasks of `kind` (called with the Task and a reporter)."""

    def register(fn):
        HANDLERS[kind] = fn
        return fn

    return register


def create_task(kind: str, params: dict, actor=None) -> Task:
    if kind not in HANDLERS:
        raise KeyError(f"no handler registered for task kind {kind!r}")
    task = Task(kind=kind, params=params, created_by_id=getattr(actor, "id", None))
    db.session.add(task)
    db.session.flush()
    return task


class Progress:
    """Reports progress on the task row in its own short transactions so pages can poll it."""

    def __init__(self, task_id: int):
        self.task_id = task_id

    def __call__(self, done: int, total: int | None = None) -> None:
        values = {"progress_done": done, "heartbeat_at": utcnow()}
        if total is not None:
            values["progress_total"] = total
        with db.engine.begin() as conn:
            conn.execute(update(Task).where(Task.id == self.task_id).values(**values))


def claim(task_id: int) -> Task | None:
    """Mark a queued (or stale) task running; None when another worker already finished it."""
    task = db.session.scalar(select(Task).where(Task.id == task_id).with_for_update())
    if task is None or task.finished:
        db.session.rollback()
        return None
    now = utcnow()
    task.status, task.started_at, task.heartbeat_at = "running", now, now
    task.attempts += 1
    task.error = None
    db.session.commit()
    return task


def finish(task_id: int, error: str | None = None) -> None:
    """Record the outcome. The handler committed its work; ending the session's transaction first
    means the row is re-read after the progress writes (SQLite refuses a write from an older
    read snapshot)."""
    db.session.commit()
    task = db.session.get(Task, task_id)
    task.status = "failed" if error else "done"
    task.error = error
    task.finished_at = utcnow()
    db.session.commit()


def requeue_stale(older_than: timedelta, *, max_attempts: int) -> list[tuple[int, int]]:
    """Running tasks whose heartbeat stopped (their worker died): back to queued, or failed
    after `max_attempts`. Returns (task id, attempt) pairs to enqueue after commit."""
    cutoff = utcnow() - older_than
    stale = db.session.scalars(
        select(Task).where(Task.status == "running", Task.heartbeat_at < cutoff).with_for_update()
    ).all()
    requeue = []
    for task in stale:
        if task.attempts >= max_attempts:
            task.status, task.finished_at = "failed", utcnow()
            task.error = "the worker stopped responding too many times"
        else:
            task.status = "queued"
            requeue.append((task.id, task.attempts))
    return requeue
