"""Posting points: discretionary adjustments and expiry (loyalty earnings: earnings.py)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from portal.extensions import db
from portal.foundation.audit import record_event
from portal.models import Partner, PointsEntry, utcnow
from portal.security import Perm, ensure
from workflows.engine import N_

from . import ledger
from .errors import RewardsError

ADJUSTMENT_EXPIRY = timedelta(days=365)


def adjust(partner: Partner, points: int, *, actor, reason: str, on: date | None = None):
    """A discretionary entry (positive: a lot expiring in a year; negative: consumed FIFO)."""
    ensure(actor, Perm.ADJUST_POINTS)
    if not (reason or "").strip():
        raise RewardsError(N_("Give a reason for the adjustment."))
    if points == 0:
        raise RewardsError(N_("An adjustment must add or remove at least one point."))
    on = on or utcnow().date()
    ledger.lock_partner(partner.id)
    count = db.session.scalar(
        select(func.count()).where(
            PointsEntry.partner_id == partner.id, PointsEntry.kind == "adjust"
        )
    )
    entry = ledger.post(
        partner.id,
        "adjust",
        points,
        on=on,
        source=f"adjust:{partner.id}:{count}",
        actor=actor,
        expires_on=on + ADJUSTMENT_EXPIRY if points > 0 else None,
        reason=reason.strip(),
    )
    record_event(actor, "points.adjust", entry, after={"partner": partner.code, "points": points})
    return entry


def expire_all(as_of: date, *, actor=None) -> list[PointsEntry]:
    """The scheduled job's code: expire every lot whose last usable day is before `as_of`."""
    if actor is not None:
        ensure(actor, Perm.ADJUST_POINTS)
    posted = []
    for partner_id in ledger.expiry_candidates(as_of):
        posted.extend(ledger.expire_partner(partner_id, as_of, actor))
    if posted:
        record_event(
            actor,
            "points.expire",
            None,
            after={"as_of": as_of.isoformat(), "entries": len(posted)},
        )
    return posted
