"""The payout account pages: partner admins enter accounts, finance verifies and reveals; the
numbers stay masked everywhere else, and nobody sees another partner's accounts."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from portal.models import AuditEvent, PayeeAccount
from workflows.banking import accounts

from ..conftest import csrf_token
from .conftest import FR_IBAN, IBAN

LINK = re.compile(r"/payout-accounts/(\d+)")


def enter_page(client, **fields):
    token = csrf_token(client, "/payout-accounts")
    data = {"currency": "EUR", "holder_name": "ACME Ltd", "csrf_token": token, **fields}
    return client.post("/payout-accounts", data=data)


def count(db) -> int:
    return db.session.scalar(select(func.count(PayeeAccount.id)))


def test_partner_admin_enters_an_iban_and_sees_it_pending_masked(client, db, login, bank):
    login(bank.acme_admin)
    page = client.get("/payout-accounts").get_data(as_text=True)
    assert "No payout account yet" in page and 'name="iban"' in page
    answer = enter_page(client, iban="de89 3704 0044 0532 0130 00", bic="", tax_id="136695976")
    assert answer.status_code == 302
    page = client.get("/payout-accounts").get_data(as_text=True)
    assert "Pending verification" in page and "•••• 3000" in page
    assert IBAN not in page and "0532 0130" not in page
    assert "submitted. Finance verifies it" in page


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"iban": "DE89370400440532013001"}, "check digits"),
        ({"iban": "SA0380000000608010167519"}, "outside the SEPA zone"),
        ({"iban": IBAN, "bic": "BNPAFRPPXXX"}, "is of a bank in FR"),
        ({"iban": IBAN, "holder_name": ""}, "account holder"),
        ({"iban": IBAN, "tax_id": "DE136695977"}, "not a valid tax id"),
        ({"iban": IBAN, "currency": "XYZ"}, "not a currency"),
        ({"iban": "9" * 5000}, ""),
    ],
)
def test_bad_details_are_refused_on_the_page_and_nothing_is_written(
    client, db, login, bank, fields, says
):
    login(bank.acme_admin)
    answer = enter_page(client, **fields)
    assert answer.status_code == 400
    assert says in answer.get_data(as_text=True)
    assert count(db) == 0


@pytest.mark.parametrize(
    ("currency", "shown", "hidden"),
    [
        ("USD", ("routing_number", "account_number"), ("iban", "sort_code")),
        ("GBP", ("sort_code", "account_number"), ("iban", "routing_number")),
        ("chf", ("iban", "bic"), ("routing_number", "sort_code")),
        ("XYZ", ("iban", "bic"), ("routing_number",)),  # not a currency: the organisation's own
    ],
)
def test_the_form_shows_the_fields_of_the_currencys_scheme(
    client, login, bank, currency, shown, hidden
):
    login(bank.acme_admin)
    answer = client.get(f"/payout-accounts?currency={currency}")
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    for name in shown:
        assert f'name="{name}"' in page
    for name in hidden:
        assert f'name="{name}"' not in page


def test_a_usd_account_by_aba_routing(client, db, login, bank):
    login(bank.beta_admin)
    token = csrf_token(client, "/payout-accounts?currency=USD")
    data = {"currency": "USD", "holder_name": "Beta Inc", "routing_number": "011000015",
            "account_number": "12345678", "tax_id": "04-2103594", "csrf_token": token}  # fmt: skip
    assert client.post("/payout-accounts", data=data).status_code == 302
    (account,) = db.session.scalars(select(PayeeAccount)).all()
    assert (account.scheme, account.currency, account.last4) == ("us_aba", "USD", "5678")


def test_finance_reviews_reveals_and_verifies(app, client, db, login, bank):
    account = accounts.enter_account(
        bank.acme, actor=bank.acme_admin, currency="EUR", holder_name="ACME Ltd", iban=IBAN
    )
    db.session.commit()
    login(bank.finance)
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "Payout accounts to verify" in dashboard
    queue = client.get("/payout-accounts/review").get_data(as_text=True)
    assert f"/payout-accounts/{account.id}" in queue and IBAN not in queue
    assert "new account" in queue
    page = client.get(f"/payout-accounts/{account.id}")
    assert page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    assert 'id="verify"' in html and "Reject" in html and IBAN not in html
    token = csrf_token(client, f"/payout-accounts/{account.id}")
    revealed = client.post(f"/payout-accounts/{account.id}/reveal", data={"csrf_token": token})
    assert revealed.status_code == 200 and revealed.headers["Cache-Control"] == "no-store"
    assert "DE89 3704 0044 0532 0130 00" in revealed.get_data(as_text=True)
    (event,) = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "payee_account.reveal")
    ).all()
    assert event.object_id == str(account.id) and IBAN not in str(event.after)
    answer = client.post(f"/payout-accounts/{account.id}/verify", data={"csrf_token": token})
    assert answer.status_code == 302
    db.session.expire_all()
    assert db.session.get(PayeeAccount, account.id).state == "verified"
    after = client.get(f"/payout-accounts/{account.id}").get_data(as_text=True)
    assert 'id="verify"' not in after and "Account number shown" in after


def test_a_rejection_without_reason_is_refused(client, db, login, bank):
    account = accounts.enter_account(
        bank.acme, actor=bank.acme_admin, currency="EUR", holder_name="ACME Ltd", iban=IBAN
    )
    db.session.commit()
    login(bank.finance)
    token = csrf_token(client, f"/payout-accounts/{account.id}")
    url = f"/payout-accounts/{account.id}/reject"
    assert client.post(url, data={"csrf_token": token, "reason": " "}).status_code == 400
    db.session.expire_all()
    assert db.session.get(PayeeAccount, account.id).state == "pending"
    assert client.post(url, data={"csrf_token": token, "reason": "Wrong holder"}).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/dashboard")})
    login(bank.acme_admin)
    page = client.get("/payout-accounts").get_data(as_text=True)
    assert "Rejected" in page and "Wrong holder" in page


@pytest.mark.parametrize("who", ["acme_user", "manager", "admin"])
def test_others_see_no_bank_accounts(client, db, login, bank, who):
    account = accounts.enter_account(
        bank.acme, actor=bank.acme_admin, currency="EUR", holder_name="ACME Ltd", iban=IBAN
    )
    db.session.commit()
    login(getattr(bank, who))
    for path in ("/payout-accounts", "/payout-accounts/review", f"/payout-accounts/{account.id}"):
        assert client.get(path).status_code == 403, path
    token = csrf_token(client, "/dashboard")
    for action in ("reveal", "verify"):
        url = f"/payout-accounts/{account.id}/{action}"
        assert client.post(url, data={"csrf_token": token}).status_code == 403


def test_partner_b_never_sees_partner_as_accounts(client, db, login, bank):
    accounts.enter_account(
        bank.acme, actor=bank.acme_admin, currency="EUR", holder_name="Acme Secret Holder",
        iban=FR_IBAN, bic="PSSTFRPPXXX",
    )  # fmt: skip
    db.session.commit()
    login(bank.beta_admin)
    page = client.get("/payout-accounts").get_data(as_text=True)
    assert "Acme Secret Holder" not in page and "2606" not in page
    assert client.get("/payout-accounts/review").status_code == 403


def test_finance_cannot_enter_accounts_for_partners(client, db, login, bank):
    login(bank.finance)
    assert client.get("/payout-accounts").status_code == 403
    token = csrf_token(client, "/dashboard")
    data = {"currency": "EUR", "holder_name": "X", "iban": IBAN, "csrf_token": token}
    assert client.post("/payout-accounts", data=data).status_code == 403
    assert count(db) == 0


def test_the_command_line_shows_masked_accounts_and_their_state(app, db, bank):
    account = accounts.enter_account(
        bank.acme, actor=bank.acme_admin, currency="EUR", holder_name="=HYPERLINK()", iban=IBAN
    )
    accounts.reject_account(account, actor=bank.finance, reason="Call us, please")
    db.session.commit()
    runner = app.test_cli_runner()
    shown = runner.invoke(args=["partners", "bank-account", "ACME"])
    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    assert lines[0].startswith("id,currency,state,scheme")
    assert "EUR,rejected,iban,DE,'=HYPERLINK(),•••• 3000,COBADEFFXXX" in lines[1]
    assert "Call us" in lines[1] and IBAN not in shown.output
    as_admin = runner.invoke(
        args=["partners", "bank-account", "ACME", "--as", bank.acme_admin.email]
    )
    assert as_admin.exit_code == 0 and "•••• 3000" in as_admin.output
    other = runner.invoke(args=["partners", "bank-account", "ACME", "--as", bank.beta_admin.email])
    assert other.exit_code == 1 and "no partner with code ACME" in other.output
    manager = runner.invoke(args=["partners", "bank-account", "ACME", "--as", bank.manager.email])
    assert manager.exit_code == 1 and "not allowed" in manager.output
    unknown = runner.invoke(args=["partners", "bank-account", "NOPE"])
    assert unknown.exit_code == 1 and "no partner with code NOPE" in unknown.output
    assert runner.invoke(args=["partners", "bank-account"]).exit_code == 2
    empty = runner.invoke(args=["partners", "bank-account", "BETA"])
    assert empty.exit_code == 0 and "BETA has no payout account." in empty.output


def test_no_page_export_or_api_answer_shows_a_full_number(client, db, login, bank):
    """After a whole journey (entered, revealed, verified, changed, rejected) the audit log, its
    CSV export and the API answers hold no account number; only the reveal page showed one."""
    first = accounts.enter_account(
        bank.acme, actor=bank.acme_admin, currency="EUR", holder_name="ACME Ltd", iban=IBAN
    )
    accounts.reveal_account(first, actor=bank.finance)
    accounts.verify_account(first, actor=bank.finance)
    change = accounts.enter_account(
        bank.acme, actor=bank.acme_admin, currency="EUR", holder_name="ACME Ltd", iban=FR_IBAN,
        bic="PSSTFRPPXXX",
    )  # fmt: skip
    accounts.reject_account(change, actor=bank.finance, reason="Call us")
    db.session.commit()
    login(bank.finance)
    paths = ("/audit/", "/audit/export.csv", "/payout-accounts/review",
             f"/payout-accounts/{first.id}", f"/payout-accounts/{change.id}", "/dashboard",
             "/api/v1/partners")  # fmt: skip
    for path in paths:
        with client.get(path) as answer:
            body = answer.get_data(as_text=True)
        assert answer.status_code in (200, 401), path
        for number in (IBAN, FR_IBAN, "370400440532013000", "20041010050500013M02606"):
            assert number not in body, (path, number)


def _hold_on_dashboard(client) -> tuple[str | None, bool]:
    page = client.get("/dashboard").get_data(as_text=True)
    found = re.search(r'id="payment-hold" data-reason="(\w+)"', page)
    return (found.group(1) if found else None), 'id="payment-hold-link"' in page


def test_the_partner_dashboard_says_why_payments_are_held(client, db, login, bank):
    login(bank.acme_admin)
    assert _hold_on_dashboard(client) == ("no_account", True)  # the admin can fix it: a link
    first = accounts.enter_account(
        bank.acme, actor=bank.acme_admin, currency="EUR", holder_name="ACME Ltd", iban=IBAN
    )
    accounts.verify_account(first, actor=bank.finance)
    db.session.commit()
    assert _hold_on_dashboard(client) == (None, False)
    accounts.enter_account(
        bank.acme, actor=bank.acme_admin, currency="EUR", holder_name="ACME Ltd", iban=FR_IBAN
    )
    db.session.commit()
    page = client.get("/dashboard").get_data(as_text=True)
    assert "verification: payments in EUR are held until it is verified" in page
    client.post("/logout", data={"csrf_token": csrf_token(client, "/dashboard")})
    login(bank.acme_user)  # a partner user reads why, without a link it could not follow
    assert _hold_on_dashboard(client) == ("change_pending", False)
