"""The append-only points ledger: posting, FIFO allocation and the balances derived from it.

Lots are earn/adjust/award entries with positive points; every negative entry consumes lots, the
oldest-expiring first (then the oldest posted), recorded in `points_allocations`. A consumption
that finds too few usable points (a return after a redemption) keeps its shortfall as a debt the
next lot pays first. All writes for one partner run under a lock on the partner row, so two
postings for the same partner never interleave.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from sqlalchemy import Date, Integer, Select, and_, bindparam, func, select, true

from portal.extensions import db
from portal.models import Partner, PointsAllocation, PointsEntry
from portal.models.rewards import LOT_KINDS

EXPIRING_WINDOW = timedelta(days=90)


@dataclass(frozen=True)
class Balance:
    """What a partner can spend on `as_of`, what is held by open requests, what expires soon."""

    available: int
    held: int
    expiring: int
    as_of: date


def lock_partner(partner_id: int) -> None:
    """Serialise every ledger write of one partner (PostgreSQL row lock; SQLite's single writer)."""
    db.session.execute(select(Partner.id).where(Partner.id == partner_id).with_for_update())


def _allocated(partner_id: int, via):
    """Points allocated per entry of the partner, through `via` (lot_id or consumer_id): a
    subquery of (entry_id, points)."""
    return (
        select(via.label("entry_id"), func.sum(PointsAllocation.points).label("points"))
        .join(PointsEntry, PointsEntry.id == via)
        .where(PointsEntry.partner_id == partner_id)
        .group_by(via)
        .subquery()
    )


def _outstanding(partner_id: int, via, entries: select, size) -> list[tuple[PointsEntry, int]]:
    """Each of `entries` with what its `size` has left after the allocations made `via` that
    column (lot_id for lots, consumer_id for consumptions), those with something left; one
    statement (the entries joined to their allocation sums), in the entries' order."""
    used = _allocated(partner_id, via)
    rows = db.session.execute(
        entries.outerjoin(used, used.c.entry_id == PointsEntry.id).add_columns(
            func.coalesce(used.c.points, 0)
        )
    ).all()
    left = [(entry, size(entry) - int(allocated)) for entry, allocated in rows]
    return [(entry, points) for entry, points in left if points > 0]


def lot_remaining(partner_id: int) -> list[tuple[PointsEntry, int]]:
    """The partner's lots with points left, in FIFO order (expires_on, then id)."""
    lots = (
        select(PointsEntry)
        .where(
            PointsEntry.partner_id == partner_id,
            PointsEntry.kind.in_(LOT_KINDS),
            PointsEntry.points > 0,
        )
        .order_by(PointsEntry.expires_on.is_(None), PointsEntry.expires_on, PointsEntry.id)
    )
    return _outstanding(partner_id, PointsAllocation.lot_id, lots, lambda lot: lot.points)


def _unallocated_debts(partner_id: int) -> list[tuple[PointsEntry, int]]:
    """Negative entries (not reversals) whose consumption is not yet fully allocated."""
    consumers = (
        select(PointsEntry)
        .where(PointsEntry.partner_id == partner_id, PointsEntry.points < 0)
        .order_by(PointsEntry.id)
    )
    return _outstanding(partner_id, PointsAllocation.consumer_id, consumers, lambda e: -e.points)


def allocate(partner_id: int) -> None:
    """Allocate every outstanding consumption FIFO over the lots usable on its day."""
    debts = _unallocated_debts(partner_id)
    if not debts:
        return
    lots = lot_remaining(partner_id)
    remaining = {lot.id: points for lot, points in lots}
    rows = []
    for entry, owed in debts:
        for lot, _ in lots:
            if owed == 0:
                break
            if lot.expires_on is not None and lot.expires_on < entry.occurred_on:
                continue
            take = min(owed, remaining[lot.id])
            if take <= 0:
                continue
            remaining[lot.id] -= take
            owed -= take
            rows.append({"consumer_id": entry.id, "lot_id": lot.id, "points": take})
    if rows:
        db.session.execute(db.insert(PointsAllocation), rows)


def post(
    partner_id: int,
    kind: str,
    points: int,
    *,
    on: date,
    source: str,
    actor=None,
    program_id: int | None = None,
    expires_on: date | None = None,
    redemption_id: int | None = None,
    reason: str | None = None,
) -> PointsEntry:
    """Append one entry (the caller holds the partner lock) and allocate what it consumes."""
    entry = PointsEntry(
        partner_id=partner_id,
        program_id=program_id,
        kind=kind,
        points=int(points),
        occurred_on=on,
        expires_on=expires_on,
        source=source,
        redemption_id=redemption_id,
        reason=reason,
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(entry)
    db.session.flush()
    allocate(partner_id)
    return entry


def move_allocations(source: PointsEntry, target: PointsEntry, sign: int) -> None:
    """Copy `source`'s allocations to `target` (sign -1 returns them to their lots)."""
    rows = [
        {"consumer_id": target.id, "lot_id": lot_id, "points": sign * points}
        for lot_id, points in db.session.execute(
            select(PointsAllocation.lot_id, PointsAllocation.points).where(
                PointsAllocation.consumer_id == source.id
            )
        )
    ]
    if rows:
        db.session.execute(db.insert(PointsAllocation), rows)


@cache
def _balance_statement() -> Select:
    """Both sums over a partner's entries beside the points its lots have left (the lots joined
    to their allocation sums, as `lot_remaining` reads them) summed by when they expire. Built
    once per process; bound per call: partner_id, as_of and soon (the window's last day)."""
    partner_id = bindparam("partner_id", type_=Integer)
    as_of, soon = bindparam("as_of", type_=Date), bindparam("soon", type_=Date)
    sums = (
        select(
            func.coalesce(
                func.sum(PointsEntry.points).filter(PointsEntry.occurred_on <= as_of), 0
            ).label("total"),
            func.coalesce(
                func.sum(PointsEntry.points).filter(PointsEntry.kind.in_(("hold", "release"))), 0
            ).label("held"),
        )
        .where(PointsEntry.partner_id == partner_id)
        .subquery()
    )
    used = _allocated(partner_id, PointsAllocation.lot_id)
    left = PointsEntry.points - func.coalesce(used.c.points, 0)
    expires = PointsEntry.expires_on
    lots = (
        select(
            func.coalesce(func.sum(left).filter(expires < as_of), 0).label("lapsed"),
            func.coalesce(func.sum(left).filter(expires >= as_of, expires <= soon), 0).label(
                "expiring"
            ),
        )
        .outerjoin(used, used.c.entry_id == PointsEntry.id)
        .where(
            PointsEntry.partner_id == partner_id,
            PointsEntry.kind.in_(LOT_KINDS),
            PointsEntry.points > 0,
            left > 0,
            PointsEntry.occurred_on <= as_of,
            expires.is_not(None),
        )
        .subquery()
    )
    return select(sums.c.total, sums.c.held, lots.c.lapsed, lots.c.expiring).select_from(
        sums.join(lots, true())
    )


def balance(partner_id: int, as_of: date) -> Balance:
    """available = sum of entries up to `as_of` − lots already past expiry but not yet expired
    by the job; held = points held by open requests; expiring = usable points whose last usable
    day falls within the next 90 days. One statement, built once (`_balance_statement`)."""
    total, held, lapsed, expiring = db.session.execute(
        _balance_statement(),
        {"partner_id": partner_id, "as_of": as_of, "soon": as_of + EXPIRING_WINDOW},
    ).one()
    return Balance(
        available=int(total) - int(lapsed), held=-int(held), expiring=int(expiring), as_of=as_of
    )


def entries(partner_id: int, *, kinds: Iterable[str] = (), since=None, until=None):
    """The partner's ledger, oldest first, optionally filtered by kind and day."""
    stmt = select(PointsEntry).where(PointsEntry.partner_id == partner_id)
    kinds = tuple(kinds)
    if kinds:
        stmt = stmt.where(PointsEntry.kind.in_(kinds))
    if since is not None:
        stmt = stmt.where(PointsEntry.occurred_on >= since)
    if until is not None:
        stmt = stmt.where(PointsEntry.occurred_on <= until)
    return stmt.order_by(PointsEntry.occurred_on, PointsEntry.id)


def expiry_candidates(as_of: date) -> list[int]:
    """Partners with a lot past its last usable day (cheap pre-filter; exact check per partner)."""
    return list(
        db.session.scalars(
            select(PointsEntry.partner_id)
            .where(
                PointsEntry.kind.in_(LOT_KINDS),
                PointsEntry.points > 0,
                and_(PointsEntry.expires_on.is_not(None), PointsEntry.expires_on < as_of),
            )
            .distinct()
            .order_by(PointsEntry.partner_id)
        )
    )


def expire_partner(partner_id: int, as_of: date, actor=None) -> list[PointsEntry]:
    """Post one expire entry per lot whose last usable day is before `as_of` and that still has
    points; re-running the same day finds nothing left and posts nothing."""
    lock_partner(partner_id)
    posted = []
    for lot, points in lot_remaining(partner_id):
        if lot.expires_on is None or lot.expires_on >= as_of:
            continue
        previous = db.session.scalar(
            select(func.count()).where(
                PointsEntry.kind == "expire", PointsEntry.source.like(f"expire:{lot.id}:%")
            )
        )
        entry = PointsEntry(
            partner_id=partner_id,
            program_id=lot.program_id,
            kind="expire",
            points=-points,
            occurred_on=lot.expires_on + timedelta(days=1),
            source=f"expire:{lot.id}:{previous}",
            created_by_id=getattr(actor, "id", None),
        )
        db.session.add(entry)
        db.session.flush()
        db.session.add(PointsAllocation(consumer_id=entry.id, lot_id=lot.id, points=points))
        posted.append(entry)
    db.session.flush()
    return posted


__all__ = [
    "Balance",
    "allocate",
    "balance",
    "entries",
    "expire_partner",
    "expiry_candidates",
    "lock_partner",
    "lot_remaining",
    "move_allocations",
    "post",
]
