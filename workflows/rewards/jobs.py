"""Daily points jobs on RQ's scheduler: expiry entries and status levels."""

from __future__ import annotations

from datetime import date, timedelta

from portal.extensions import db
from portal.models import utcnow
from portal.redis_conn import get_redis
from workflows import periodic

from . import levels, points


@periodic.periodic("expire_points", every=timedelta(days=1))
def expire_points(as_of: str | None = None) -> int:
    """Post expiry entries for points past their last usable day (explicit `as_of`: no re-arm)."""
    db.engine.dispose(close=False)
    try:
        day = date.fromisoformat(as_of) if as_of else utcnow().date()
        posted = points.expire_all(day)
        db.session.commit()
        return len(posted)
    finally:
        db.session.remove()
        if as_of is None:
            periodic.schedule_next(get_redis(), "expire_points")


@periodic.periodic("loyalty_levels", every=timedelta(days=1))
def recompute_levels(as_of: str | None = None) -> int:
    """Recompute every partner's status level from the trailing 12 months of earnings."""
    db.engine.dispose(close=False)
    try:
        day = date.fromisoformat(as_of) if as_of else utcnow().date()
        changed = levels.recompute(day)
        db.session.commit()
        return changed
    finally:
        db.session.remove()
        if as_of is None:
            periodic.schedule_next(get_redis(), "loyalty_levels")
