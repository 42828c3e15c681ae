"""The demo's payout accounts and bank file formats, so payout batches build, hold and export.

Every partner in a country with a demo bank has a verified account in its own currency, loaded
as finance verified it at onboarding (audited as the second finance user): an IBAN and BIC for
euro, Swiss franc and Swedish krona partners, a UK sort code and account number for sterling,
an ABA routing number for dollars. Elbe IT-Solutions has no account yet, so its lines wait
outside batches. Last (`load_demo_account_change`), Alpennetz's admin enters a new EUR account
(through the service the page uses, so its partner admins are e-mailed) that waits for finance
to verify it. Two banks' payment CSV layouts are mapped. A second load adds nothing.
"""

from __future__ import annotations

from schwifty import IBAN
from sqlalchemy import select

from workflows.banking import accounts
from workflows.banking.validation import check_account

from ..actors import actor_for
from ..extensions import db
from ..foundation.audit import record_event
from ..models import BankFileFormat, Partner, PayeeAccount, utcnow
from .data import COUNTRY_CURRENCY, DACH_PARTNER, LOGINS, PARTNERS

CHECKER = "finance2@demo.example"
PARTNER_ADMIN = next(login.email for login in LOGINS if login.role == "partner_admin")
NO_ACCOUNT = ("ELBE-IT",)
# A real bank of each country (schwifty's registry knows most BICs; the others are given).
BANKS = {
    "DE": ("37040044", None),
    "AT": ("19043", "BKAUATWWXXX"),
    "CH": ("00762", "UBSWCHZH80A"),
    "FR": ("2004101005", None),
    "IE": ("AIBK931152", None),
    "SE": ("500", None),
    "FI": ("123", "NDEAFIHHXXX"),
}
SORT_CODE = "601613"  # NatWest
ROUTING_NUMBER = "011000015"  # Federal Reserve Bank of Boston
NEW_IBAN = "DE89370400440532013000"  # Alpennetz's change, waiting for verification
FORMATS = (
    ("Harbor Bank bulk ACH", "USD", "payee_name,routing_code,account_number,amount,reference", ","),
    ("Thames Bank bulk payments", "CHF,GBP,SEK",
     "payee_name,account_number,bic,amount,currency,reference,execution_date", ","),
)  # fmt: skip


def _details(partner: Partner, index: int) -> dict[str, str | None] | None:
    """The demo account of a partner in its own currency, or None where there is no demo bank."""
    if partner.country == "US":
        return {"routing_number": ROUTING_NUMBER, "account_number": f"{4417290 + index * 37:09d}"}
    if partner.country == "GB":
        return {"sort_code": SORT_CODE, "account_number": f"{31926819 + index * 37:08d}"}
    if partner.country not in BANKS:
        return None
    bank_code, bic = BANKS[partner.country]
    iban = IBAN.generate(
        partner.country, bank_code=bank_code, account_code=f"{4711000 + index * 37}"
    )
    return {"iban": str(iban.compact), "bic": bic}


def _verified(partner: Partner, checker, currency: str, details: dict) -> None:
    checked = check_account(
        currency=currency, holder_name=partner.name, partner_country=partner.country, **details
    )
    account = accounts.sealed_account(
        partner, checked, state="verified", decided_by_id=checker.id, decided_at=utcnow()
    )
    record_event(
        checker,
        "payee_account.verify",
        account,
        after={"partner": partner.code, "currency": account.currency, "state": "verified"},
    )


def load_demo_banking() -> int:
    """The demo's accounts and bank file formats that are missing; returns how many were added."""
    checker = actor_for(CHECKER)
    known = set(db.session.execute(select(PayeeAccount.partner_id, PayeeAccount.currency)).all())
    codes = [spec.code for spec in PARTNERS if spec.code not in NO_ACCOUNT]
    partners = db.session.scalars(select(Partner).where(Partner.code.in_(codes))).all()
    added = 0
    for index, partner in enumerate(sorted(partners, key=lambda p: p.code)):
        currency = COUNTRY_CURRENCY.get(partner.country)
        details = _details(partner, index)
        if currency is None or details is None or (partner.id, currency) in known:
            continue
        _verified(partner, checker, currency, details)
        added += 1
    mapped = set(db.session.scalars(select(BankFileFormat.name)))
    for name, currencies, columns, delimiter in FORMATS:
        if name not in mapped:
            db.session.add(
                BankFileFormat(
                    name=name,
                    currencies=currencies,
                    columns=columns,
                    delimiter=delimiter,
                    decimal_separator=".",
                    header=True,
                )
            )
            added += 1
    db.session.flush()
    return added


def load_demo_account_change() -> int:
    """Alpennetz's admin enters a new EUR account, after the demo's batches and payments were
    made: it waits for finance to verify it, and holds Alpennetz's EUR payments until then."""
    alpennetz = db.session.scalar(select(Partner).where(Partner.code == DACH_PARTNER))
    pending = select(PayeeAccount.id).where(PayeeAccount.state == "pending")
    if alpennetz is None or db.session.scalar(pending.limit(1)) is not None:
        return 0
    accounts.enter_account(
        alpennetz,
        actor=actor_for(PARTNER_ADMIN),
        currency="EUR",
        holder_name=alpennetz.name,
        iban=NEW_IBAN,
        bic="COBADEFFXXX",
        tax_id="DE136695976",
    )
    db.session.commit()
    return 1
