"""A partner's statement for a period: per program, the settled amount and how it was reached
(measure, tier, rate and the explanation steps), approved claims, what is payable and what
exported payout batches already paid; and per approved claim on a market development fund, the
fund and the activity it pays (its period is the activity's dates)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import (
    CalcResult,
    CalcRun,
    MdfActivityType,
    MdfClaim,
    MdfFund,
    MdfRequest,
    Partner,
    PayoutBatch,
    PayoutBatchLine,
    PayoutLine,
    Program,
)
from portal.security import Perm, ensure
from workflows.engine import Period
from workflows.engine.numbers import currency_digits, plain_decimal

# Every period a statement can cover: the list of a partner's periods looks through all of them.
ALL_TIME = Period(date(1, 1, 1), date(9999, 12, 31))

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
    "activity",
    "paid_on",
)


@dataclass(frozen=True)
class Payment:
    """What one exported batch paid of a statement line: when the bank executed it (once
    finance marked the batch paid) or, for a returned transfer, why the bank returned it."""

    batch_id: int
    amount: Decimal
    currency: str
    executed_on: date | None
    returned_reason: str | None = None


@dataclass
class StatementLine:
    """A program's period, or (with `fund` and `activity`, no program) one approved claim on a
    market development fund."""

    program: Program | None
    period_label: str
    currency: str
    payee_id: int = 0
    period: Period | None = None
    result: CalcResult | None = None
    claims: Decimal = Decimal(0)
    payable: Decimal = Decimal(0)
    paid: Decimal = Decimal(0)
    explanation: list[dict] = field(default_factory=list)
    fund: MdfFund | None = None
    activity: MdfRequest | None = None
    payments: list[Payment] = field(default_factory=list)

    @property
    def paid_on(self) -> str:
        """The execution dates of the payments that were not returned (ISO, for the CSV)."""
        days = {p.executed_on for p in self.payments if p.executed_on and not p.returned_reason}
        return " ".join(sorted(d.isoformat() for d in days))

    @property
    def source_code(self) -> str:
        """What the line pays for: the program's code, or the fund's."""
        return self.program.code if self.program is not None else self.fund.code

    @property
    def source_name(self) -> str:
        return self.program.name if self.program is not None else self.fund.name

    @property
    def activity_text(self) -> str:
        """The activity a fund line pays: its type and description (empty for programs)."""
        if self.activity is None:
            return ""
        return f"{self.activity.activity_type.name}: {self.activity.description}"

    @property
    def settled(self) -> Decimal | None:
        return None if self.result is None else self.result.amount

    @property
    def outstanding(self) -> Decimal:
        return self.payable - self.paid


def _latest_settlements(period: Period):
    """The ids of the latest approved settlement run of each program period within `period`."""
    return (
        select(func.max(CalcRun.id))
        .where(
            CalcRun.kind == "settlement",
            CalcRun.approved_at.is_not(None),
            CalcRun.period_start >= period.start,
            CalcRun.period_end <= period.end,
        )
        .group_by(CalcRun.program_id, CalcRun.period_start, CalcRun.period_end)
    )


def _latest_results(partner_ids: Iterable[int], period: Period) -> list[CalcResult]:
    """The partners' results in the latest approved settlement of each program period."""
    latest = _latest_settlements(period)
    return db.session.scalars(
        select(CalcResult).where(
            CalcResult.run_id.in_(latest), CalcResult.payee_id.in_(list(partner_ids))
        )
    ).all()


