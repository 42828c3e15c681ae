"""From an IBAN to a paid batch in Chromium: a partner admin enters the organisation's IBAN and
finance verifies it; finance builds the EUR batch (a partner whose bank account change awaits
verification is held, with the reason), a second finance user (reading French) approves it,
exports the pain.001 file, which is valid against its XSD and pays the IBAN entered, and marks
the batch paid on the bank's execution date; the partner's statement then shows that date."""

from __future__ import annotations

import pytest
import xmlschema
from playwright.sync_api import expect
from sqlalchemy import select

from portal.models import PayoutBatch, utcnow
from tests.banking.accounts import pay_to
from tests.calc.conftest import build_scenario
from tests.rewards.test_payment_files import SCHEMAS, settle

from ..factories import PASSWORD
from .nav import Shots, follow_nav, sign_out

pytestmark = pytest.mark.browser
shot = Shots("payment-files")


def test_finance_builds_approves_exports_and_marks_a_batch_paid(
    committed_db, make_committed, redis, page, live_server, sign_in, tmp_path
):
    session = committed_db.session
    scenario = build_scenario(make_committed)
    settle(make_committed, scenario, [(scenario.goldie, "1000"), (scenario.mover, "2000")])
    pay_to(scenario.mover)
    pay_to(scenario.mover, state="pending", n=1)  # a change waiting for verification
    scenario.finance_2.locale = "fr"
    rep = make_committed.user("partner_user", partner=scenario.goldie, email="g@goldie.example")
    owner = make_committed.user("partner_admin", partner=scenario.goldie, email="o@goldie.example")
    session.commit()

    sign_in(owner.email, PASSWORD)
    follow_nav(page, "Payout accounts")
    page.get_by_label("Account holder").fill("Goldie Ltd")
    page.get_by_label("IBAN").fill("DE89 3704 0044 0532 0130 00")
    page.get_by_role("button", name="Submit for verification").click()
    expect(page.get_by_text("Finance verifies it before payments go there.")).to_be_visible()
    sign_out(page)

    sign_in(scenario.finance.email, PASSWORD)
    follow_nav(page, "Payout accounts to verify")
    page.locator("tr", has_text="GOLDIE").get_by_role("link", name="Review").click()
    page.get_by_role("button", name="Verify").click()
    expect(page.locator("#account-state [data-state]")).to_have_attribute("data-state", "verified")
    follow_nav(page, "Payout batches")
    page.get_by_label("Currency").select_option("EUR")
    page.get_by_role("button", name="Build batches").click()
    expect(page.get_by_text("(EUR) built with 1 line.")).to_be_visible()
    held = page.get_by_test_id("held-MOVER")
    expect(held).to_contain_text("Bank account change awaiting verification")
    expect(held).to_contain_text("€16.67")
    expect(page.get_by_test_id("payee-GOLDIE")).to_contain_text("€8.33")
    expect(page.get_by_role("status")).to_contain_text("Awaiting approval by another finance user")
    shot(page, "batch-built-en")
    session.rollback()  # a new snapshot: what the server committed
    batch = session.scalars(select(PayoutBatch)).one()
    session.rollback()
    url = f"{live_server}/payout-batches/{batch.id}"

    sign_out(page)
    sign_in(scenario.finance_2.email, PASSWORD)
    page.goto(url)
    page.locator(f"form[action='/payout-batches/{batch.id}/approve'] button").click()
    export = page.locator(f"form[action='/payout-batches/{batch.id}/export']")
    expect(export.locator("select")).to_have_value("pain001")
    with page.expect_download() as download:
        export.locator("button").click()
    assert download.value.suggested_filename == f"payout-batch-{batch.id}.xml"
    path = tmp_path / "pain.xml"
    download.value.save_as(path)
    xml = path.read_text(encoding="utf-8")
    xmlschema.XMLSchema(str(SCHEMAS / "pain.001.001.03.xsd")).validate(xml)
    assert "<NbOfTxs>1</NbOfTxs>" in xml and "<CtrlSum>8.33</CtrlSum>" in xml
    assert "<IBAN>DE89370400440532013000</IBAN>" in xml and "<Nm>Goldie Ltd</Nm>" in xml

    page.goto(url)
    today = utcnow().date()
    paid = page.locator(f"form[action='/payout-batches/{batch.id}/paid']")
    paid.locator("input[name=executed_on]").fill(today.isoformat())
    paid.locator("button").click()
    expect(page.get_by_test_id("paid-on")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    shot(page, "batch-paid-fr")
    session.rollback()
    assert session.get(PayoutBatch, batch.id).executed_on == today
    session.rollback()

    page.context.clear_cookies()  # the French reader's menu words differ: leave by the cookie
    sign_in(rep.email, PASSWORD)
    page.goto(f"{live_server}/statements/{scenario.goldie.id}/2025-Q3")
    notes = page.locator("ul.small li")
    expect(notes.last).to_contain_text(f"paid in payout batch {batch.id}, executed by the bank on")
    expect(page.get_by_test_id("paid")).to_have_text("$10.00")  # in the program currency
    expect(notes.last).to_contain_text("€8.33")  # what the transfer sent, in EUR
    shot(page, "statement-paid-en")
