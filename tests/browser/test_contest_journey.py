"""A partner reads its rank and gap in a running contest on its dashboard card and on the
contest page (with its progress chart), in English and German; a channel manager reads the
board of its territories with each partner's movement since the ranking before. Screenshots
are kept in test-artifacts/contests."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.calc.conftest import build_scenario
from tests.calc.test_contest_pages import build_cup

from ..factories import PASSWORD
from .nav import Shots, follow_nav, in_language, sign_out

pytestmark = pytest.mark.browser
shot = Shots("contests")


def test_a_partner_reads_its_place_and_a_manager_reads_the_board(
    committed_db, make_committed, redis, page, live_server, sign_in
):
    make = make_committed
    scenario = build_scenario(make)
    cup = build_cup(committed_db.session, make, scenario)
    make.user("partner_user", partner=scenario.branch_2, email="pia@branch2.example")
    make.user("channel_manager", territories=[scenario.t["DACH"]], email="max@vendor.example")
    scenario.finance.email = "fiona@vendor.example"
    committed_db.session.commit()

    # The partner: third, 500.01 EUR short of the second place, on the dashboard card …
    sign_in("pia@branch2.example", PASSWORD)
    card = page.locator('[data-contest="CUP-NOW"]')
    expect(card.locator('[data-field="rank"]')).to_have_text("3")
    expect(card.locator('[data-field="gap"]')).to_contain_text("Sell 500.01 EUR more by")
    expect(card.locator('[data-field="gap"]')).to_contain_text("to reach rank 2 as of today.")
    expect(card.locator('[data-field="days-left"]')).to_have_text("21 days left")
    shot(page, "partner-dashboard-en")

    # … and on the contest page, with the chart of its two rankings.
    card.get_by_role("link", name="Winter cup").click()
    page.wait_for_url(f"{live_server}/contests/{cup.program.id}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Winter cup")
    expect(page.locator('#position [data-field="rank"]')).to_have_text("3")
    expect(page.locator("#gap")).to_contain_text("Sell 500.01 EUR more by")
    expect(page.locator("#contest-chart")).to_have_attribute("data-rendered", "yes")
    above = page.locator('[data-neighbour="above"]')
    expect(above).to_contain_text("1,000.00 EUR")
    expect(above).not_to_contain_text("BRANCH-1")  # the board is not public
    expect(page.locator("#tie-rule")).to_contain_text("earlier day")
    shot(page, "partner-contest-en")

    in_language(page, "de")
    expect(page.locator("#gap")).to_contain_text("500,01 EUR")
    expect(above).to_contain_text("1.000,00 EUR")
    expect(page.locator("#contest-chart")).to_have_attribute("data-rendered", "yes")
    shot(page, "partner-contest-de")
    in_language(page, "en")
    sign_out(page)

    # The manager of DACH: GOLDIE climbed to first, BRANCH-1 is new; France is not theirs.
    sign_in("max@vendor.example", PASSWORD)
    follow_nav(page, "Contests")
    page.get_by_role("link", name="Winter cup").click()
    goldie = page.locator('tr[data-partner="GOLDIE"]')
    expect(goldie.locator('[data-field="rank"]')).to_have_text("1")
    expect(goldie.locator('[data-field="movement"]')).to_contain_text("▲1")
    expect(goldie.locator('[data-field="movement"]')).to_contain_text("up 1 place")  # read aloud
    expect(page.locator('tr[data-partner="BRANCH-1"] [data-field="movement"]')).to_contain_text(
        "new"
    )
    expect(page.locator('tr[data-partner="BRANCH-2"]')).to_have_count(0)
    expect(page.locator("#projected-cost")).to_have_count(0)
    shot(page, "manager-board-en")
    in_language(page, "de")
    expect(goldie.locator('[data-field="measure"]')).to_have_text("1.200,00 EUR")
    shot(page, "manager-board-de")
    in_language(page, "en")
    sign_out(page)

    # Finance: the whole board and what the awards would cost if the contest ended today.
    sign_in("fiona@vendor.example", PASSWORD)
    page.goto(f"{live_server}/contests/{cup.program.id}")
    expect(page.locator('tr[data-partner="BRANCH-2"] [data-field="gap"]')).to_have_text(
        "500.01 EUR"
    )
    expect(page.locator("#cost-total")).to_contain_text("€10,100.00")
    expect(page.locator("#cost-total")).to_contain_text("200 points")
    shot(page, "finance-board-en")
