"""Contest points awards on the loyalty ledger, posted when a contest settlement is approved.

Calculation runs decide that an approval needs this step (`contests.approval_steps`); this
module registers it (`settlement.after_approval`), so the dependency points one way: rewards
→ calculation, never back. It runs in the approval's transaction, after the maker–checker
checks and under the program lock the approval holds.

Like payout lines, what is posted is a difference: per partner, the points the approved
settlement awards minus the net points of the program's award entries already on the ledger.
The first approval posts the awards; approving again is refused (the run is approved) and a
retried approval is the same transaction again, so nothing posts twice; a later settlement of
the same contest (after corrected sales) posts only the change — more points, or a negative
entry that takes back points no longer won, consumed first-in first-out like any spend.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, insert, select

from portal.extensions import db
from portal.foundation import planner_stats
from portal.foundation.audit import record_event
from portal.models import CalcRun, ContestAward, PointsEntry, utcnow
from workflows.calc import contests, settlement

from . import ledger
from .earnings import lock_partners, partners_owing
from .points import ADJUSTMENT_EXPIRY

KIND = "award"
AWARD_EXPIRY = ADJUSTMENT_EXPIRY  # an award is usable for a year, like a discretionary credit


def awarded(run_id: int) -> dict[int, int]:
    """Points per payee that the settlement run awards (its points award rows)."""
    rows = db.session.execute(
        select(ContestAward.payee_id, func.sum(ContestAward.points))
        .where(ContestAward.run_id == run_id, ContestAward.kind == "points")
        .group_by(ContestAward.payee_id)
    )
    return {payee: int(points) for payee, points in rows}


def posted(program_id: int) -> dict[int, tuple[int, int]]:
    """(net points, entries) per partner of the contest's award entries already posted."""
    rows = db.session.execute(
        select(PointsEntry.partner_id, func.sum(PointsEntry.points), func.count())
        .where(PointsEntry.program_id == program_id, PointsEntry.kind == KIND)
        .group_by(PointsEntry.partner_id)
    )
    return {partner: (int(points), int(count)) for partner, points, count in rows}


def source(run_id: int, partner_id: int, earlier: int) -> str:
    """Unique per run and partner (a second posting of one approval fails, never doubles)."""
    return f"{KIND}:{run_id}:{partner_id}:{earlier}"


def run_of(entry: PointsEntry) -> int | None:
    """The settlement run an award entry was posted for (from its source)."""
    parts = entry.source.split(":")
    return int(parts[1]) if entry.kind == KIND and len(parts) == 4 else None


def posted_by(run_id: int) -> tuple[int, int]:
    """(entries, net points) the approval of this settlement run posted."""
    count, points = db.session.execute(
        select(func.count(), func.coalesce(func.sum(PointsEntry.points), 0)).where(
            PointsEntry.kind == KIND, PointsEntry.source.startswith(f"{KIND}:{run_id}:")
        )
    ).one()
    return int(count), int(points)


@settlement.after_approval(contests.POINTS_STEP)
def post_awards(run: CalcRun, actor, on: date | None = None) -> dict[str, object]:
    """Post the difference between the run's points awards and what the ledger holds."""
    wanted, have = awarded(run.id), posted(run.program_id)
    deltas = []
    for partner_id in sorted(wanted.keys() | have.keys()):
        points, earlier = have.get(partner_id, (0, 0))
        change = wanted.get(partner_id, 0) - points
        if change:
            deltas.append((partner_id, change, earlier))
    if not deltas:
        return {"points_entries": 0, "points_total": 0}
    partner_ids = [partner_id for partner_id, _change, _earlier in deltas]
    lock_partners(partner_ids)
    day, now, by = on or utcnow().date(), utcnow(), getattr(actor, "id", None)
    rows = [
        {
            "partner_id": partner_id,
            "program_id": run.program_id,
            "kind": KIND,
            "points": change,
            "occurred_on": day,
            "expires_on": day + AWARD_EXPIRY if change > 0 else None,
            "source": source(run.id, partner_id, earlier),
            "created_by_id": by,
            "created_at": now,
        }
        for partner_id, change, earlier in deltas
    ]
    db.session.execute(insert(PointsEntry), rows)
    planner_stats.wrote(db.session, "points_entries", len(rows))
    for partner_id in partners_owing(partner_ids):
        ledger.allocate(partner_id)
    total = sum(change for _partner, change, _earlier in deltas)
    record_event(
        actor,
        "contest.points.post",
        run,
        after={
            "program": run.program.code,
            "entries": len(rows),
            "points": total,
            "partners": len(partner_ids),
        },
    )
    return {"points_entries": len(rows), "points_total": total}


__all__ = [
    "AWARD_EXPIRY",
    "KIND",
    "awarded",
    "post_awards",
    "posted",
    "posted_by",
    "run_of",
    "source",
]
