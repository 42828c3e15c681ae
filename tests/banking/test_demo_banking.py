"""The demo's payout accounts: verified EUR accounts for EMEA partners, a USD account by ABA
routing, and one change waiting for finance, whose verification works as on `portal up`."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from portal.demo import load_demo
from portal.demo.banking import load_demo_account_change, load_demo_banking
from portal.demo.data import PASSWORD
from portal.models import BankFileFormat, OutboxMessage, Partner, PayeeAccount, User
from workflows.banking import accounts
from workflows.banking.payees import hold_reasons, verified_payees

from ..conftest import csrf_token


def by_code(db, code: str) -> Partner:
    return db.session.scalars(select(Partner).where(Partner.code == code)).one()


def user(db, email: str) -> User:
    return db.session.scalars(select(User).where(User.email == email)).one()


def test_demo_accounts_and_the_verification_journey(db, redis, client, login, monkeypatch):
    monkeypatch.setattr("portal.models.users.PASSWORD_METHOD", "pbkdf2:sha256:1000")
    load_demo(db.session, today=date(2026, 9, 10))
    db.session.commit()
    added = load_demo_banking()
    assert added > 20
    assert load_demo_banking() == 0  # a second load adds nothing
    assert load_demo_account_change() == 1
    assert load_demo_account_change() == 0
    formats = db.session.scalar(select(func.count(BankFileFormat.id)))
    assert formats == 2
    assert db.session.scalar(select(func.count(PayeeAccount.id))) == added - formats + 1

    euro = [by_code(db, code) for code in ("ISARTEC", "LUMIERE-RESEAUX", "LIFFEY-SYSTEMS")]
    payable = verified_payees([p.id for p in euro], "EUR")
    assert set(payable) == {p.id for p in euro}
    assert all(details.iban and details.bic for details in payable.values())
    britannia = by_code(db, "BRITANNIA-GROUP")
    sterling = verified_payees([britannia.id], "GBP")[britannia.id]
    assert (sterling.scheme, sterling.sort_code) == ("gb_sort_code", "601613")
    elbe = by_code(db, "ELBE-IT")
    assert hold_reasons([elbe.id], "EUR") == {elbe.id: "no_account"}
    keystone = by_code(db, "KEYSTONE-GROUP")
    usd = verified_payees([keystone.id], "USD")[keystone.id]
    assert (usd.scheme, usd.routing_number) == ("us_aba", "011000015")

    alpennetz = by_code(db, "ALPENNETZ")
    assert hold_reasons([alpennetz.id], "EUR") == {alpennetz.id: "change_pending"}
    pending = db.session.scalars(select(PayeeAccount).where(PayeeAccount.state == "pending")).one()
    assert pending.partner_id == alpennetz.id
    assert db.session.scalar(
        select(func.count(OutboxMessage.id)).where(
            OutboxMessage.template == "payee_account_entered"
        )
    )

    finance = user(db, "finance@demo.example")
    assert accounts.ACCOUNTS.offered(pending, "verify", finance)
    login(finance, PASSWORD)
    page = client.get(f"/payout-accounts/{pending.id}").get_data(as_text=True)
    assert 'id="verify"' in page
    token = csrf_token(client, f"/payout-accounts/{pending.id}")
    answer = client.post(f"/payout-accounts/{pending.id}/verify", data={"csrf_token": token})
    assert answer.status_code == 302
    db.session.expire_all()
    assert hold_reasons([alpennetz.id], "EUR") == {}
    assert verified_payees([alpennetz.id], "EUR")[alpennetz.id].account_id == pending.id
