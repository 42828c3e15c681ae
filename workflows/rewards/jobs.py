"""Daily points jobs on RQ's scheduler: loyalty earnings, expiry entries and status levels."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from flask import current_app

from portal.extensions import db
from portal.models import Program, utcnow
from workflows import periodic

from . import earnings, levels, points
from . import posting as _posting  # noqa: F401 - registers the "points_post" task handler

log = logging.getLogger(__name__)


class PostingFailed(RuntimeError):
    """Some programs could not be posted; the others were, and the next day retries them."""


@periodic.periodic("post_points", every=timedelta(days=1))
def post_points(as_of: str | None = None) -> dict[str, int]:
    """Post every loyalty program's earnings for its due periods (explicit `as_of`: no re-arm).

    Each program period commits on its own, so one failure does not hold back the others; the
    job still fails at the end, naming what it could not post (the next day tries again)."""
    day = date.fromisoformat(as_of) if as_of else utcnow().date()
    late_days = current_app.config["POINTS_LATE_LINE_DAYS"]
    due = [
        (program.id, period, f"{program.code} {period.label}")
        for program in earnings.loyalty_programs()
        for period in earnings.due_periods(program, day, late_days)
    ]
    db.session.rollback()
    posted: dict[str, int] = {}
    failed: list[str] = []
    for program_id, period, name in due:
        try:
            program = db.session.get(Program, program_id)
            posted[name] = len(earnings.post_earnings(program, period, actor=None))
            db.session.commit()
        except Exception:
            db.session.rollback()
            posted.pop(name, None)
            log.exception("posting the points of %s failed", name)
            failed.append(name)
    if failed:
        raise PostingFailed(f"points not posted for {', '.join(failed)}")
    return posted


@periodic.periodic("expire_points", every=timedelta(days=1))
def expire_points(as_of: str | None = None) -> int:
    """Post expiry entries for points past their last usable day (explicit `as_of`: no re-arm)."""
    day = date.fromisoformat(as_of) if as_of else utcnow().date()
    posted = points.expire_all(day)
    db.session.commit()
    return len(posted)


@periodic.periodic("loyalty_levels", every=timedelta(days=1))
def recompute_levels(as_of: str | None = None) -> int:
    """Recompute every partner's status level from the trailing 12 months of earnings."""
    day = date.fromisoformat(as_of) if as_of else utcnow().date()
    changed = levels.recompute(day)
    db.session.commit()
    return changed
