"""Demo payout accounts and bank file formats, so batches can be built and exported.

Partners in Germany, Austria, France, Switzerland, the UK and Ireland get a verified IBAN account
in their currency and US partners an ABA one; Elbe IT-Solutions has none yet and Seine
Informatique has a change waiting for verification, so a batch shows both kinds of hold. Partners
elsewhere have no account. What exists already is left as it is.
"""

from __future__ import annotations

from sqlalchemy import select

from workflows.banking import vault

from ..extensions import db
from ..models import BankFileFormat, Partner, PayeeAccount
from . import data

NO_ACCOUNT = ("ELBE-IT",)
CHANGE_PENDING = ("SEINE-INFO",)
BBAN = {  # country → (BIC, bank and branch part of the BBAN, account digits)
    "DE": ("COBADEFFXXX", "37040044", 10),
    "AT": ("BKAUATWWXXX", "12000", 11),
    "CH": ("UBSWCHZH80A", "00230", 12),
    "GB": ("NWBKGB2LXXX", "NWBK601613", 8),
    "IE": ("AIBKIE2DXXX", "AIBK931152", 8),
    "FR": ("BNPAFRPPXXX", "3000400003", 11),
}
FORMATS = (
    ("Harbor Bank bulk ACH", "USD", "payee_name,routing_code,account_number,amount,reference", ","),
    ("Thames Bank bulk payments", "CHF,GBP",
     "payee_name,account_number,bic,amount,currency,reference,execution_date", ","),
)  # fmt: skip


def _iban(country: str, bban: str) -> str:
    """An IBAN with the right check digits (ISO 13616: mod 97 of the rearranged number)."""
    digits = "".join(str(int(c, 36)) for c in bban + country + "00")
    return f"{country}{98 - int(digits) % 97:02d}{bban}"


def _rib_key(bban: str) -> str:
    """The French national check digits of bank + branch + account (numeric accounts)."""
    bank, branch, account = int(bban[:5]), int(bban[5:10]), int(bban[10:])
    return f"{97 - (89 * bank + 15 * branch + 3 * account) % 97:02d}"


def _account_fields(spec: data.PartnerSpec, n: int) -> tuple[str, str | None, dict] | None:
    if spec.country == "US":
        return "us_aba", None, {"routing_number": "011000015", "account_number": f"4000{n:06d}"}
    if spec.country not in BBAN:
        return None
    bic, prefix, digits = BBAN[spec.country]
    bban = prefix + f"{7000 + n:0{digits}d}"
    if spec.country == "FR":
        bban += _rib_key(bban)
    return "iban", bic, {"iban": _iban(spec.country, bban)}


def ensure_demo_payees() -> int:
    """Add the demo accounts and bank file formats that are missing; returns how many."""
    partners = {
        p.code: p
        for p in db.session.scalars(
            select(Partner).where(Partner.code.in_([s.code for s in data.PARTNERS]))
        )
    }
    have = set(db.session.scalars(select(PayeeAccount.partner_id)))
    added = 0
    for n, spec in enumerate(data.PARTNERS):
        partner = partners.get(spec.code)
        if partner is None or partner.id in have or spec.code in NO_ACCOUNT:
            continue
        fields = _account_fields(spec, n)
        if fields is None:
            continue
        states = ("verified", "pending") if spec.code in CHANGE_PENDING else ("verified",)
        for k, state in enumerate(states):
            scheme, bic, secret = _account_fields(spec, n + 50 * k)
            number = next(iter(secret.values())) if scheme == "iban" else secret["account_number"]
            db.session.add(
                PayeeAccount(
                    partner_id=partner.id,
                    currency=partner.currency,
                    scheme=scheme,
                    country=spec.country,
                    holder_name=partner.name,
                    bic=bic,
                    secret=vault.seal(secret),
                    last4=number[-4:],
                    state=state,
                )
            )
            added += 1
    known = set(db.session.scalars(select(BankFileFormat.name)))
    for name, currencies, columns, delimiter in FORMATS:
        if name not in known:
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
