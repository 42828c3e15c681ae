"""The demo's payout accounts: every EMEA partner has a verified EUR account (so payout batches
export), Keystone a verified USD account (ABA routing), and Alpennetz's admin has just entered a
new EUR account that waits for finance to verify it (its EUR lines are held until then).

Accounts already verified are loaded as finance verified them at onboarding (audited as the
second finance user); the pending change goes through the service the page uses. A second load
adds nothing.
"""

from __future__ import annotations

from schwifty import IBAN
from sqlalchemy import select

from workflows.banking import accounts, vault
from workflows.banking.validation import check_account

from ..actors import actor_for
from ..extensions import db
from ..foundation.audit import record_event
from ..models import Partner, PayeeAccount, utcnow
from .data import DACH_PARTNER, LOGINS, PARTNERS
from .programs import CHECKER

# A real bank of each country (schwifty's registry knows most BICs; the others are given).
BANKS = {
    "DE": ("37040044", None),
    "AT": ("19043", "BKAUATWWXXX"),
    "CH": ("00762", "UBSWCHZH80A"),
    "FR": ("2004101005", None),
    "GB": ("NWBK601613", None),
    "IE": ("AIBK931152", None),
    "SE": ("500", None),
    "FI": ("123", "NDEAFIHHXXX"),
}
USD_PARTNER = ("KEYSTONE-GROUP", "011000015", "004417290")  # ABA routing, account number
NEW_IBAN = "DE89370400440532013000"
PARTNER_ADMIN = next(login.email for login in LOGINS if login.role == "partner_admin")


def _iban(country: str, index: int) -> tuple[str, str | None]:
    bank_code, bic = BANKS[country]
    iban = IBAN.generate(country, bank_code=bank_code, account_code=f"{4711000 + index * 37}")
    return str(iban.compact), bic


def _verified(partner: Partner, checker, **details) -> None:
    checked = check_account(
        holder_name=partner.name, partner_country=partner.country, tax_id=None, **details
    )
    account = PayeeAccount(
        partner_id=partner.id,
        currency=checked.currency,
        scheme=checked.scheme,
        country=checked.country,
        holder_name=checked.holder_name,
        bic=checked.bic,
        secret=vault.seal(checked.fields),
        last4=checked.last4,
        state="verified",
        decided_by_id=checker.id,
        decided_at=utcnow(),
    )
    db.session.add(account)
    db.session.flush()
    record_event(
        checker,
        "payee_account.verify",
        account,
        after={"partner": partner.code, "currency": account.currency, "state": "verified"},
    )


def load_demo_banking() -> int:
    """The demo's accounts; returns how many were added."""
    checker = actor_for(CHECKER)
    known = set(db.session.execute(select(PayeeAccount.partner_id, PayeeAccount.currency)).all())
    codes = [spec.code for spec in PARTNERS if spec.country in BANKS]
    partners = db.session.scalars(select(Partner).where(Partner.code.in_(codes))).all()
    added = 0
    for index, partner in enumerate(sorted(partners, key=lambda p: p.code)):
        if (partner.id, "EUR") in known:
            continue
        iban, bic = _iban(partner.country, index)
        _verified(partner, checker, currency="EUR", iban=iban, bic=bic)
        added += 1
    code, routing, number = USD_PARTNER
    keystone = db.session.scalar(select(Partner).where(Partner.code == code))
    if keystone is not None and (keystone.id, "USD") not in known:
        _verified(keystone, checker, currency="USD", routing_number=routing, account_number=number)
        added += 1
    alpennetz = db.session.scalar(select(Partner).where(Partner.code == DACH_PARTNER))
    if alpennetz is not None and (alpennetz.id, "EUR") not in known:
        accounts.enter_account(
            alpennetz,
            actor=actor_for(PARTNER_ADMIN),
            currency="EUR",
            holder_name=alpennetz.name,
            iban=NEW_IBAN,
            bic="COBADEFFXXX",
            tax_id="DE136695976",
        )
        added += 1
    db.session.commit()
    return added
