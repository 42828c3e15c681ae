"""Payee accounts for tests that pay partners, made directly as finance would verify them."""

from __future__ import annotations

from portal.extensions import db
from portal.models import PayeeAccount
from workflows.banking import vault

IBANS = ("DE89370400440532013000", "FR1420041010050500013M02606", "NL91ABNA0417164300")
BICS = ("COBADEFFXXX", "BNPAFRPPXXX", "ABNANL2AXXX")


def pay_to(partner, *, currency: str = "EUR", state: str = "verified", n: int = 0, **fields):
    """A `state` account of `partner` for `currency`: an IBAN one, or the given sealed fields."""
    iban = IBANS[n % len(IBANS)]
    secret = fields or {"iban": iban}
    number = next(iter(secret.values()))
    row = PayeeAccount(
        partner_id=partner.id,
        currency=currency,
        scheme="iban" if "iban" in secret else "us_aba",
        country=iban[:2] if "iban" in secret else "US",
        holder_name=partner.name,
        bic=BICS[n % len(BICS)] if "iban" in secret else None,
        secret=vault.seal(secret),
        last4=number[-4:],
        state=state,
    )
    db.session.add(row)
    db.session.flush()
    return row
