"""The batch page as finance uses it: held partners with the reason and what unblocks them,
export, mark paid, a returned transfer; the partner's statement shows the execution date; the
bank file formats page maps a bank once."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from portal.models import AuditEvent, BankFileFormat, PayoutBatch, utcnow
from tests.banking.accounts import pay_to
from tests.calc.conftest import build_scenario
from tests.conftest import csrf_token
from tests.rewards.test_payment_files import settle


@pytest.fixture
def scenario(make):
    return build_scenario(make)


def _logout(client):
    client.post("/logout", data={"csrf_token": csrf_token(client, "/payout-batches")})


def test_build_names_the_held_partners_and_the_batch_page_says_why(
    client, login, db, redis, make, scenario
):
    settle(make, scenario, [(scenario.goldie, "1000"), (scenario.mover, "2000"),
                            (scenario.branch_1, "3000")])  # fmt: skip
    pay_to(scenario.goldie)
    pay_to(scenario.mover)
    pay_to(scenario.mover, state="pending", n=1)
    login(scenario.finance)
    token = csrf_token(client, "/payout-batches")
    built = client.post(
        "/payout-batches", data={"csrf_token": token, "currency": "EUR"}, follow_redirects=True
    )
    html = built.get_data(as_text=True)
    batch = db.session.scalars(select(PayoutBatch)).one()
    assert f"Batch {batch.id} (EUR) built with 1 line." in html
    assert "Held: MOVER Ltd, €16.67 — Bank account change awaiting verification." in html
    assert "Held: BRANCH-1 Ltd, €25.00 — No verified bank account for EUR." in html
    # the build lands on the batch page, which lists the held partners with the next step
    assert f"Payout batch {batch.id}" in html
    assert 'data-testid="held-MOVER"' in html and 'data-testid="held-BRANCH-1"' in html
    assert "A finance user other than who entered it verifies the change." in html
    assert "Awaiting approval by another finance user" in html
    bad = client.post("/payout-batches", data={"csrf_token": token, "currency": "eur<script>"})
    assert bad.status_code == 400


def test_export_mark_paid_and_the_statement_shows_the_execution_date(
    client, login, db, redis, make, scenario
):
    settle(make, scenario, [(scenario.goldie, "1000")])
    pay_to(scenario.goldie)
    rep = make.user("partner_user", partner=scenario.goldie, email="g@goldie.example")
    from workflows.payables import batches

    batch, _held = batches.build_batch(actor=scenario.finance, currency="EUR")
    batches.approve_batch(batch, actor=scenario.finance_2)
    login(scenario.finance)
    page = f"/payout-batches/{batch.id}"
    token = csrf_token(client, page)
    assert client.get(f"{page}/file").status_code == 404  # nothing exported yet
    exported = client.post(f"{page}/export", data={"csrf_token": token, "file_format": ""})
    assert exported.mimetype == "application/xml"
    html = client.get(page).get_data(as_text=True)
    assert f'href="{page}/file"' in html and "Mark paid" in html
    future = client.post(
        f"{page}/paid",
        data={"csrf_token": token, "executed_on": "2999-01-01"},
        follow_redirects=True,
    )
    assert "The execution date must lie between the export" in future.get_data(as_text=True)
    garbage = client.post(
        f"{page}/paid", data={"csrf_token": token, "executed_on": "soon"}, follow_redirects=True
    )
    assert garbage.status_code == 200 and "Not a valid date value." in garbage.get_data(
        as_text=True
    )
    today = utcnow().date()
    done = client.post(
        f"{page}/paid",
        data={"csrf_token": token, "executed_on": today.isoformat()},
        follow_redirects=True,
    )
    assert f"Batch {batch.id} marked paid." in done.get_data(as_text=True)
    db.session.refresh(batch)
    assert batch.executed_on == today
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "payouts.batch.paid")
    ).one()
    assert event.after["executed_on"] == today.isoformat()
    _logout(client)
    login(rep)
    statement = client.get(f"/statements/{scenario.goldie.id}/2025-Q3").get_data(as_text=True)
    assert f"paid in payout batch {batch.id}, executed by the bank on" in statement
    rows = list(
        csv.DictReader(
            io.StringIO(
                client.get(f"/statements/{scenario.goldie.id}/2025-Q3.csv").get_data(as_text=True)
            )
        )
    )
    assert rows[0]["paid_on"] == today.isoformat() and rows[0]["paid"] == "10.00"


def test_a_returned_transfer_is_recorded_on_the_page_and_the_statement(
    client, login, db, redis, make, scenario
):
    settle(make, scenario, [(scenario.goldie, "1000")])
    pay_to(scenario.goldie)
    rep = make.user("partner_user", partner=scenario.goldie, email="g@goldie.example")
    from workflows.payables import batches

    batch, _held = batches.build_batch(actor=scenario.finance, currency="EUR")
    batches.approve_batch(batch, actor=scenario.finance_2)
    batches.export_batch(batch, actor=scenario.finance)
    login(scenario.finance)
    page = f"/payout-batches/{batch.id}"
    token = csrf_token(client, page)
    empty = client.post(
        f"{page}/returned",
        data={"csrf_token": token, "partner_id": scenario.goldie.id, "reason": ""},
        follow_redirects=True,
    )
    assert "This field is required." in empty.get_data(as_text=True)
    other = client.post(
        f"{page}/returned",
        data={"csrf_token": token, "partner_id": scenario.mover.id, "reason": "x"},
    )
    assert other.status_code == 302  # not a payee of this batch: refused, nothing changed
    returned = client.post(
        f"{page}/returned",
        data={"csrf_token": token, "partner_id": scenario.goldie.id, "reason": "AC04 closed"},
        follow_redirects=True,
    )
    html = returned.get_data(as_text=True)
    assert "The payment to GOLDIE Ltd is recorded as returned" in html
    assert "AC04 closed" in html and "payable again" in html
    _logout(client)
    login(rep)
    statement = client.get(f"/statements/{scenario.goldie.id}/2025-Q3").get_data(as_text=True)
    assert "was returned by the bank (AC04 closed)" in statement


def test_bank_formats_are_mapped_once_per_bank(client, login, db, scenario):
    login(scenario.finance)
    token = csrf_token(client, "/payout-batches/bank-formats")
    base = {
        "csrf_token": token,
        "name": "Harbor Bank bulk ACH",
        "currencies": "usd, cad",
        "column_1": "payee_name",
        "column_2": "routing_code",
        "column_3": "account_number",
        "column_4": "amount",
        "delimiter": ";",
        "decimal_separator": ",",
        "header": "y",
    }
    saved = client.post("/payout-batches/bank-formats", data=base, follow_redirects=True)
    assert "Bank format Harbor Bank bulk ACH saved." in saved.get_data(as_text=True)
    bank = db.session.scalars(select(BankFileFormat)).one()
    assert (bank.currencies, bank.columns, bank.delimiter, bank.decimal_separator) == (
        "CAD,USD",
        "payee_name,routing_code,account_number,amount",
        ";",
        ",",
    )
    taken = client.post(
        "/payout-batches/bank-formats", data={**base, "name": "Another bank", "currencies": "USD"}
    )
    assert taken.status_code == 422
    assert "USD already use the bank format Harbor Bank bulk ACH." in taken.get_data(as_text=True)
    twice = client.post(
        "/payout-batches/bank-formats",
        data={**base, "name": "Twice", "currencies": "GBP", "column_2": "payee_name"},
    )
    assert twice.status_code == 422 and "Each field can be one column only." in twice.get_data(
        as_text=True
    )
    unknown = client.post(
        "/payout-batches/bank-formats", data={**base, "column_1": "password", "name": "X"}
    )
    assert unknown.status_code == 400
    same = client.post(
        "/payout-batches/bank-formats",
        data={**base, "name": "Y", "currencies": "SEK", "decimal_separator": ";"},
    )
    assert same.status_code == 400  # not a decimal separator the page offers
    edit = client.get(f"/payout-batches/bank-formats/{bank.id}").get_data(as_text=True)
    assert 'value="Harbor Bank bulk ACH"' in edit
    changed = client.post(
        "/payout-batches/bank-formats",
        data={**base, "bank_id": bank.id, "header": "", "currencies": "USD"},
        follow_redirects=True,
    )
    assert changed.status_code == 200
    db.session.refresh(bank)
    assert (bank.currencies, bank.header) == ("USD", False)
    assert len(db.session.scalars(select(BankFileFormat)).all()) == 1