def _paid(
    partner_ids: list[int], period: Period
) -> tuple[dict[tuple[int, int, str], Decimal], dict[tuple[int, int, str], list[Payment]]]:
    """Per (partner, program, period label): what lines in exported batches paid (returned
    transfers paid nothing), and the payments per batch, returned ones included."""
    rows = db.session.execute(
        select(PayoutLine.payee_id, PayoutLine.program_id, PayoutLine.period_label)
        .add_columns(
            PayoutLine.amount,
            PayoutBatch.id,
            PayoutBatch.executed_on,
            PayoutBatchLine.amount,
            PayoutBatchLine.currency,
            PayoutBatchLine.return_reason,
        )
        .join(PayoutBatchLine, PayoutBatchLine.payout_line_id == PayoutLine.id)
        .join(PayoutBatch, PayoutBatch.id == PayoutBatchLine.batch_id)
        .where(
            PayoutLine.payee_id.in_(partner_ids),
            PayoutLine.program_id.is_not(None),
            PayoutLine.period_start >= period.start,
            PayoutLine.period_end <= period.end,
            PayoutBatch.status == "exported",
        )
        .order_by(PayoutBatch.id, PayoutLine.id)
    )
    paid: dict[tuple[int, int, str], Decimal] = {}
    sent: dict[tuple[int, int, str], dict[tuple[int, bool], list]] = {}
    for (
        payee_id,
        program_id,
        label,
        amount,
        batch_id,
        executed_on,
        sent_amount,
        currency,
        why,
    ) in rows:
        key = (payee_id, program_id, label)
        if why is None:
            paid[key] = paid.get(key, Decimal(0)) + amount
        entry = sent.setdefault(key, {}).setdefault(
            (batch_id, why is not None), [Decimal(0), currency, executed_on, why]
        )
        entry[0] += sent_amount
    payments = {
        key: [
            Payment(batch_id, total, currency, executed_on, why)
            for (batch_id, _returned), (total, currency, executed_on, why) in by_batch.items()
        ]
        for key, by_batch in sent.items()
    }
    return paid, payments


def _lines(partner_ids: Iterable[int], period: Period) -> list[StatementLine]:
    """One line per (partner, program, program period) with a result or a payable line."""
    ids = list(partner_ids)
    lines: dict[tuple[int, int, str], StatementLine] = {}

    def line_for(payee_id, program, label, start, end, currency) -> StatementLine:
        key = (payee_id, program.id, label)
        if key not in lines:
            lines[key] = StatementLine(program, label, currency, payee_id, Period(start, end))
        return lines[key]

    for result in _latest_results(ids, period):
        run = result.run
        entry = line_for(
            result.payee_id,
            run.program,
            run.period_label,
            run.period_start,
            run.period_end,
            result.currency,
        )
        entry.result, entry.explanation = result, result.explanation
    payable = db.session.execute(
        select(PayoutLine, Program)
        .join(Program, Program.id == PayoutLine.program_id)
        .where(
            PayoutLine.payee_id.in_(ids),
            PayoutLine.period_start >= period.start,
            PayoutLine.period_end <= period.end,
        )
        .order_by(PayoutLine.id)
    ).all()
    for line, program in payable:
        entry = line_for(
            line.payee_id,
            program,
            line.period_label,
            line.period_start,
            line.period_end,
            line.currency,
        )
        entry.payable += line.amount
        if line.kind == "claim":
            entry.claims += line.amount
    paid, payments = _paid(ids, period)
    for key, entry in lines.items():
        entry.paid = paid.get(key, Decimal(0))
        entry.payments = payments.get(key, [])
    ordered = sorted(lines.values(), key=lambda e: (e.payee_id, e.program.code, e.period_label))
    funded = _fund_lines(ids, period)
    return sorted(ordered + funded, key=lambda e: (e.payee_id, e.fund is not None))


def _fund_lines(partner_ids: list[int], period: Period) -> list[StatementLine]:
    """One line per payable line of an approved fund claim whose activity lies in the period:
    the fund, the activity it pays, and what exported batches paid of it."""
    paid_lines = (
        select(PayoutBatchLine.payout_line_id)
        .join(PayoutBatch, PayoutBatch.id == PayoutBatchLine.batch_id)
        .where(PayoutBatch.status == "exported", PayoutBatchLine.returned_at.is_(None))
    )
    rows = db.session.execute(
        select(PayoutLine, MdfFund, MdfRequest, PayoutLine.id.in_(paid_lines))
        .join(MdfFund, MdfFund.id == PayoutLine.fund_id)
        .join(MdfClaim, MdfClaim.payout_line_id == PayoutLine.id)
        .join(MdfRequest, MdfRequest.id == MdfClaim.request_id)
        .join(MdfActivityType, MdfActivityType.id == MdfRequest.activity_type_id)
        .where(
            PayoutLine.payee_id.in_(partner_ids),
            PayoutLine.period_start >= period.start,
            PayoutLine.period_end <= period.end,
        )
        .order_by(MdfFund.code, MdfRequest.starts_on, PayoutLine.id)
    ).all()
    return [
        StatementLine(
            None,
            line.period_label,
            line.currency,
            line.payee_id,
            Period(line.period_start, line.period_end),
            claims=line.amount,
            payable=line.amount,
            paid=line.amount if paid else Decimal(0),
            fund=fund,
            activity=request,
        )
        for line, fund, request, paid in rows
    ]


