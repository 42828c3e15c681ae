"""A partner reads how its reward was calculated and its statement, in English and then in
German, after finance ran the period twice: one current line per program, period and kind, and
no number with more digits than mean something."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.models import CalcResult
from tests.calc.conftest import build_scenario, execute_inline, load_program
from tests.calc.test_scenarios import AFTER_Q3, EMEA_VOLUME, Q3
from workflows.calc import runs, settlement

from ..factories import PASSWORD

pytestmark = pytest.mark.browser

# A number with five or more decimals, or a value padded with zeros to ten places.
RAW_DECIMAL = re.compile(r"\d[.,]\d{5,}")


def _run(program, scenario, kind: str):
    run = runs.start_run(program, Q3, kind=kind, actor=scenario.finance, on=AFTER_Q3)
    return execute_inline(run.id)


def _readable(page) -> str:
    text = page.locator("main").inner_text()
    assert not RAW_DECIMAL.search(text), RAW_DECIMAL.search(text).group(0)
    return text


def test_partner_reads_one_current_result_and_its_statement_in_two_languages(
    committed_db, make_committed, redis, page, live_server, sign_in
):
    session = committed_db.session
    s = build_scenario(make_committed)
    program = load_program(EMEA_VOLUME, s.finance)
    make_committed.sale(s.mover, s.switch, "12000.5", sold_on=date(2025, 7, 2), currency="USD")
    make_committed.sale(s.mover, s.switch, "333.3333", sold_on=date(2025, 7, 9), currency="EUR")
    session.commit()
    first = _run(program, s, "accrual")
    make_committed.sale(s.mover, s.switch, "500", sold_on=date(2025, 7, 20), currency="USD")
    session.commit()
    second = _run(program, s, "accrual")  # the re-run: the first one no longer counts
    settlement.approve_run(_run(program, s, "settlement"), actor=s.finance_2)
    make_committed.user("partner_user", partner=s.mover, email="m@mover.example")
    session.commit()
    old, new = (
        session.scalar(
            select(CalcResult.id).where(
                CalcResult.run_id == run.id, CalcResult.payee_id == s.mover.id
            )
        )
        for run in (first, second)
    )

    sign_in("m@mover.example", PASSWORD)
    page.goto(f"{live_server}/calc/rewards")
    accruals = page.locator("a[href^='/calc/results/']").filter(has_text=re.compile("."))
    hrefs = [accruals.nth(i).get_attribute("href") for i in range(accruals.count())]
    assert len(hrefs) == len(set(hrefs)) == 2, hrefs  # the current accrual and the settlement
    assert f"/calc/results/{new}" in hrefs and f"/calc/results/{old}" not in hrefs
    _readable(page)

    # The accrual's explanation, in English: money with its currency, the rate as a percentage.
    page.locator("a[href^='/calc/results/']").first.click()
    text = _readable(page)
    assert "%" in text and "$" in text

    # The same page in German, chosen from the language menu at the foot of the page.
    page.locator("select#locale").select_option("de")
    page.locator("footer button[type=submit]").click()
    expect(page.locator("html")).to_have_attribute("lang", "de")
    text = _readable(page)
    assert re.search(r"\d\s%", text) and "$" in text  # German percent: "2 %", money "257,34 $"

    # The statement opens on the latest period, in German, with readable figures only.
    page.goto(f"{live_server}/statements")
    expect(page.get_by_role("heading", level=1)).to_contain_text("MOVER Ltd")
    _readable(page)
    # The earlier accrual stays reachable in the history, marked as replaced.
    page.goto(f"{live_server}/calc/rewards?history=1")
    expect(page.locator("main tbody tr")).to_have_count(3)
    replaced = page.locator("main tbody tr", has_text="ersetzt")
    expect(replaced).to_have_count(1)
    expect(replaced).to_contain_text("247,34")
