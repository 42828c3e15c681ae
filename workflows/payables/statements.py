"""A partner's statement for a period: per program, the settled amount and how it was reached
(measure, tier, rate and the explanation steps), approved claims, what is payable and what
exported payout batches already paid."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import CalcResult, CalcRun, Partner, PayoutLine, Program
from portal.numbers import currency_digits, plain_decimal
from portal.security import Perm, ensure
from workflows.engine import Period

from .batches import paid_amounts

STATEMENT_COLUMNS = (
    "partner_code",
    "program_code",
    "period",
    "currency",
    "measure",
    "band_from",
    "rate",
    "settled",
    "claims",
    "payable",
    "paid",
    "outstanding",
)


@dataclass
class StatementLine:
    program: Program
    period_label: str
    currency: str
    result: CalcResult | None = None
    claims: Decimal = Decimal(0)
    payable: Decimal = Decimal(0)
    paid: Decimal = Decimal(0)
    explanation: list[dict] = field(default_factory=list)

    @property
    def settled(self) -> Decimal | None:
        return None if self.result is None else self.result.amount

    @property
    def outstanding(self) -> Decimal:
        return self.payable - self.paid


def _latest_results(partner_id: int, period: Period) -> list[CalcResult]:
    """The partner's result in the latest approved settlement of each program period."""
    latest = (
        select(func.max(CalcRun.id))
        .where(
            CalcRun.kind == "settlement",
            CalcRun.approved_at.is_not(None),
            CalcRun.period_start >= period.start,
            CalcRun.period_end <= period.end,
        )
        .group_by(CalcRun.program_id, CalcRun.period_start, CalcRun.period_end)
    )
    return db.session.scalars(
        select(CalcResult).where(CalcResult.run_id.in_(latest), CalcResult.payee_id == partner_id)
    ).all()


def statement(partner: Partner, period: Period, *, actor) -> list[StatementLine]:
    """One line per (program, period) with a result or a payable line for the partner."""
    ensure(actor, Perm.VIEW_STATEMENTS, partner)
    lines: dict[tuple[int, str], StatementLine] = {}

    def line_for(program: Program, label: str, currency: str) -> StatementLine:
        key = (program.id, label)
        if key not in lines:
            lines[key] = StatementLine(program, label, currency)
        return lines[key]

    for result in _latest_results(partner.id, period):
        entry = line_for(result.run.program, result.run.period_label, result.currency)
        entry.result, entry.explanation = result, result.explanation
    payable = db.session.execute(
        select(PayoutLine, Program)
        .join(Program, Program.id == PayoutLine.program_id)
        .where(
            PayoutLine.payee_id == partner.id,
            PayoutLine.period_start >= period.start,
            PayoutLine.period_end <= period.end,
        )
        .order_by(PayoutLine.id)
    ).all()
    for line, program in payable:
        entry = line_for(program, line.period_label, line.currency)
        entry.payable += line.amount
        if line.kind == "claim":
            entry.claims += line.amount
    paid = paid_amounts(partner.id, period.start, period.end)
    for key, entry in lines.items():
        entry.paid = paid.get(key, Decimal(0))
    return sorted(lines.values(), key=lambda e: (e.program.code, e.period_label))


def statement_rows(partner: Partner, lines: list[StatementLine]) -> list[tuple]:
    """Exact values: money at the currency's minor unit, measures and rates without padding."""
    rows = []
    for e in lines:
        places = currency_digits(e.currency)
        result = e.result
        rows.append(
            (
                partner.code,
                e.program.code,
                e.period_label,
                e.currency,
                plain_decimal(result.measure) if result else "",
                plain_decimal(result.band_from) if result else "",
                plain_decimal(result.rate) if result else "",
                plain_decimal(e.settled, places),
                plain_decimal(e.claims, places),
                plain_decimal(e.payable, places),
                plain_decimal(e.paid, places),
                plain_decimal(e.outstanding, places),
            )
        )
    return rows
