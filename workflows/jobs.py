"""Thin RQ entry points: they take ids, run inside the app, and never swallow errors."""

from __future__ import annotations

from datetime import date, timedelta

from flask import current_app

from portal.extensions import db
from portal.foundation import mail_delivery
from portal.models import utcnow

from . import enqueue, periodic, rollups, tasks
from .calc import contest_jobs as _contest_jobs  # noqa: F401 - daily contest standings
from .calc import jobs as _calc_jobs  # noqa: F401 - shard, fan-in and sweeper jobs
from .calc import simulation as _simulation  # noqa: F401 - registers the simulation task
from .contest_trips import jobs as _trip_jobs  # noqa: F401 - traveller details past retention
from .deals import expiry as deal_expiry
from .imports import task as _import_task  # noqa: F401 - registers the "import" task handler
from .mdf import jobs as _mdf_jobs  # noqa: F401 - lapses, expiry and warnings of funds
from .rewards import jobs as _rewards_jobs  # noqa: F401 - points expiry and levels
from .webhooks import jobs as _webhook_jobs  # noqa: F401 - retries of webhook deliveries

MAX_ATTEMPTS = 3


def run_task(task_id: int) -> str:
    """Execute one Task row; the row records success or failure, and errors re-raise for RQ."""
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
    stale_after = timedelta(seconds=current_app.config["TASK_STALE_AFTER_SECONDS"])
    requeue = tasks.requeue_stale(stale_after, max_attempts=MAX_ATTEMPTS)
    db.session.commit()
    for task_id, attempt in requeue:
        enqueue.run_task(task_id, attempt=attempt)
    return len(requeue)


def send_mail(message_id: int) -> str:
    """Deliver one outbox message (SMTP or .eml file); failures re-raise so RQ retries."""
    try:
        return mail_delivery.deliver(message_id)
    finally:
        db.session.remove()


@periodic.periodic("mail_sweep", every=timedelta(minutes=5))
def resend_stalled_mail() -> int:
    """Queue again the e-mails whose delivery job was lost (e.g. Redis restarted)."""
    stalled = mail_delivery.stalled_message_ids()
    db.session.rollback()
    for message_id in stalled:
        enqueue.send_mail(message_id)
    return len(stalled)


@periodic.periodic("expire_deals", every=timedelta(days=1))
def expire_deals(as_of: str | None = None) -> dict:
    """Expire approved deal registrations past protection and send expiry reminders.

    The daily chain calls it without `as_of` (today, UTC); explicit runs (tests, operators
    re-running a day) pass an ISO date.
    """
    day = date.fromisoformat(as_of) if as_of else utcnow().date()
    outcome = deal_expiry.expire_deals(day)
    db.session.commit()
    enqueue.pending_mail()
    return outcome.summary()


@periodic.periodic("sales_rollup", every=timedelta(hours=1))
def refresh_sales_rollup(after_import: bool = False, months: list[str] | None = None) -> int:
    """Rebuild the monthly sales roll-up; the hourly chain also catches lines written elsewhere
    (an import asks for an extra run at once, `after_import=True`, of the months it changed)."""
    chosen = None if months is None else [date.fromisoformat(month) for month in months]
    rows = rollups.refresh_sales_monthly(months=chosen)
    db.session.commit()
    return rows
