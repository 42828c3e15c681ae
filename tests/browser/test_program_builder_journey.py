"""Finance builds a tiered rebate in the form, in Chromium: picks the territory from the
searchable picker, adds bands, simulates the draft on a quarter (a real worker computes it) and
saves it; the page shows the cost before anything is stored."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.models import CalcRun, Program, ProgramVersion
from tests.calc.conftest import build_scenario
from tests.conftest import run_worker_burst
from workflows.engine import parse_spec, spec_hash

from ..factories import PASSWORD

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

SAME_AS_YAML = """
code: EMEA-TIERED
name: EMEA tiered rebate
kind: rebate
currency: USD
eligible: {territories: [EMEA]}
payee: partner
tiers: {mode: retroactive, bands: [{from: 0, rate: 0.01}, {from: 10000, rate: 0.025}]}
cap: 1000
"""


def test_finance_builds_simulates_and_saves_a_tiered_rebate(
    app, committed_db, make_committed, redis, page, live_server, sign_in
):
    session = committed_db.session
    s = build_scenario(make_committed)
    make_committed.sale(s.mover, s.switch, "12000", sold_on=date(2025, 7, 2), currency="USD")
    make_committed.sale(s.goldie, s.switch, "400", sold_on=date(2025, 7, 3), currency="USD")
    session.commit()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    sign_in(s.finance.email, PASSWORD)
    page.goto(f"{live_server}/programs/")
    page.get_by_role("link", name="New program").click()
    expect(page.get_by_role("heading", name="New program")).to_be_visible()
    page.get_by_label("Code").fill("EMEA-TIERED")
    page.get_by_label("Name").fill("EMEA tiered rebate")
    # Loyalty fields are hidden for a rebate; the bands are shown.
    expect(page.get_by_label("Points per unit of the program currency")).to_be_hidden()
    picker = page.get_by_role("combobox", name="Territories")
    picker.click()
    picker.fill("EMEA")
    page.locator(".ts-dropdown .option", has_text="WORLD › EMEA").first.click()
    page.keyboard.press("Escape")

    page.locator("input[name='bands-0-start']").fill("0")
    page.locator("input[name='bands-0-rate']").fill("1")
    page.get_by_role("button", name="Add band").click()
    rows = page.locator("tr[data-band-row]")
    expect(rows).to_have_count(2)
    rows.nth(1).locator("input").nth(0).fill("10,000")
    rows.nth(1).locator("input").nth(1).fill("2.5")
    page.get_by_role("button", name="Add band").click()
    rows.nth(2).get_by_role("button", name="Remove").click()
    expect(rows).to_have_count(2)
    page.get_by_label("Cap per payee and period").fill("1,000")
    page.get_by_label("Simulate on period").fill("2025-Q3")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "program-builder-en.png"), full_page=True)
    page.get_by_role("button", name="Simulate", exact=True).click()
    page.wait_for_url(re.compile(r"/programs/simulations/\d+$"))

    bar = page.get_by_role("progressbar", name="Simulation progress")
    expect(bar).to_be_visible()
    assert session.scalar(select(Program)) is None  # nothing saved by a simulation
    worker = run_worker_burst(app)
    assert worker.returncode == 0, worker.stderr[-2000:]
    # MOVER: 12,000 at 2.5 % = 300; GOLDIE: 400 at 1 % = 4.
    expect(page.get_by_test_id("total")).to_have_text("$304.00", timeout=20_000)
    expect(page.get_by_test_id("payees")).to_have_text("2")
    expect(page.get_by_test_id("largest")).to_contain_text("MOVER Ltd")
    session.rollback()
    assert session.scalar(select(CalcRun)) is None

    page.get_by_role("button", name="Save the draft").click()
    expect(page.get_by_text("Saved as version 1.")).to_be_visible()
    expect(page.get_by_text("from 10,000: 2.5%")).to_be_visible()
    session.rollback()
    version = session.scalars(select(ProgramVersion)).one()
    assert version.spec_hash == spec_hash(parse_spec(SAME_AS_YAML))

    # Editing pre-fills the form; a higher top rate is simulated against the saved version.
    page.get_by_role("link", name="Edit", exact=True).click()
    expect(page.locator("input[name='bands-1-start']")).to_have_value("10,000")
    page.locator("input[name='bands-1-rate']").fill("3")
    page.get_by_label("Simulate on period").fill("2025-Q3")
    page.get_by_role("button", name="Simulate", exact=True).click()
    page.wait_for_url(re.compile(r"/programs/simulations/\d+$"))
    worker = run_worker_burst(app)
    assert worker.returncode == 0, worker.stderr[-2000:]
    expect(page.get_by_test_id("total")).to_have_text("$364.00", timeout=20_000)
    expect(page.get_by_test_id("current-total")).to_have_text("$304.00")
    expect(page.get_by_test_id("differences")).to_contain_text("+$60.00")
    page.screenshot(path=str(ARTIFACTS / "program-simulation-en.png"), full_page=True)

    # The builder in German, for a look at its polish.
    page.get_by_role("link", name="Change the draft").click()
    page.locator("#locale").select_option("de")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.locator("input[name='bands-1-rate']")).to_have_value("3")
    page.screenshot(path=str(ARTIFACTS / "program-builder-de.png"), full_page=True)
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e], errors
