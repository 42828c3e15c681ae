"""Bank file formats: how each bank's bulk upload wants the CSV of a batch, mapped once by
finance and used for every batch of the currencies it names (at most one format per currency)."""

from __future__ import annotations

import re

from sqlalchemy import select

from portal.extensions import db
from portal.foundation.audit import record_event
from portal.models import BankFileFormat, utcnow
from portal.models.payables import BANK_FILE_FIELDS
from portal.security import Perm, ensure
from workflows.engine import N_

from .errors import PayablesError

DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
DECIMAL_SEPARATORS = {".": "point", ",": "comma"}
CURRENCY = re.compile(r"[A-Z]{3}")


def save_bank_format(
    *,
    actor,
    name: str,
    currencies: str,
    columns: list[str],
    delimiter: str,
    decimal_separator: str,
    header: bool,
    bank: BankFileFormat | None = None,
) -> BankFileFormat:
    """Create (or, with `bank`, change) a bank file format after checking every rule."""
    ensure(actor, Perm.MANAGE_PAYOUT_BATCHES)
    name = (name or "").strip()
    if not name:
        raise PayablesError(N_("Give the bank format a name."), field="name")
    codes = sorted({c.strip().upper() for c in (currencies or "").split(",") if c.strip()})
    if not codes or not all(CURRENCY.fullmatch(c) for c in codes):
        raise PayablesError(
            N_("List currencies as three-letter codes separated by commas, e.g. USD,CAD."),
            field="currencies",
        )
    chosen = [c for c in columns if c]
    if not chosen:
        raise PayablesError(N_("Choose at least one column."), field="column_1")
    if any(c not in BANK_FILE_FIELDS for c in chosen):
        raise PayablesError(N_("Choose columns from the list."), field="column_1")
    if len(set(chosen)) != len(chosen):
        raise PayablesError(N_("Each field can be one column only."), field="column_1")
    if delimiter not in DELIMITERS or decimal_separator not in DECIMAL_SEPARATORS:
        raise PayablesError(N_("Choose a delimiter and a decimal separator from the lists."))
    if delimiter == decimal_separator and "amount" in chosen:
        raise PayablesError(
            N_("The decimal separator cannot be the delimiter too."), field="decimal_separator"
        )
    others = db.session.scalars(
        select(BankFileFormat).where(BankFileFormat.id != (bank.id if bank else 0))
    ).all()
    for other in others:
        if other.name.lower() == name.lower():
            raise PayablesError(
                N_("A bank format named %(name)s exists already."), field="name", name=name
            )
        taken = set(codes) & set(other.currency_list)
        if taken:
            raise PayablesError(
                N_("%(currencies)s already use the bank format %(name)s."),
                field="currencies",
                currencies=", ".join(sorted(taken)),
                name=other.name,
            )
    before = _snapshot(bank) if bank else None
    if bank is None:
        bank = BankFileFormat()
        db.session.add(bank)
    bank.name, bank.currencies, bank.columns = name, ",".join(codes), ",".join(chosen)
    bank.delimiter, bank.decimal_separator, bank.header = delimiter, decimal_separator, header
    bank.updated_by_id, bank.updated_at = actor.id, utcnow()
    db.session.flush()
    record_event(actor, "payouts.bank_format.save", bank, before=before, after=_snapshot(bank))
    return bank


def _snapshot(bank: BankFileFormat) -> dict:
    return {
        "name": bank.name,
        "currencies": bank.currencies,
        "columns": bank.columns,
        "delimiter": bank.delimiter,
        "decimal_separator": bank.decimal_separator,
        "header": bank.header,
    }
