"""Payout batches: finance builds one from payable lines of closed periods (and approved claims
on market development funds, which have no period to close) not yet in a batch, another finance
user approves it, then it is exported once as a payment file; exported batches never change, and
`payout_batch_lines.payout_line_id` is unique, so no line is paid twice. Exporting records what
the batch paid of fund claims in the MDF ledger.

Amounts are converted to each partner's currency at the rates in force on the period's last day:
amount × rate(program currency) ÷ rate(partner currency), exact, rounded half-up once.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext

from flask import current_app
from sqlalchemy import exists, func, or_, select
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.foundation.audit import record_event
from portal.models import (
    ClosedPeriod,
    FxRate,
    MdfFund,
    Partner,
    PayoutBatch,
    PayoutBatchLine,
    PayoutLine,
    Program,
    utcnow,
)
from portal.security import Perm, ensure
from workflows.engine import HIGH_PRECISION, N_, Period, round_money
from workflows.mdf.payments import record_payments
from workflows.states import Machine, Transition

from .errors import BatchStateRefused, PayablesError

BATCH_COLUMNS = (
    "partner_code",
    "program_code",
    "period",
    "currency",
    "amount",
    "kind",
    "source_currency",
    "source_amount",
    "fx_rate",
    "batch_id",
    "line_id",
)
RATE_PLACES = Decimal("1E-10")


def rate_on(currency: str, day: date) -> Decimal | None:
    """Base-currency units per unit of `currency`, by the latest valid_from on or before `day`."""
    if currency == current_app.config["BASE_CURRENCY"]:
        return Decimal(1)
    return db.session.scalar(
        select(FxRate.rate)
        .where(FxRate.currency == currency, FxRate.valid_from <= day)
        .order_by(FxRate.valid_from.desc())
        .limit(1)
    )


def convert(amount: Decimal, source: str, target: str, day: date) -> tuple[Decimal, Decimal]:
    """(amount in `target` rounded once half-up to its minor unit, the rate shown on the file)."""
    if source == target:
        return round_money(amount, target), Decimal(1)
    source_rate, target_rate = rate_on(source, day), rate_on(target, day)
    for currency, rate in ((source, source_rate), (target, target_rate)):
        if rate is None:
            raise PayablesError(
                N_("No FX rate for %(currency)s on or before %(date)s."),
                currency=currency,
                date=day,
            )
    with localcontext(HIGH_PRECISION):
        exact = amount * source_rate / target_rate
        shown = (source_rate / target_rate).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)
    return round_money(exact, target), shown


def open_lines(period: Period | None = None, program: Program | None = None):
    """Payable lines in no batch whose (program, period) is closed and not reopened, and lines
    of approved fund claims; optionally only the periods within `period`, and only `program`'s."""
    closed = exists().where(
        ClosedPeriod.program_id == PayoutLine.program_id,
        ClosedPeriod.period_start <= PayoutLine.period_start,
        ClosedPeriod.period_end >= PayoutLine.period_end,
        ClosedPeriod.reopened_at.is_(None),
    )
    batched = exists().where(PayoutBatchLine.payout_line_id == PayoutLine.id)
    stmt = (
        select(PayoutLine, Partner)
        .join(Partner, Partner.id == PayoutLine.payee_id)
        .where(or_(closed, PayoutLine.fund_id.is_not(None)), ~batched)
        .order_by(PayoutLine.id)
    )
    if period is not None:
        stmt = stmt.where(
            PayoutLine.period_start >= period.start, PayoutLine.period_end <= period.end
        )
    if program is not None:
        stmt = stmt.where(PayoutLine.program_id == program.id)
    return stmt


