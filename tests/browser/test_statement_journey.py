"""A partner opens its statement in Chromium, in German: the program, how it was reached, what
was already paid, with CSV and PDF downloads."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from tests.calc.conftest import build_scenario, execute_inline, load_program
from tests.calc.test_scenarios import AFTER_Q3, EMEA_VOLUME, Q3
from workflows.calc import runs, settlement
from workflows.payables import batches

from ..factories import PASSWORD

pytestmark = pytest.mark.browser


def test_partner_reads_a_paid_statement_in_its_language(
    committed_db, make_committed, redis, page, live_server, sign_in
):
    scenario = build_scenario(make_committed)
    program = load_program(EMEA_VOLUME, scenario.finance)
    make_committed.sale(
        scenario.goldie, scenario.switch, "1000", sold_on=date(2025, 7, 2), currency="USD"
    )
    run = runs.start_run(program, Q3, kind="settlement", actor=scenario.finance, on=AFTER_Q3)
    committed_db.session.commit()
    run = execute_inline(run.id)
    settlement.approve_run(run, actor=scenario.finance_2)
    settlement.close_period(program, Q3, actor=scenario.finance)
    batch = batches.build_batch(actor=scenario.finance)
    batches.approve_batch(batch, actor=scenario.finance_2)
    batches.export_batch(batch, actor=scenario.finance)
    reader = make_committed.user("partner_user", partner=scenario.goldie, email="g@goldie.example")
    reader.locale = "de"
    committed_db.session.commit()

    sign_in("g@goldie.example", PASSWORD)
    page.goto(f"{live_server}/statements?period=2025-Q3")
    expect(page.get_by_role("heading", level=1)).to_contain_text("GOLDIE Ltd")
    table = page.get_by_role("table")
    expect(table).to_contain_text("EMEA volume rebate")
    expect(page.get_by_test_id("paid")).to_have_text("10,00\xa0$")
    expect(page.locator("ul.small li").first).to_be_visible()
    with page.expect_download() as pdf:
        page.get_by_role("link", name="PDF").click()
    assert pdf.value.suggested_filename == "statement-GOLDIE-2025-Q3.pdf"
    with page.expect_download() as csv_file:
        page.get_by_role("link", name="CSV").click()
    assert csv_file.value.suggested_filename == "statement-GOLDIE-2025-Q3.csv"
