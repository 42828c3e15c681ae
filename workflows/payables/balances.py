"""What partners have earned, per program and currency, at three stages.

The one definition behind the partner dashboard, the territory roll-up and the API:

- accrued: the estimate of the latest finished accrual run of each program period that is
  still open (no active closure overlaps it); where periods overlap, the newest run stands;
- approved: payable lines — approved settlements with their adjustments and clawbacks, and
  approved claims — that no exported payout batch has paid yet;
- paid: payable lines in exported payout batches.

Amounts stay in the program's currency. Each stage is one GROUP BY over exact integer columns,
so PostgreSQL and SQLite give the same Decimals.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, lru_cache

from sqlalchemy import (
    CompoundSelect,
    Select,
    bindparam,
    exists,
    func,
    literal,
    null,
    select,
    union_all,
)

from portal.extensions import db
from portal.models import (
    CalcResult,
    CalcRun,
    ClosedPeriod,
    PayoutBatch,
    PayoutBatchLine,
    PayoutLine,
    Program,
)
from portal.security import scoped, visible_to

ZERO = Decimal("0.0000")  # the scale of money columns, so absent stages read like sums
STAGES = ("accrued", "approved", "paid")


@dataclass
class ProgramBalance:
    program_id: int
    program_code: str
    currency: str
    accrued: Decimal = ZERO
    approved: Decimal = ZERO
    paid: Decimal = ZERO


@cache
def _latest_accrual_runs() -> Select:
    """The latest finished accrual run of each program period that is not closed, newest first.
    Built once per process: the construct has no parameters."""
    closed = exists().where(
        ClosedPeriod.program_id == CalcRun.program_id,
        ClosedPeriod.reopened_at.is_(None),
        ClosedPeriod.period_start <= CalcRun.period_end,
        ClosedPeriod.period_end >= CalcRun.period_start,
    )
    latest_ids = (
        select(func.max(CalcRun.id))
        .where(CalcRun.status == "done", CalcRun.kind == "accrual", ~closed)
        .group_by(CalcRun.program_id, CalcRun.period_start, CalcRun.period_end)
    )
    return (
        select(CalcRun.id, CalcRun.program_id, CalcRun.period_start, CalcRun.period_end)
        .where(CalcRun.id.in_(latest_ids))
        .order_by(CalcRun.id.desc())
    )


def open_accrual_runs() -> list[int]:
    """Ids of the accrual runs that make up "accrued": per program, the latest finished accrual
    run of each period that is not closed; where periods overlap (a month and its quarter), the
    newest run stands for the time it covers and older overlapping ones are left out, so every
    day of a program is estimated once. One small query (a row per program period)."""
    kept: dict[int, list[tuple]] = defaultdict(list)
    ids = []
    for run_id, program_id, start, end in db.session.execute(_latest_accrual_runs()):
        if all(end < s or start > e for s, e in kept[program_id]):  # newest first
            kept[program_id].append((start, end))
            ids.append(run_id)
    return ids


@cache
def _accrued_sums() -> Select:
    """Accrued per program and currency over the runs bound as `run_ids`; built once per
    process (a payee and the reader's scope are added per call)."""
    return (
        select(
            literal("accrued").label("stage"),
            Program.id,
            Program.code,
            CalcResult.currency,
            null().label("status"),
            func.sum(CalcResult.amount),
        )
        .join(CalcRun, CalcRun.id == CalcResult.run_id)
        .join(Program, Program.id == CalcRun.program_id)
        .where(CalcResult.run_id.in_(bindparam("run_ids", expanding=True)))
        .group_by(Program.id, Program.code, CalcResult.currency)
    )


@cache
def _payable_sums() -> Select:
    """Payable line sums by program, currency and the status of the batch holding them (a line
    is in at most one batch that has not returned it: a unique index says so); built once per
    process (a payee and the reader's scope are added per call)."""
    return (
        select(
            literal("payable").label("stage"),
            Program.id,
            Program.code,
            PayoutLine.currency,
            PayoutBatch.status,
            func.sum(PayoutLine.amount),
        )
        .join(Program, Program.id == PayoutLine.program_id)
        .outerjoin(
            PayoutBatchLine,
            (PayoutBatchLine.payout_line_id == PayoutLine.id)
            & PayoutBatchLine.returned_at.is_(None),
        )
        .outerjoin(PayoutBatch, PayoutBatch.id == PayoutBatchLine.batch_id)
        .group_by(Program.id, Program.code, PayoutLine.currency, PayoutBatch.status)
    )


def _accrued(user, partner_id: int | None) -> Select:
    stmt = _accrued_sums()
    if partner_id is not None:
        stmt = stmt.where(CalcResult.payee_id == partner_id)
    return visible_to(stmt, user, CalcResult)


def _payable(user, partner_id: int | None) -> Select:
    stmt = _payable_sums()
    if partner_id is not None:
        stmt = stmt.where(PayoutLine.payee_id == partner_id)
    return visible_to(stmt, user, PayoutLine)


@lru_cache(maxsize=32)
def _both(accrued: Select, payable: Select) -> CompoundSelect:
    """The two restricted sums as one UNION ALL, kept per pair of kept statements (`scoped`
    builds one pair per shape of scope)."""
    return union_all(accrued, payable)


def program_balances(user, partner_id: int | None = None) -> list[ProgramBalance]:
    """Accrued, approved and paid per (program, currency) over the payees `user` may see,
    or over one partner's payee rows when `partner_id` is given; by program code, currency.
    The accrued and the payable sums are sent together, as one UNION ALL."""
    rows: dict[tuple[int, str], ProgramBalance] = {}
    if partner_id is None:  # the reader's own: statements kept, the scope bound
        accrued, scope = scoped(_accrued_sums(), user, CalcResult)
        payable, _same = scoped(_payable_sums(), user, PayoutLine)
        both = _both(accrued, payable)
    else:
        both, scope = union_all(_accrued(user, partner_id), _payable(user, partner_id)), {}
    for stage, program_id, code, currency, status, amount in db.session.execute(
        both, {**scope, "run_ids": open_accrual_runs()}
    ):
        key = (program_id, currency)
        if key not in rows:
            rows[key] = ProgramBalance(program_id, code, currency)
        balance = rows[key]
        if stage == "accrued":
            balance.accrued += amount
        elif status == "exported":
            balance.paid += amount
        else:
            balance.approved += amount
    return sorted(rows.values(), key=lambda b: (b.program_code, b.currency))


def by_currency(balances: list[ProgramBalance]) -> dict[str, list[tuple[str, Decimal]]]:
    """Each stage's non-zero totals per currency, across programs (what the dashboard shows)."""
    totals: dict[str, dict[str, Decimal]] = {stage: defaultdict(Decimal) for stage in STAGES}
    for balance in balances:
        for stage in STAGES:
            totals[stage][balance.currency] += getattr(balance, stage)
    return {
        stage: [(currency, amount) for currency, amount in sorted(sums.items()) if amount]
        for stage, sums in totals.items()
    }
