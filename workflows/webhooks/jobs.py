"""RQ entry points of webhook delivery: one attempt per job, and the sweep that re-arms retries."""

from __future__ import annotations

from datetime import timedelta

from portal.extensions import db
from portal.models import utcnow
from workflows import enqueue, periodic

from . import deliveries


def deliver(delivery_id: int) -> str:
    """Attempt one delivery now (a failure is recorded on the row and retried by the sweep)."""
    try:
        return deliveries.attempt(delivery_id)
    finally:
        db.session.remove()


@periodic.periodic("webhook_sweep", every=timedelta(minutes=1))
def sweep() -> int:
    """Queue every pending delivery whose next attempt is due: retries after their backoff,
    and first attempts whose job was lost."""
    due = deliveries.due_ids(utcnow())
    db.session.rollback()
    if due:
        enqueue.webhook_deliveries(due)
    return len(due)
