"""Loyalty earnings: what a program's sales earn per (partner, sold_on), what the ledger already
holds, and one set-based posting of the difference.

Posting is idempotent and safe to run concurrently: one program-level lock serialises postings
of the same program, the ledger is read after it, and the differences are bulk-inserted as new
entries (returns and lower restatements as negative entries, never updates). The partners that
get entries are locked in id order first, so redemptions, expiry and allocation of the same
partner never interleave with a posting.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import func, insert, select

from portal.extensions import db
from portal.foundation import planner_stats
from portal.foundation.audit import record_event
from portal.models import Partner, PointsAllocation, PointsEntry, Program, utcnow
from portal.security import Perm, ensure
from workflows.calc.loaders import (
    AMOUNT_SCALE,
    EligibleLines,
    make_scope,
    raw,
    sale_lines,
)
from workflows.calc.runs import active_closure, refuse_if_closed, version_of
from workflows.engine import (
    N_,
    Period,
    last_usable_day,
    parse_period,
    points_rule,
    previous,
    spec_from_dict,
)

from . import ledger
from .errors import RewardsError

INSERT_CHUNK = 1000  # entries per INSERT (and per progress report)
LOCK_CHUNK = 5000  # partner ids per locking statement (bind parameter limits)

Key = tuple[int, date]  # (partner id, sold_on)
Reporter = Callable[..., None]


@dataclass(frozen=True)
class Delta:
    """One entry to post: `points` more (or fewer) for the partner's sales of one day."""

    partner_id: int
    day: date
    points: int
    earlier_entries: int  # entries already posted for this key: makes `source` unique


STREAM_BATCH = 5_000


def _loyalty_spec(program: Program):
    spec = spec_from_dict(version_of(program).spec)
    if spec.kind != "loyalty":
        raise RewardsError(N_("%(program)s is not a loyalty program."), program=program.code)
    return spec


def desired_earnings(program: Program, period: Period) -> tuple[dict[Key, int], int]:
    """Points per (payee, sold_on) (trunc per usable eligible line, negative for returns) and
    the program's expires_after_days."""
    spec = _loyalty_spec(program)
    scope = make_scope(db.session, spec, period, base_currency=current_app.config["BASE_CURRENCY"])
    lines = EligibleLines(scope)
    stmt = (
        select(lines.payee, sale_lines.c.sold_on, raw(sale_lines.c.amount), sale_lines.c.currency)
        .select_from(lines.source)
        # Lines without a rate are listed by the program's calculation runs, never counted as 0.
        .where(*lines.where, sale_lines.c.sold_on >= period.start, lines.usable())
    )
    points = points_rule(spec.points_per_unit, AMOUNT_SCALE)
    rates: dict[tuple[str, date], tuple[int, int]] = {}  # a few per day, for many lines
    totals: dict[Key, int] = defaultdict(int)
    # Streamed in batches: a period of a million lines never sits in memory at once.
    rows = db.session.execute(stmt.execution_options(yield_per=STREAM_BATCH))
    for payee, sold_on, amount, currency in rows:
        key = (currency, sold_on)
        if key not in rates:
            rates[key] = lines.line_rates(currency, sold_on)
        totals[(int(payee), sold_on)] += points(int(amount), *rates[key])
    return dict(totals), spec.expires_after_days


def posted_earnings(program: Program, period: Period) -> dict[Key, tuple[int, int]]:
    """(net points, number of entries) already posted per (partner, sold_on): one GROUP BY."""
    rows = db.session.execute(
        select(
            PointsEntry.partner_id,
            PointsEntry.occurred_on,
            func.sum(PointsEntry.points),
            func.count(),
        )
        .where(
            PointsEntry.program_id == program.id,
            PointsEntry.kind == "earn",
            PointsEntry.occurred_on.between(period.start, period.end),
        )
        .group_by(PointsEntry.partner_id, PointsEntry.occurred_on)
    )
    return {(p, d): (int(total), int(count)) for p, d, total, count in rows}


def earning_deltas(wanted: dict[Key, int], posted: dict[Key, tuple[int, int]]) -> list[Delta]:
    """What sales earn now minus what the ledger holds, per key, in a stable order."""
    deltas = []
    for key in sorted(wanted.keys() | posted.keys()):
        have, count = posted.get(key, (0, 0))
        points = wanted.get(key, 0) - have
        if points:
            deltas.append(Delta(key[0], key[1], points, count))
    return deltas


