"""From a partner's fund request to the payout, in Chromium: the partner proposes an activity
(fund chosen in the searchable picker), the channel manager approves a lower amount from the
review queue, the partner files the claim with a proof PDF, the manager approves it, finance
builds, approves (a second person) and downloads the payout batch, and the partner sees the
claim paid on the request and its dashboard."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.models import MdfActivityType, MdfClaim, MdfRequest, utcnow
from tests.banking.accounts import pay_to
from workflows.mdf import funds

from ..factories import PASSWORD
from .nav import follow_nav
from .nav import sign_out as _sign_out

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n% attendee list of the roadshow\n%%EOF\n"


def sign_out(page) -> None:
    _sign_out(page)
    expect(page.get_by_text("You have been signed out.")).to_be_visible()


def test_request_to_payout(committed_db, make_committed, redis, sign_in, live_server, tmp_path):
    make, session = make_committed, committed_db.session
    t = make.tree({"WORLD": None, "EMEA": "WORLD", "DACH": "EMEA"})
    acme = make.partner("ACME", t["DACH"])
    ann = make.user("partner_admin", partner=acme, email="ann@acme.example")
    dora = make.user("channel_manager", territories=[t["DACH"]], email="dora@vendor.example")
    fiona = make.user("finance", email="fiona@vendor.example")
    felix = make.user("finance", email="felix@vendor.example")
    session.add(MdfActivityType(code="ROADSHOW", name="Roadshow", created_by_id=fiona.id))
    today = utcnow().date()
    fund = funds.create_fund(
        actor=fiona,
        code="MDF-EMEA",
        name="EMEA marketing fund",
        currency="EUR",
        amount=Decimal("10000"),
        starts_on=today - timedelta(days=30),
        ends_on=today + timedelta(days=60),
        claim_deadline=today + timedelta(days=90),
        claim_days=30,
    )
    for territory in ("WORLD", "EMEA", "DACH"):
        funds.allocate(fund, actor=fiona, amount=Decimal("5000"), territory=t[territory])
    funds.allocate(fund, actor=fiona, amount=Decimal("3000"), partner=acme)
    pay_to(acme)  # a verified EUR account, so the claim's payment is not held
    session.commit()

    # The partner proposes an activity.
    page = sign_in(ann.email, PASSWORD)
    refused = []  # what the content security policy blocked, if anything
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    expect(page.locator("#mdf-funds")).to_contain_text("€3,000.00")
    follow_nav(page, "Fund requests")
    page.get_by_role("link", name="Propose an activity").click()
    expect(page.locator("#available-funds")).to_contain_text("€3,000.00")
    # The only fund with money for the partner is chosen already (the picker itself is driven
    # in the fund journey).
    expect(page.locator("#fund_id")).to_have_value(str(fund.id))
    page.get_by_label("Activity starts").fill((today - timedelta(days=10)).isoformat())
    page.get_by_label("Activity ends").fill((today - timedelta(days=1)).isoformat())
    page.get_by_label("Amount requested").fill("2500.00")
    page.get_by_label("Description").fill("Roadshow in Munich, Vienna and Zurich")
    page.get_by_label("Expected leads").fill("60")
    page.get_by_label("Expected pipeline").fill("400000")
    expect(page.get_by_label("Expected pipeline")).to_have_value("400000")
    page.get_by_role("button", name="Submit for approval").click()
    expect(page.get_by_text("submitted for approval")).to_be_visible()
    session.rollback()  # a new snapshot: what the server committed (SQLite reads keep theirs)
    request_id = session.scalars(select(MdfRequest.id)).one()
    expect(page.locator("h1 [data-state]")).to_have_attribute("data-state", "submitted")
    sign_out(page)

    # The manager approves less, from the review queue.
    sign_in(dora.email, PASSWORD)
    expect(page.locator("#queues")).to_contain_text("Fund requests")
    follow_nav(page, "Fund reviews")
    row = page.locator(f"#request-queue [data-request='{request_id}']")
    expect(row).to_contain_text("€2,500.00")
    expect(row).to_contain_text("on track")
    row.get_by_role("link", name=str(request_id)).click()
    expect(page.get_by_role("button", name="Give second approval")).to_have_count(0)
    page.get_by_label("Amount approved").fill("2000.00")
    page.get_by_role("button", name="Approve", exact=True).click()
    expect(page.get_by_text(f"Request {request_id}: approved.")).to_be_visible()
    expect(page.get_by_test_id("approved")).to_have_text("€2,000.00")
    sign_out(page)

    # The partner files the claim with its proof.
    sign_in(ann.email, PASSWORD)
    expect(page.locator("#mdf-open-requests")).to_contain_text("days left")
    follow_nav(page, "Fund requests")
    page.get_by_role("link", name="File claim").click()
    expect(page.get_by_label("Amount claimed")).to_have_value("2000.00")
    page.get_by_label("Amount claimed").fill("1850.00")
    page.get_by_label("Leads generated").fill("72")
    page.get_by_label("Pipeline generated").fill("520000")
    proof = tmp_path / "attendees.pdf"
    proof.write_bytes(PDF)
    page.get_by_label("Proof of performance (PDF, PNG or JPEG)").set_input_files(proof)
    page.locator("#claim").get_by_role("button", name="File claim").click()
    expect(page.get_by_text("your channel manager will review it")).to_be_visible()
    session.rollback()
    claim_id = session.scalars(select(MdfClaim.id)).one()
    with page.expect_download() as download:
        page.get_by_role("link", name="attendees.pdf").click()
    assert download.value.suggested_filename == "attendees.pdf"
    sign_out(page)

    # The manager approves the claim: it becomes payable.
    sign_in(dora.email, PASSWORD)
    follow_nav(page, "Fund reviews")
    page.locator(f"#claim-queue [data-claim='{claim_id}'] a").click()
    page.get_by_role("button", name="Approve claim").click()
    expect(page.get_by_text("it will be paid with the next payout batch")).to_be_visible()
    expect(page.locator(f"[data-claim='{claim_id}'] [data-state]")).to_have_attribute(
        "data-state", "approved"
    )
    sign_out(page)

    # Finance pays it with a payout batch: built by one, approved by another, downloaded.
    sign_in(fiona.email, PASSWORD)
    follow_nav(page, "Payout batches")
    page.get_by_role("button", name="Build batches").click()
    expect(page.get_by_text(re.compile(r"\(EUR\) built with 1 line"))).to_be_visible()
    sign_out(page)
    sign_in(felix.email, PASSWORD)
    follow_nav(page, "Payout batches")
    page.get_by_role("button", name="Approve").click()
    follow_nav(page, "Payout batches")
    page.locator("tbody tr a").first.click()  # the batch's page, where its file is made
    with page.expect_download() as payment_file:
        page.locator("form[action$='/export'] button").click()
    path = tmp_path / "batch.xml"
    payment_file.value.save_as(path)
    sent = path.read_text(encoding="utf-8")
    assert "<CtrlSum>1850.00</CtrlSum>" in sent and "<IBAN>DE89370400440532013000</IBAN>" in sent
    sign_out(page)

    # The partner sees the claim paid and the unused 150.00 back in the fund.
    sign_in(ann.email, PASSWORD)
    expect(page.locator("#mdf-funds")).to_contain_text("€1,150.00")
    page.goto(f"{live_server}/mdf/requests/{request_id}")
    expect(page.locator("h1 [data-state]")).to_have_attribute("data-state", "claimed")
    expect(page.locator("#figures")).to_contain_text("€1,850.00")
    expect(page.get_by_test_id("available")).to_have_text("€1,150.00")
    expect(page.locator("#timeline")).to_contain_text("Claim approved")
    assert not refused, refused
