"""The daily MDF job on RQ's scheduler: lapse unclaimed commitments, expire funds past their
claim deadline, warn partner admins before it."""

from __future__ import annotations

from datetime import date, timedelta

from portal.extensions import db
from portal.models import utcnow
from workflows import enqueue, periodic

from . import expiry


@periodic.periodic("mdf_expiry", every=timedelta(days=1))
def expire_mdf(as_of: str | None = None) -> dict:
    """The pass for today, UTC, run by the daily chain; an explicit ISO `as_of` (tests,
    operators re-running a day) leaves the chain alone."""
    day = date.fromisoformat(as_of) if as_of else utcnow().date()
    outcome = expiry.run_expiry(day)
    db.session.commit()
    enqueue.pending_mail()
    return outcome.summary()