def lock_program(program_id: int) -> None:
    """One posting per program at a time (PostgreSQL row lock; SQLite's single writer). FOR NO
    KEY UPDATE: ledger rows referencing the program (expiry entries) are not blocked by it."""
    db.session.execute(
        select(Program.id).where(Program.id == program_id).with_for_update(key_share=True)
    )


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def lock_partners(partner_ids: list[int]) -> None:
    """Row locks on every partner that gets entries, always in id order (no deadlocks with
    expiry, which locks partners in the same order)."""
    for chunk in _chunks(partner_ids, LOCK_CHUNK):
        db.session.execute(
            select(Partner.id).where(Partner.id.in_(chunk)).order_by(Partner.id).with_for_update()
        )


def partners_owing(partner_ids: list[int]) -> list[int]:
    """Partners among these with a consumption not yet fully allocated to lots: a new return,
    or an older shortfall that a new lot pays first."""
    used = (
        select(func.coalesce(func.sum(PointsAllocation.points), 0))
        .where(PointsAllocation.consumer_id == PointsEntry.id)
        .scalar_subquery()
    )
    owing: set[int] = set()
    for chunk in _chunks(partner_ids, LOCK_CHUNK):
        owing.update(
            db.session.scalars(
                select(PointsEntry.partner_id)
                .where(
                    PointsEntry.partner_id.in_(chunk),
                    PointsEntry.points < 0,
                    -PointsEntry.points > used,
                )
                .distinct()
            )
        )
    return sorted(owing)


def _rows(program: Program, deltas: Iterable[Delta], expiry_days: int, actor) -> list[dict]:
    created_at, created_by = utcnow(), getattr(actor, "id", None)
    return [
        {
            "partner_id": d.partner_id,
            "program_id": program.id,
            "kind": "earn",
            "points": d.points,
            "occurred_on": d.day,
            "expires_on": last_usable_day(d.day, expiry_days) if d.points > 0 else None,
            "source": f"earn:{program.id}:{d.partner_id}:{d.day.isoformat()}:{d.earlier_entries}",
            "created_by_id": created_by,
            "created_at": created_at,
        }
        for d in deltas
    ]


def post_earnings(
    program: Program, period: Period, *, actor, progress: Reporter | None = None
) -> list[PointsEntry]:
    """Post, per (partner, sold_on), the difference between what the sales earn now and what is
    already posted: re-running posts nothing; late lines and returns post the difference.

    `actor` None is the scheduled job (no permission check, no user in the audit trail).
    `progress(done, total)` is told how many of the entries are written.
    """
    if actor is not None:
        ensure(actor, Perm.RUN_CALCULATIONS)
    refuse_if_closed(program, period)
    lock_program(program.id)
    wanted, expiry_days = desired_earnings(program, period)
    deltas = earning_deltas(wanted, posted_earnings(program, period))
    if progress is not None:
        progress(0, len(deltas))
    if not deltas:
        return []
    partner_ids = sorted({d.partner_id for d in deltas})
    lock_partners(partner_ids)
    created: list[PointsEntry] = []
    for chunk in _chunks(_rows(program, deltas, expiry_days, actor), INSERT_CHUNK):
        created.extend(
            db.session.scalars(
                insert(PointsEntry).returning(PointsEntry, sort_by_parameter_order=True), chunk
            )
        )
        if progress is not None:
            progress(len(created), len(deltas))
    planner_stats.wrote(db.session, "points_entries", len(created))
    for partner_id in partners_owing(partner_ids):
        ledger.allocate(partner_id)
    record_event(
        actor,
        "points.post",
        program,
        after={
            "period": period.label,
            "entries": len(created),
            "points": sum(d.points for d in deltas),
            "partners": len(partner_ids),
        },
    )
    return created


def due_periods(program: Program, today: date, late_days: int) -> list[Period]:
    """What the daily job posts for a loyalty program: its fixed period while it runs and for
    `late_days` days after its end; without a fixed period the calendar month, and the previous
    month during the first `late_days` days of a month. Closed periods are left alone."""
    spec = _loyalty_spec(program)
    if spec.period is not None:
        fixed = spec.period
        due = [fixed] if fixed.start <= today <= fixed.end + timedelta(days=late_days) else []
    else:
        month = parse_period(f"{today.year:04d}-{today.month:02d}")
        due = [month]
        if today.day <= late_days:
            due.insert(0, previous(month))
    return [period for period in due if active_closure(program.id, period) is None]


def loyalty_programs() -> list[Program]:
    return db.session.scalars(
        select(Program).where(Program.kind == "loyalty").order_by(Program.code)
    ).all()


__all__ = [
    "Delta",
    "desired_earnings",
    "due_periods",
    "earning_deltas",
    "lock_partners",
    "lock_program",
    "loyalty_programs",
    "partners_owing",
    "post_earnings",
    "posted_earnings",
]