def build_batch(
    *, actor, period: Period | None = None, program: Program | None = None
) -> PayoutBatch:
    """Take every open payable line (of `period` and `program`, when given) into a new draft
    batch (refused when there is none)."""
    ensure(actor, Perm.MANAGE_PAYOUT_BATCHES)
    rows = db.session.execute(open_lines(period, program)).all()
    if not rows:
        raise PayablesError(N_("No payable lines of closed periods are waiting for a batch."))
    batch = PayoutBatch(created_by_id=actor.id, line_count=len(rows))
    db.session.add(batch)
    db.session.flush()
    lines = []
    for line, partner in rows:
        amount, rate = convert(line.amount, line.currency, partner.currency, line.period_end)
        lines.append(
            {
                "batch_id": batch.id,
                "payout_line_id": line.id,
                "partner_id": partner.id,
                "currency": partner.currency,
                "amount": amount,
                "fx_rate": rate,
            }
        )
    try:
        with db.session.begin_nested():
            db.session.execute(db.insert(PayoutBatchLine), lines)
    except IntegrityError:
        # Another batch took some of these lines a moment ago: the unique line id refused them.
        raise PayablesError(N_("Another batch took some of these lines; build again.")) from None
    scope = {"period": period.label} if period is not None else {}
    if program is not None:
        scope["program"] = program.code
    record_event(actor, "payouts.batch.build", batch, after={"lines": len(lines), **scope})
    return batch


def _named(batch: PayoutBatch, actor) -> None:
    if actor.id is None:
        raise PayablesError(N_("An approval must be made by a named user."))


def _approve(batch: PayoutBatch, actor) -> None:
    batch.approved_by_id, batch.approved_at = actor.id, utcnow()


def _export(batch: PayoutBatch, actor, rows: list[tuple]) -> dict:
    """The first export marks the batch exported and records what it paid of fund claims in
    the MDF ledger; a later one gives the same file again. `rows` receives the file's rows."""
    fund_claims = 0
    if batch.status == "approved":
        batch.exported_by_id, batch.exported_at = actor.id, utcnow()
        fund_claims = record_payments(batch.id, actor=actor)
    rows.extend(payment_rows(batch))
    paid = {"fund_claims_paid": fund_claims} if fund_claims else {}
    return {"rows": len(rows), **paid}


FINANCE = "finance"
BATCHES = Machine(
    "payouts.batch",
    (
        Transition("approve", ("draft",), "approved", FINANCE, makers=("created_by_id",),
                   check=_named, effect=_approve, log_after=False),
        Transition("export", ("approved", "exported"), "exported", FINANCE, effect=_export,
                   refused=N_("Batch %(id)s must be approved before export."),
                   log_before=False, log_after=False),
    ),
    parties={FINANCE: Perm.MANAGE_PAYOUT_BATCHES},
    refused=N_("Batch %(id)s is already %(status)s."),
    illegal=BatchStateRefused,
    state="status",
)  # fmt: skip


def approve_batch(batch: PayoutBatch, *, actor) -> PayoutBatch:
    """Maker–checker: a finance user other than the builder approves a draft batch."""
    return BATCHES.fire(batch, "approve", actor)


def export_batch(batch: PayoutBatch, *, actor) -> list[tuple]:
    """The payment file's rows; the first export marks the batch exported (immutable after)."""
    rows: list[tuple] = []
    BATCHES.fire(batch, "export", actor, rows=rows)
    return rows


def payment_rows(batch: PayoutBatch) -> list[tuple]:
    """One row per line of the batch, in the payment file's columns (BATCH_COLUMNS)."""
    source_code = func.coalesce(Program.code, MdfFund.code)
    return [
        (
            partner_code,
            program_code,
            line.period_label,
            entry.currency,
            _text(entry.amount, entry.currency),
            line.kind,
            line.currency,
            _text(line.amount, line.currency),
            format(entry.fx_rate.normalize(), "f"),
            batch.id,
            line.id,
        )
        for entry, line, partner_code, program_code in db.session.execute(
            select(PayoutBatchLine, PayoutLine, Partner.code, source_code)
            .join(PayoutLine, PayoutLine.id == PayoutBatchLine.payout_line_id)
            .join(Partner, Partner.id == PayoutBatchLine.partner_id)
            .outerjoin(Program, Program.id == PayoutLine.program_id)
            .outerjoin(MdfFund, MdfFund.id == PayoutLine.fund_id)
            .where(PayoutBatchLine.batch_id == batch.id)
            .order_by(Partner.code, source_code, PayoutLine.id)
        )
    ]


def _text(amount: Decimal, currency: str) -> str:
    return format(round_money(amount, currency), "f")
