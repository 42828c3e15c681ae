"""Finance creates a market development fund in Chromium, passes it down the territory tree
with the searchable picker, and sees its utilisation per territory drawn as a chart; the
manager of DACH then sees only DACH and its partner."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.models import MdfFund

from ..factories import PASSWORD
from ..mdf.conftest import build_world
from .nav import Shots, follow_nav, sign_out

pytestmark = pytest.mark.browser
shot = Shots("mdf")


def allocate(page, target: str, amount: str) -> None:
    # A searchable picker (tom-select): open it, type in its search box once it is open and
    # focused (typing sooner races its focus handling, which empties the box when a choice is
    # already made, as after a refusal), click the match.
    page.locator(".ts-wrapper", has=page.get_by_role("combobox", name="To")).click()
    search = page.locator("#target-ts-control")
    expect(page.locator(".ts-dropdown")).to_be_visible()
    expect(search).to_be_focused()
    search.press_sequentially(target)
    match = page.locator(".ts-dropdown .option.active")
    expect(match).to_have_text(re.compile(target))
    match.click()
    expect(page.locator(".ts-dropdown:visible")).to_have_count(0)
    page.get_by_label("Amount").fill(amount)
    page.get_by_role("button", name="Allocate").click()


def test_finance_creates_a_fund_and_passes_it_down(
    committed_db, make_committed, redis, page, live_server, sign_in
):
    world = build_world(make_committed, committed_db.session)
    committed_db.session.commit()

    sign_in(world.finance.email, PASSWORD)
    follow_nav(page, "Funds")
    expect(page.get_by_text("No funds here yet.")).to_be_visible()
    page.get_by_role("link", name="New fund").click()
    code = page.get_by_label("Code").input_value()
    assert re.fullmatch(r"MDF-\d{4}-H[12]", code)  # the next half-year, proposed
    page.get_by_label("Name").fill("EMEA MDF")
    page.get_by_label("Amount").fill("50000")  # in the proposed base currency, USD here
    page.get_by_role("button", name="Create fund").click()
    expect(page.get_by_text(f"Fund {code} created.")).to_be_visible()
    expect(page.get_by_text("Nothing allocated yet.")).to_be_visible()

    allocate(page, "DACH", "100")  # EMEA holds nothing yet: the refusal says what to do
    expect(page.get_by_text("allocate more to EMEA first")).to_be_visible()
    allocate(page, "EMEA", "20000")
    expect(page.get_by_text("Allocated to EMEA.")).to_be_visible()
    allocate(page, "DACH", "12500.50")
    allocate(page, "ACME", "5000")
    row = page.get_by_test_id("use-territory-DACH")
    expect(row.get_by_test_id("allocated")).to_have_text("$12,500.50")
    expect(row.get_by_test_id("available")).to_have_text("$12,500.50")
    expect(page.get_by_test_id("use-partner-ACME").get_by_test_id("allocated")).to_have_text(
        "$5,000.00"
    )
    expect(page.locator("#utilisation-chart")).to_have_attribute("data-rendered", "yes")
    shot(page, "fund-finance-en")

    committed_db.session.rollback()  # a new snapshot: what the server committed
    fund = committed_db.session.scalars(select(MdfFund).where(MdfFund.code == code)).one()
    committed_db.session.rollback()
    sign_out(page)
    sign_in(world.dach_manager.email, PASSWORD)
    follow_nav(page, "Funds")
    page.get_by_role("link", name="EMEA MDF").click()
    expect(page).to_have_url(re.compile(f"/mdf/funds/{fund.id}$"))
    expect(page.get_by_test_id("use-territory-DACH")).to_be_visible()
    expect(page.get_by_test_id("use-territory-EMEA")).to_have_count(0)
    expect(page.locator("#utilisation-chart")).to_have_attribute("data-rendered", "yes")
