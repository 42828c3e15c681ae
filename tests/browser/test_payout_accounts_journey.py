"""A partner admin enters the organisation's IBAN in Chromium; finance sees it waiting, opens
its number (audited) and verifies it; the partner admin then sees it verified. Screenshots in
English, German and French are kept in test-artifacts/banking."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.models import AuditEvent, PayeeAccount

from ..factories import PASSWORD
from .nav import Shots, follow_nav, in_language, sign_out

pytestmark = pytest.mark.browser
shot = Shots("banking")
IBAN = "DE89370400440532013000"


def test_an_iban_entered_by_the_partner_is_verified_by_finance(
    committed_db, make_committed, redis, page, live_server, sign_in
):
    make = make_committed
    emea = make.territory("EMEA")
    acme = make.partner("ACME", emea)
    admin = make.user("partner_admin", partner=acme, email="paula@acme.example")
    finance = make.user("finance", email="fiona@vendor.example")
    committed_db.session.commit()

    sign_in(admin.email, PASSWORD)
    follow_nav(page, "Payout accounts")
    expect(page.get_by_text("No payout account yet")).to_be_visible()
    page.get_by_label("Account holder").fill("ACME Ltd")
    page.get_by_label("IBAN").fill("DE89 3704 0044 0532 0130 01")  # a typing error
    page.get_by_role("button", name="Submit for verification").click()
    expect(page.get_by_text("check digits")).to_be_visible()
    page.get_by_label("IBAN").fill("de89 3704 0044 0532 0130 00")
    page.get_by_role("button", name="Submit for verification").click()
    expect(page.get_by_text("Finance verifies it before payments go there.")).to_be_visible()
    row = page.locator("#payout-accounts tr[data-state='pending']")
    expect(row).to_contain_text("Pending verification")
    expect(row).to_contain_text("•••• 3000")
    expect(page.locator("body")).not_to_contain_text(IBAN)
    shot(page, "payout-accounts-en")
    page.goto(f"{live_server}/payout-accounts?currency=USD")
    expect(page.get_by_label("ABA routing number")).to_be_visible()
    in_language(page, "de")
    shot(page, "payout-accounts-usd-de")
    in_language(page, "en")
    sign_out(page)

    sign_in(finance.email, PASSWORD)
    expect(page.locator("#queues")).to_contain_text("Payout accounts to verify")
    follow_nav(page, "Payout accounts to verify")
    shot(page, "verification-queue-en")
    page.get_by_role("link", name="Review").click()
    expect(page.locator("#account-details")).to_contain_text("•••• 3000")
    page.get_by_role("button", name="Show the full account number").click()
    expect(page.locator("[data-revealed]")).to_have_text("DE89 3704 0044 0532 0130 00")
    shot(page, "account-revealed-en")
    page.get_by_role("button", name="Verify").click()
    expect(page.locator("#account-state [data-state]")).to_have_attribute("data-state", "verified")
    in_language(page, "fr")
    shot(page, "account-verified-fr")
    in_language(page, "en")
    sign_out(page)

    sign_in(admin.email, PASSWORD)
    follow_nav(page, "Payout accounts")
    expect(page.locator("#payout-accounts tr[data-state='verified']")).to_contain_text("Verified")

    committed_db.session.rollback()  # a new snapshot: what the server committed
    account = committed_db.session.scalars(select(PayeeAccount)).one()
    assert (account.state, account.decided_by_id) == ("verified", finance.id)
    reveals = committed_db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "payee_account.reveal")
    ).all()
    assert [(e.actor_id, e.object_id) for e in reveals] == [(finance.id, str(account.id))]
    committed_db.session.rollback()
