"""A partner opens its statements in Chromium, in German, on the latest period, and the figures
are the calculation's: the latest approved settlement, what exported batches paid, what is still
outstanding after a late line's adjustment, how the amount was reached; the CSV download carries
the same figures."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal

import pytest
from babel.numbers import format_currency
from flask_babel import force_locale
from playwright.sync_api import expect
from sqlalchemy import func, select

from portal import explain
from portal.models import CalcResult, PayoutLine
from tests.banking.accounts import one_batch
from tests.calc.conftest import build_scenario, execute_inline, load_program
from tests.calc.test_scenarios import AFTER_Q3, EMEA_VOLUME, Q3
from workflows.calc import runs, settlement
from workflows.payables import batches

from ..factories import PASSWORD

pytestmark = pytest.mark.browser


def _settle(program, scenario):
    run = runs.start_run(program, Q3, kind="settlement", actor=scenario.finance, on=AFTER_Q3)
    run = execute_inline(run.id)
    settlement.approve_run(run, actor=scenario.finance_2)
    return run


def _de(amount: Decimal) -> str:
    return format_currency(amount, "USD", locale="de")


def test_partner_reads_its_statement_with_the_calculated_figures(
    committed_db, make_committed, redis, page, live_server, sign_in, tmp_path
):
    session = committed_db.session
    scenario = build_scenario(make_committed)
    program = load_program(EMEA_VOLUME, scenario.finance)
    make_committed.sale(
        scenario.goldie, scenario.switch, "1000", sold_on=date(2025, 7, 2), currency="USD"
    )
    session.commit()
    _settle(program, scenario)
    settlement.close_period(program, Q3, actor=scenario.finance)
    batch = one_batch(scenario.finance)
    batches.approve_batch(batch, actor=scenario.finance_2)
    batches.export_batch(batch, actor=scenario.finance)
    # A late line: the period is reopened, settled again, and the difference is an adjustment.
    settlement.reopen_period(program, Q3, actor=scenario.finance)
    make_committed.sale(
        scenario.goldie, scenario.switch, "500", sold_on=date(2025, 9, 30), currency="USD"
    )
    session.commit()
    latest = _settle(program, scenario)
    settlement.close_period(program, Q3, actor=scenario.finance)
    reader = make_committed.user("partner_user", partner=scenario.goldie, email="g@goldie.example")
    reader.locale = "de"
    session.commit()

    result = session.scalars(
        select(CalcResult).where(
            CalcResult.run_id == latest.id, CalcResult.payee_id == scenario.goldie.id
        )
    ).one()
    payable = session.scalar(
        select(func.sum(PayoutLine.amount)).where(PayoutLine.payee_id == scenario.goldie.id)
    )
    paid = session.scalar(
        select(func.sum(PayoutLine.amount))
        .join(batches.PayoutBatchLine, batches.PayoutBatchLine.payout_line_id == PayoutLine.id)
        .where(PayoutLine.payee_id == scenario.goldie.id)
    )
    # 1,500 USD at 1 % settles 15.00; the first batch paid 10.00; the adjustment of 5.00 waits.
    assert (result.amount, paid, payable - paid) == (Decimal("15"), Decimal("10"), Decimal("5"))
    with force_locale("de"):
        steps = explain.sentences(result.explanation, result.currency)
    assert "1.500,00 USD" in steps[0]  # not 1500.0000000000

    sign_in("g@goldie.example", PASSWORD)
    page.goto(f"{live_server}/statements")  # opens on the latest period: Q3
    expect(page.get_by_role("heading", level=1)).to_contain_text("GOLDIE Ltd")
    expect(page.get_by_test_id("period-2025-Q3")).to_have_attribute("aria-current", "page")
    expect(page.get_by_test_id("period-2025-Q3")).to_contain_text(_de(payable - paid))
    expect(page.get_by_role("table").first).to_contain_text("EMEA volume rebate")
    expect(page.get_by_test_id("settled")).to_have_text(_de(result.amount))
    expect(page.get_by_test_id("claims")).to_have_text(_de(Decimal(0)))
    expect(page.get_by_test_id("paid")).to_have_text(_de(paid))
    expect(page.get_by_test_id("outstanding")).to_have_text(_de(payable - paid))
    notes = page.locator("ul.small li")
    expect(notes.nth(len(steps))).to_contain_text(f"Auszahlungsstapel {batch.id}")  # batch sent
    assert notes.all_inner_texts()[: len(steps)] == steps
    expect(page.get_by_test_id("total-USD")).to_contain_text(_de(payable - paid))

    with page.expect_download() as csv_file:
        page.get_by_role("link", name="CSV").click()
    assert csv_file.value.suggested_filename == "statement-GOLDIE-2025-Q3.csv"
    path = tmp_path / "statement.csv"
    csv_file.value.save_as(path)
    (row,) = csv.DictReader(path.read_text(encoding="utf-8").splitlines())
    figures = {name: Decimal(row[name]) for name in ("settled", "claims", "paid", "outstanding")}
    assert figures == {
        "settled": result.amount,
        "claims": Decimal(0),
        "paid": paid,
        "outstanding": payable - paid,
    }
    with page.expect_download() as pdf:
        page.get_by_role("link", name="PDF").click()
    assert pdf.value.suggested_filename == "statement-GOLDIE-2025-Q3.pdf"
