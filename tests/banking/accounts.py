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


def pay_everyone_waiting() -> None:
    """A verified account for every partner with open payable lines that has none yet."""
    from sqlalchemy import select

    from portal.models import Partner
    from workflows.payables.batches import open_lines

    rows = db.session.execute(open_lines()).all()
    partners = {partner.id: partner for _line, partner in rows}
    have = {
        (partner_id, currency)
        for partner_id, currency in db.session.execute(
            select(PayeeAccount.partner_id, PayeeAccount.currency)
        )
    }
    for n, partner in enumerate(sorted(partners.values(), key=lambda p: p.code)):
        if (partner.id, partner.currency) not in have and isinstance(partner, Partner):
            pay_to(partner, currency=partner.currency, n=n)


def one_batch(actor, **scope):
    """Every waiting partner paid into a verified account, then the one batch a build makes."""
    from workflows.payables.batches import build_batches

    pay_everyone_waiting()
    (batch,) = build_batches(actor=actor, **scope).batches
    return batch
