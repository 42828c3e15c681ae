"""Payment files of a batch: one credit transfer per payee (the partner's lines summed), as an
ISO 20022 pain.001.001.03 SEPA file (sepaxml, validated against the XSD it ships) for EUR, or as
the CSV a bank's bulk upload takes, mapped once per bank (`BankFileFormat`) for other currencies.

Who is paid where comes only from the verified accounts (workflows.banking.payees).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask import current_app
from sepaxml import SepaTransfer
from sepaxml.validation import ValidationError
from sqlalchemy import select

from portal.extensions import db
from portal.models import BankFileFormat, Partner, PayoutBatch, PayoutBatchLine, PayoutLine
from portal.models.payables import BANK_FILE_FIELDS
from workflows.banking.payees import PayeeDetails, hold_reasons, verified_payees
from workflows.engine import N_, Period, round_money
from workflows.engine.numbers import currency_digits

from .errors import PayablesError
from .statements import statement_number

SEPA_CURRENCY = "EUR"
PAIN001_SCHEMA = "pain.001.001.03"
REMITTANCE_MAX = 140  # characters of unstructured remittance information in pain.001


@dataclass(frozen=True)
class Transfer:
    """One credit transfer: what a payee receives from the batch and the statements it pays."""

    partner: Partner
    amount: Decimal
    currency: str
    reference: str
    payee: PayeeDetails


def default_format(batch: PayoutBatch) -> str:
    return "pain001" if batch.currency == SEPA_CURRENCY else "csv"


def transfers(batch: PayoutBatch) -> list[Transfer]:
    """The batch's lines summed per partner, by partner code, each with its verified account;
    refused when a partner's account is no longer verified (a change awaits verification)."""
    sums: dict[int, Decimal] = {}
    periods: dict[int, set[Period]] = {}
    partners: dict[int, Partner] = {}
    rows = db.session.execute(
        select(PayoutBatchLine, PayoutLine, Partner)
        .join(PayoutLine, PayoutLine.id == PayoutBatchLine.payout_line_id)
        .join(Partner, Partner.id == PayoutBatchLine.partner_id)
        .where(PayoutBatchLine.batch_id == batch.id)
    )
    for entry, line, partner in rows:
        sums[partner.id] = sums.get(partner.id, Decimal(0)) + entry.amount
        periods.setdefault(partner.id, set()).add(Period(line.period_start, line.period_end))
        partners[partner.id] = partner
    held = hold_reasons(partners, batch.currency)
    if held:
        names = ", ".join(sorted(partners[pid].name for pid in held))
        raise PayablesError(
            N_(
                "The bank account of %(partners)s is not verified for %(currency)s now; "
                "export once finance has verified it."
            ),
            partners=names,
            currency=batch.currency,
        )
    payees = verified_payees(partners, batch.currency)
    result = []
    for partner in sorted(partners.values(), key=lambda p: p.code):
        numbers = sorted(statement_number(partner, p) for p in periods[partner.id])
        reference = f"Batch {batch.id} " + " ".join(numbers)
        result.append(
            Transfer(
                partner,
                round_money(sums[partner.id], batch.currency),
                batch.currency,
                reference[:REMITTANCE_MAX],
                payees[partner.id],
            )
        )
    return result


def debtor_account() -> dict[str, str]:
    """The vendor's account the transfers are paid from (PAYMENT_DEBTOR_* settings)."""
    config = current_app.config
    account = {
        "name": config.get("PAYMENT_DEBTOR_NAME") or "",
        "IBAN": (config.get("PAYMENT_DEBTOR_IBAN") or "").replace(" ", "").upper(),
        "BIC": (config.get("PAYMENT_DEBTOR_BIC") or "").replace(" ", "").upper(),
    }
    if not all(account.values()):
        raise PayablesError(
            N_(
                "The vendor's paying bank account is not configured: set PAYMENT_DEBTOR_NAME, "
                "PAYMENT_DEBTOR_IBAN and PAYMENT_DEBTOR_BIC."
            )
        )
    return account


def pain001(batch: PayoutBatch, execution_date: date) -> str:
    """The batch as a SEPA credit transfer initiation (pain.001.001.03), schema-checked."""
    if batch.currency != SEPA_CURRENCY:
        raise PayablesError(
            N_("Only EUR batches export as pain.001; batch %(id)s pays %(currency)s."),
            id=batch.id,
            currency=batch.currency or "",
        )
    debtor = debtor_account()
    sepa = SepaTransfer({**debtor, "batch": True, "currency": SEPA_CURRENCY}, PAIN001_SCHEMA)
    for transfer in transfers(batch):
        payee = transfer.payee
        if payee.iban is None:
            raise PayablesError(
                N_("%(partner)s has no IBAN for EUR; a SEPA transfer needs one."),
                partner=transfer.partner.name,
            )
        payment = {
            "name": payee.holder_name,
            "IBAN": payee.iban,
            "amount": int(transfer.amount * 100),
            "execution_date": execution_date,
            "description": transfer.reference,
            "endtoend_id": f"B{batch.id}-{transfer.partner.code}"[:35],
        }
        if payee.bic:
            payment["BIC"] = payee.bic
        sepa.add_payment(payment)
    try:
        return sepa.export(validate=True).decode("utf-8")
    except ValidationError:
        raise PayablesError(
            N_(
                "The pain.001 file of batch %(id)s does not pass its schema; check the names "
                "and accounts in it."
            ),
            id=batch.id,
        ) from None


def format_for(currency: str | None) -> BankFileFormat:
    """The bank file format finance mapped for this currency."""
    for bank in db.session.scalars(select(BankFileFormat).order_by(BankFileFormat.name)):
        if currency in bank.currency_list:
            return bank
    raise PayablesError(
        N_(
            "No bank file format is set up for %(currency)s: finance maps the bank's columns "
            "once on the Bank file formats page."
        ),
        currency=currency or "",
    )


def _cell(field: str, transfer: Transfer, bank: BankFileFormat, execution_date: date) -> str:
    payee = transfer.payee
    if field == "payee_name":
        return payee.holder_name
    if field == "account_number":
        return payee.iban or payee.account_number or ""
    if field == "routing_code":
        return payee.routing_number or payee.sort_code or ""
    if field == "bic":
        return payee.bic or ""
    if field == "amount":
        text = format(
            transfer.amount.quantize(Decimal(1).scaleb(-currency_digits(transfer.currency))), "f"
        )
        return text.replace(".", bank.decimal_separator)
    if field == "currency":
        return transfer.currency
    if field == "reference":
        return transfer.reference
    return execution_date.isoformat()


def bank_csv(batch: PayoutBatch, execution_date: date) -> str:
    """The batch in the columns, delimiter and decimal separator its bank takes."""
    bank = format_for(batch.currency)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=bank.delimiter, lineterminator="\r\n")
    if bank.header:
        writer.writerow(bank.column_list)
    for transfer in transfers(batch):
        writer.writerow(
            [_neutral(_cell(f, transfer, bank, execution_date)) for f in bank.column_list]
        )
    return out.getvalue()


def _neutral(value: str) -> str:
    """Spreadsheet formulas in a name or reference are neutralised (amounts never start so)."""
    return "'" + value if value[:1] in ("=", "+", "@") else value


__all__ = ["BANK_FILE_FIELDS", "Transfer", "bank_csv", "default_format", "pain001", "transfers"]
