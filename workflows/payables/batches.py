"""Payout batches: finance builds one from payable lines of closed periods (and approved claims
on market development funds, which have no period to close) not yet in a batch, another finance
user approves it, then it is exported once as a payment file; exported batches never change, and
a line is in at most one batch that has not returned it (a unique index over
`payout_batch_lines.payout_line_id` where `returned_at` is null), so no line is paid twice.
Exporting records what the batch paid of fund claims in the MDF ledger.

A batch pays one currency: building makes one batch per currency with payable lines (or only
the currency finance picks). Lines of partners the bank details
hold (no verified account for the currency, or a change awaiting verification) and of partners
whose lines net to zero or less stay out, payable for a later batch. The payment file (pain.001
for EUR, the bank's mapped CSV otherwise) is kept as first exported. Finance marks the batch paid
with the bank's execution date; a transfer the bank returns puts that partner's lines of the
batch back to payable, with the reason.

Amounts are converted to each partner's currency at the rates in force on the period's last day:
amount × rate(program currency) ÷ rate(partner currency), exact, rounded half-up once.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
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
from workflows.banking.payees import hold_reasons
from workflows.engine import HIGH_PRECISION, N_, Period, round_money
from workflows.mdf.payments import record_payments, record_returns
from workflows.states import Machine, Transition

from . import payment_files
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
    batched = exists().where(
        PayoutBatchLine.payout_line_id == PayoutLine.id, PayoutBatchLine.returned_at.is_(None)
    )
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


HOLD_REASONS = ("no_account", "change_pending", "not_positive")


@dataclass(frozen=True)
class HeldPayee:
    """A partner whose waiting lines in a currency stay out of batches for now, and why."""

    partner: Partner
    reason: str  # one of HOLD_REASONS
    lines: int
    amount: Decimal
    currency: str


@dataclass
class Selection:
    """What a batch of `currency` would take now: rows per partner payable, and those held."""

    currency: str
    payable: list[tuple[PayoutLine, Partner, Decimal, Decimal]]
    held: list[HeldPayee]


def waiting_currencies() -> dict[str, int]:
    """Currencies (the partners') with open lines, and how many lines each has waiting."""
    stmt = (
        open_lines()
        .with_only_columns(Partner.currency, func.count())
        .group_by(Partner.currency)
        .order_by(None)
    )
    return dict(sorted(db.session.execute(stmt).all()))


def select_lines(
    currency: str, period: Period | None = None, program: Program | None = None
) -> Selection:
    """Open lines of partners paid in `currency`, converted; partners without a verified
    account, with a change pending, or whose lines net to zero or less are held."""
    rows = db.session.execute(open_lines(period, program).where(Partner.currency == currency))
    by_partner: dict[int, list[tuple[PayoutLine, Partner, Decimal, Decimal]]] = {}
    for line, partner in rows:
        amount, rate = convert(line.amount, line.currency, currency, line.period_end)
        by_partner.setdefault(partner.id, []).append((line, partner, amount, rate))
    reasons = hold_reasons(by_partner, currency)
    payable, held = [], []
    for partner_id, entries in by_partner.items():
        total = sum((entry[2] for entry in entries), Decimal(0))
        reason = reasons.get(partner_id) or ("not_positive" if total <= 0 else None)
        if reason is None:
            payable.extend(entries)
        else:
            held.append(HeldPayee(entries[0][1], reason, len(entries), total, currency))
    payable.sort(key=lambda entry: entry[0].id)
    held.sort(key=lambda h: h.partner.code)
    return Selection(currency, payable, held)


@dataclass
class Built:
    """What one build made: a draft batch per currency, and the partners held out of them."""

    batches: list[PayoutBatch]
    held: list[HeldPayee]


def build_batches(
    *,
    actor,
    period: Period | None = None,
    program: Program | None = None,
    currency: str | None = None,
) -> Built:
    """One draft batch per currency (only `currency`, when given) from the open payable lines
    (of `period` and `program`, when given) that are not held; refused when none is built."""
    ensure(actor, Perm.MANAGE_PAYOUT_BATCHES)
    wanted = (currency or "").strip().upper()
    currencies = [wanted] if wanted else list(waiting_currencies())
    built = Built([], [])
    for code in currencies:
        selection = select_lines(code, period, program)
        built.held.extend(selection.held)
        if selection.payable:
            built.batches.append(_make_batch(actor, selection, period, program))
    if not built.batches:
        if built.held:
            raise PayablesError(
                N_(
                    "Every waiting line is held until the partners' bank accounts are "
                    "verified; no batch was built."
                )
            )
        if wanted:
            raise PayablesError(
                N_("No payable %(currency)s lines of closed periods are waiting for a batch."),
                currency=wanted,
            )
        raise PayablesError(N_("No payable lines of closed periods are waiting for a batch."))
    return built


def build_batch(
    *, actor, currency: str, period: Period | None = None, program: Program | None = None
) -> tuple[PayoutBatch, list[HeldPayee]]:
    """The draft batch of one currency, and the partners held out of it."""
    built = build_batches(actor=actor, period=period, program=program, currency=currency)
    return built.batches[0], built.held


def _make_batch(actor, selection: Selection, period, program) -> PayoutBatch:
    currency = selection.currency
    batch = PayoutBatch(
        created_by_id=actor.id, line_count=len(selection.payable), currency=currency
    )
    db.session.add(batch)
    db.session.flush()
    lines = [
        {
            "batch_id": batch.id,
            "payout_line_id": line.id,
            "partner_id": partner.id,
            "currency": currency,
            "amount": amount,
            "fx_rate": rate,
        }
        for line, partner, amount, rate in selection.payable
    ]
    try:
        with db.session.begin_nested():
            db.session.execute(db.insert(PayoutBatchLine), lines)
    except IntegrityError:
        # Another batch took some of these lines a moment ago: the unique line id refused them.
        raise PayablesError(N_("Another batch took some of these lines; build again.")) from None
    scope = {"period": period.label} if period is not None else {}
    if program is not None:
        scope["program"] = program.code
    if selection.held:
        scope["held"] = {h.partner.code: h.reason for h in selection.held}
    after = {"lines": len(lines), "currency": currency, **scope}
    record_event(actor, "payouts.batch.build", batch, after=after)
    return batch


def _named(batch: PayoutBatch, actor) -> None:
    if actor.id is None:
        raise PayablesError(N_("An approval must be made by a named user."))


def _approve(batch: PayoutBatch, actor) -> None:
    batch.approved_by_id, batch.approved_at = actor.id, utcnow()


@dataclass(frozen=True)
class PaymentFile:
    name: str
    media_type: str
    content: str
    file_format: str


MEDIA_TYPES = {"pain001": "application/xml", "csv": "text/csv", "lines": "text/csv"}


def _write_file(batch: PayoutBatch, file_format: str, day: date) -> tuple[str, str]:
    """(file name, content) of the batch's payment file, as first written on `day`."""
    if file_format == "pain001":
        return f"payout-batch-{batch.id}.xml", payment_files.pain001(batch, day)
    if file_format == "csv":
        return f"payout-batch-{batch.id}.csv", payment_files.bank_csv(batch, day)
    # batches built before batches had a currency: the per-line file they always gave
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(BATCH_COLUMNS)
    writer.writerows(payment_rows(batch))
    return f"payout-batch-{batch.id}.csv", out.getvalue()


def _export(batch: PayoutBatch, actor, file_format: str | None, out: list) -> dict:
    """The first export writes and keeps the payment file, marks the batch exported and records
    what it paid of fund claims in the MDF ledger; a later one gives the same file again."""
    fund_claims = 0
    if batch.status == "approved":
        chosen = file_format or (
            "lines" if batch.currency is None else payment_files.default_format(batch)
        )
        now = utcnow()
        batch.file_name, batch.file_content = _write_file(batch, chosen, now.date())
        batch.exported_by_id, batch.exported_at = actor.id, now
        batch.file_format = chosen
        fund_claims = record_payments(batch.id, actor=actor)
    elif batch.file_content is None:  # exported before files were kept: the per-line CSV it gave
        day = batch.exported_at.date()
        batch.file_name, batch.file_content = _write_file(batch, "lines", day)
        batch.file_format = "lines"
    out.append(
        PaymentFile(
            batch.file_name, MEDIA_TYPES[batch.file_format], batch.file_content, batch.file_format
        )
    )
    paid = {"fund_claims_paid": fund_claims} if fund_claims else {}
    return {"format": batch.file_format, **paid}


def _mark_paid(batch: PayoutBatch, actor, executed_on: date) -> dict:
    exported_on = batch.exported_at.date()
    if executed_on < exported_on or executed_on > utcnow().date():
        raise PayablesError(
            N_("The execution date must lie between the export (%(exported)s) and today."),
            field="executed_on",
            exported=exported_on,
        )
    batch.executed_on, batch.paid_by_id, batch.paid_at = executed_on, actor.id, utcnow()
    return {"executed_on": executed_on.isoformat()}


def _return(batch: PayoutBatch, actor, partner: Partner, reason: str) -> dict:
    reason = (reason or "").strip()
    if not reason:
        raise PayablesError(N_("Give the reason the bank returned the payment."), field="reason")
    entries = db.session.scalars(
        select(PayoutBatchLine).where(
            PayoutBatchLine.batch_id == batch.id,
            PayoutBatchLine.partner_id == partner.id,
            PayoutBatchLine.returned_at.is_(None),
        )
    ).all()
    if not entries:
        raise PayablesError(
            N_("Batch %(id)s holds no payment to %(partner)s that could be returned."),
            id=batch.id,
            partner=partner.name,
        )
    now = utcnow()
    for entry in entries:
        entry.returned_at, entry.returned_by_id, entry.return_reason = now, actor.id, reason
    total = sum((e.amount for e in entries), Decimal(0))
    returned = {"partner": partner.code, "lines": len(entries), "amount": str(total)}
    fund_claims = record_returns(batch.id, [e.payout_line_id for e in entries], actor=actor)
    if fund_claims:
        returned["fund_claims_returned"] = fund_claims
    return {**returned, "reason": reason}


FINANCE = "finance"
BATCHES = Machine(
    "payouts.batch",
    (
        Transition("approve", ("draft",), "approved", FINANCE, makers=("created_by_id",),
                   check=_named, effect=_approve, log_after=False),
        Transition("export", ("approved", "exported"), "exported", FINANCE, effect=_export,
                   refused=N_("Batch %(id)s must be approved before export."),
                   log_before=False, log_after=False),
        Transition("mark_paid", ("exported",), "exported", FINANCE, effect=_mark_paid,
                   guard=lambda b: b.executed_on is None,
                   refused=N_("Only an exported batch not yet marked paid can be marked paid."),
                   audit="payouts.batch.paid"),
        Transition("return_payment", ("exported",), "exported", FINANCE, effect=_return,
                   refused=N_("Only an exported batch has payments the bank can return."),
                   audit="payouts.batch.returned", log_before=False),
    ),
    parties={FINANCE: Perm.MANAGE_PAYOUT_BATCHES},
    refused=N_("Batch %(id)s is already %(status)s."),
    illegal=BatchStateRefused,
    state="status",
)  # fmt: skip


def approve_batch(batch: PayoutBatch, *, actor) -> PayoutBatch:
    """Maker–checker: a finance user other than the builder approves a draft batch."""
    return BATCHES.fire(batch, "approve", actor)


def export_batch(batch: PayoutBatch, *, actor, file_format: str | None = None) -> PaymentFile:
    """The payment file (pain.001 for EUR, the bank's CSV otherwise, unless `file_format` says);
    the first export keeps it and marks the batch exported (immutable after)."""
    if batch.file_format and file_format and file_format != batch.file_format:
        raise PayablesError(
            N_("Batch %(id)s was exported as %(format)s; it gives that file again."),
            id=batch.id,
            format=batch.file_format,
        )
    out: list[PaymentFile] = []
    BATCHES.fire(batch, "export", actor, file_format=file_format, out=out)
    return out[0]


def mark_paid(batch: PayoutBatch, *, actor, executed_on: date) -> PayoutBatch:
    """Record the bank's execution date of an exported batch (once)."""
    return BATCHES.fire(batch, "mark_paid", actor, executed_on=executed_on)


def return_payment(batch: PayoutBatch, partner: Partner, *, actor, reason: str) -> PayoutBatch:
    """The bank returned the transfer to `partner`: its lines of the batch become payable again
    (for a later batch), with the reason."""
    return BATCHES.fire(batch, "return_payment", actor, partner=partner, reason=reason)


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


@dataclass(frozen=True)
class BatchPayee:
    """A partner's part of a batch: its lines, their sum, and the return if the bank sent the
    transfer back."""

    partner: Partner
    lines: int
    amount: Decimal
    returned_reason: str | None
    returned_at: date | None


def batch_payees(batch: PayoutBatch) -> list[BatchPayee]:
    """Per partner (by code): what the batch pays it, and whether the transfer was returned."""
    grouped: dict[int, list] = {}
    rows = db.session.execute(
        select(PayoutBatchLine, Partner)
        .join(Partner, Partner.id == PayoutBatchLine.partner_id)
        .where(PayoutBatchLine.batch_id == batch.id)
        .order_by(Partner.code, PayoutBatchLine.id)
    )
    for entry, partner in rows:
        grouped.setdefault(partner.id, [partner, 0, Decimal(0), None, None])
        item = grouped[partner.id]
        item[1] += 1
        item[2] += entry.amount
        if entry.returned_at is not None:
            item[3], item[4] = entry.return_reason, entry.returned_at
    return [BatchPayee(*item) for item in grouped.values()]
