"""Sealed account numbers and the one lookup of who is payable where."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from portal.models import PayeeAccount
from workflows.banking import vault
from workflows.banking.payees import hold_reasons, verified_payees

IBAN = "DE89370400440532013000"


@pytest.fixture
def world(make):
    return make.territory("EMEA")


def account(db, partner, state, *, currency="EUR", iban=IBAN) -> PayeeAccount:
    row = PayeeAccount(
        partner_id=partner.id,
        currency=currency,
        scheme="iban",
        country="DE",
        holder_name=partner.name,
        bic="COBADEFFXXX",
        secret=vault.seal({"iban": iban}),
        last4=iban[-4:],
        state=state,
    )
    db.session.add(row)
    db.session.flush()
    return row


def test_sealed_numbers_are_not_stored_in_clear_and_open_again(db, make, world):
    partner = make.partner("ACME", world)
    row = account(db, partner, "verified")
    stored = db.session.execute(
        text("SELECT secret FROM payee_accounts WHERE id = :id"), {"id": row.id}
    ).scalar_one()
    assert IBAN not in stored and "0532" not in stored
    assert vault.unseal(stored) == {"iban": IBAN}
    assert vault.mask(row.last4) == "•••• 3000"


def test_a_rotated_key_still_opens_and_reseals_with_the_new_key(app, db, make):
    sealed = vault.seal({"iban": IBAN})
    old = app.config["SEALING_KEYS"]
    new = Fernet.generate_key().decode()
    app.config["SEALING_KEYS"] = f"{new},{old}"
    try:
        assert vault.unseal(sealed) == {"iban": IBAN}
        resealed = vault.reseal(sealed)
        app.config["SEALING_KEYS"] = new
        assert vault.unseal(resealed) == {"iban": IBAN}
        with pytest.raises(vault.VaultError):
            vault.unseal(sealed)
    finally:
        app.config["SEALING_KEYS"] = old


def test_tampered_sealed_value_is_refused(db):
    sealed = vault.seal({"iban": IBAN})
    with pytest.raises(vault.VaultError):
        vault.unseal(sealed[:-4] + ("AAAA" if not sealed.endswith("AAAA") else "BBBB"))


def test_hold_reasons_and_verified_payees(db, make, world):
    paid, changing, none, other_currency = (make.partner(code, world) for code in "ABCD")
    account(db, paid, "verified")
    account(db, changing, "verified")
    account(db, changing, "pending", iban="FR1420041010050500013M02606")
    account(db, none, "rejected")
    account(db, other_currency, "verified", currency="USD")
    ids = [paid.id, changing.id, none.id, other_currency.id]

    assert hold_reasons(ids, "EUR") == {
        changing.id: "change_pending",
        none.id: "no_account",
        other_currency.id: "no_account",
    }
    payees = verified_payees(ids, "EUR")
    assert list(payees) == [paid.id]
    assert payees[paid.id].iban == IBAN and payees[paid.id].bic == "COBADEFFXXX"


def test_one_pending_and_one_verified_account_per_partner_and_currency(db, make, world):
    partner = make.partner("ACME", world)
    account(db, partner, "verified")
    account(db, partner, "pending")
    account(db, partner, "superseded")
    account(db, partner, "pending", currency="USD")
    with pytest.raises(IntegrityError), db.session.begin_nested():
        account(db, partner, "pending")