def statement(partner: Partner, period: Period, *, actor) -> list[StatementLine]:
    """One line per (program, period) with a result or a payable line for the partner."""
    ensure(actor, Perm.VIEW_STATEMENTS, partner)
    return _lines([partner.id], period)


@dataclass
class Totals:
    """One currency's sums over statement lines."""

    currency: str
    settled: Decimal = Decimal(0)
    claims: Decimal = Decimal(0)
    paid: Decimal = Decimal(0)
    outstanding: Decimal = Decimal(0)

    def add(self, line: StatementLine) -> None:
        self.settled += line.settled or Decimal(0)
        self.claims += line.claims
        self.paid += line.paid
        self.outstanding += line.outstanding


def totals(lines: Iterable[StatementLine]) -> list[Totals]:
    """Sums per currency, in currency order: amounts in different currencies never add up."""
    by_currency: dict[str, Totals] = {}
    for line in lines:
        by_currency.setdefault(line.currency, Totals(line.currency)).add(line)
    return [by_currency[code] for code in sorted(by_currency)]


def statement_number(partner: Partner, period: Period) -> str:
    """Stable per (partner, period): the same statement always carries the same number."""
    return f"ST-{period.label}-{partner.code}"


@dataclass
class StatementPeriod:
    period: Period
    totals: list[Totals]


def periods(partner: Partner, *, actor) -> list[StatementPeriod]:
    """The program periods the partner has a statement line in, latest first, with totals."""
    ensure(actor, Perm.VIEW_STATEMENTS, partner)
    grouped: dict[Period, list[StatementLine]] = {}
    for line in _lines([partner.id], ALL_TIME):
        grouped.setdefault(line.period, []).append(line)
    ordered = sorted(grouped, key=lambda p: (p.end, p.start), reverse=True)
    return [StatementPeriod(period, totals(grouped[period])) for period in ordered]


def partner_totals(partners: list[Partner], period: Period) -> dict[int, list[Totals]]:
    """Per partner (already scoped by the caller's query): totals per currency for the period."""
    grouped: dict[int, list[StatementLine]] = {}
    for line in _lines([p.id for p in partners], period):
        grouped.setdefault(line.payee_id, []).append(line)
    return {partner_id: totals(lines) for partner_id, lines in grouped.items()}


def partners_with_lines(period: Period):
    """A subquery of the ids of partners with a statement line in the period."""
    settled = select(CalcResult.payee_id).where(CalcResult.run_id.in_(_latest_settlements(period)))
    payable = select(PayoutLine.payee_id).where(
        PayoutLine.period_start >= period.start,
        PayoutLine.period_end <= period.end,
    )
    return settled.union(payable)


def recent_periods(visible_partners, limit: int = 12) -> list[Period]:
    """The latest program periods with settlements or payable lines, for finance to pick from."""
    runs = (
        select(CalcRun.period_start, CalcRun.period_end)
        .join(CalcResult, CalcResult.run_id == CalcRun.id)
        .where(
            CalcRun.kind == "settlement",
            CalcRun.approved_at.is_not(None),
            CalcResult.payee_id.in_(visible_partners),
        )
        .distinct()
    )
    lines = (
        select(PayoutLine.period_start, PayoutLine.period_end)
        .where(PayoutLine.payee_id.in_(visible_partners))
        .distinct()
    )
    found = {Period(*row) for row in db.session.execute(runs.union(lines))}
    return sorted(found, key=lambda p: (p.end, p.start), reverse=True)[:limit]


def statement_rows(partner: Partner, lines: list[StatementLine]) -> list[tuple]:
    """Exact values: money at the currency's minor unit, measures and rates without padding."""
    rows = []
    for e in lines:
        places = currency_digits(e.currency)
        result = e.result
        rows.append(
            (
                partner.code,
                e.source_code,
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
                e.activity_text,
                e.paid_on,
            )
        )
    return rows
