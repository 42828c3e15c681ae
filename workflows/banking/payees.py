"""Which partners can be paid in a currency, and where: the one lookup payment files use.

A partner is payable in a currency when it has a verified account for it and no change waiting
for verification: a pending change holds its lines, because a changed account is the classic
road to stolen payouts and the old account may be the one the partner just closed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from sqlalchemy import Select, bindparam, select

from portal.extensions import db
from portal.models import PayeeAccount

from .vault import unseal


@dataclass(frozen=True)
class PayeeDetails:
    """A verified account, opened: what a payment file needs to pay the partner."""

    account_id: int
    partner_id: int
    currency: str
    scheme: str
    country: str
    holder_name: str
    bic: str | None
    iban: str | None = None
    routing_number: str | None = None
    sort_code: str | None = None
    account_number: str | None = None


def open_account(account: PayeeAccount) -> PayeeDetails:
    fields = unseal(account.secret)
    return PayeeDetails(
        account_id=account.id,
        partner_id=account.partner_id,
        currency=account.currency,
        scheme=account.scheme,
        country=account.country,
        holder_name=account.holder_name,
        bic=account.bic,
        iban=fields.get("iban"),
        routing_number=fields.get("routing_number"),
        sort_code=fields.get("sort_code"),
        account_number=fields.get("account_number"),
    )


@cache
def _account_states() -> Select:
    """Partner and state of the pending and verified accounts of some partners in one currency;
    built once per process, bound per call: partner_ids and currency."""
    return select(PayeeAccount.partner_id, PayeeAccount.state).where(
        PayeeAccount.partner_id.in_(bindparam("partner_ids", expanding=True)),
        PayeeAccount.currency == bindparam("currency", type_=PayeeAccount.currency.type),
        PayeeAccount.state.in_(("pending", "verified")),
    )


def hold_reasons(partner_ids: Iterable[int], currency: str) -> dict[int, str]:
    """Why each of these partners cannot be paid in `currency` now, if it cannot:
    `no_account` (none verified) or `change_pending` (a new account awaits verification)."""
    ids = set(partner_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        _account_states(), {"partner_ids": list(ids), "currency": currency}
    ).all()
    states: dict[int, set[str]] = {}
    for partner_id, state in rows:
        states.setdefault(partner_id, set()).add(state)
    reasons = {}
    for partner_id in ids:
        held = states.get(partner_id, set())
        if "pending" in held:
            reasons[partner_id] = "change_pending"
        elif "verified" not in held:
            reasons[partner_id] = "no_account"
    return reasons


def verified_payees(partner_ids: Iterable[int], currency: str) -> dict[int, PayeeDetails]:
    """The opened verified account of each partner payable in `currency` (held ones left out)."""
    ids = set(partner_ids)
    held = hold_reasons(ids, currency)
    payable = ids - set(held)
    if not payable:
        return {}
    accounts = db.session.scalars(
        select(PayeeAccount).where(
            PayeeAccount.partner_id.in_(payable),
            PayeeAccount.currency == currency,
            PayeeAccount.state == "verified",
        )
    )
    return {account.partner_id: open_account(account) for account in accounts}
