"""Partner, manager and finance journeys through the dashboards in Chromium."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.deals.services import DealInput, save_deal
from portal.models import Category, Program
from tests.conftest import run_worker_burst
from tests.dashboards.conftest import QUARTER, TODAY, build_world

from ..factories import PASSWORD
from .nav import follow_nav

pytestmark = pytest.mark.browser


def watch_console(page) -> list[str]:
    """Collect script errors and CSP violations (a broken chart shows up here), and assets that
    failed to load (the browser's own favicon probe aside)."""
    errors: list[str] = []

    def on_console(message) -> None:
        if message.type == "error" and "Failed to load resource" not in message.text:
            errors.append(message.text)

    def on_response(response) -> None:
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            errors.append(f"{response.status} {response.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("response", on_response)
    return errors


def test_partner_checks_dashboard_and_tries_a_what_if(committed_db, make_committed, sign_in, page):
    world = build_world(make_committed)
    committed_db.session.commit()
    errors = watch_console(page)

    sign_in(world.ann.email, PASSWORD)
    balances = page.locator("#balances")
    expect(balances.locator("[data-balance=accrued]")).to_contain_text("$579.99")
    card = page.locator("[data-program=NET-VOL]")
    expect(card.locator("[data-field=rate]")).to_have_text("2%")
    expect(card.locator("[data-field=what-if]")).to_contain_text(
        "Sell $21,000.50 more in Networking by"
    )
    expect(card.locator("[data-field=what-if]")).to_contain_text(
        "to reach 3.5% — worth +$1,170.01."
    )
    expect(page.locator("canvas#revenue-chart")).to_have_attribute("data-rendered", "yes")
    months = page.locator("canvas#revenue-chart").evaluate("canvas => canvas.chart.data.labels")
    assert months and all(re.fullmatch(r"[A-Z][a-z]{2} \d{4}", month) for month in months), months
    expect(card.get_by_role("slider")).to_be_visible()

    card.get_by_label("What if I sell this much more (USD)?").fill("100000")
    card.get_by_role("button", name="Calculate").click()
    expect(page.locator("[data-program=NET-VOL] [data-field=scenario]")).to_contain_text(
        "With $100,000.00 more: $4,514.98 at 3.5%, $3,934.99 more than now."
    )
    assert errors == []

    page.get_by_role("link", name="Your statements").click()
    # The statement opens on the latest period, without asking for one.
    expect(page.get_by_role("heading", name="Statement for ACME Ltd")).to_be_visible()


def test_manager_approves_a_deal_from_the_dashboard_queue(
    committed_db, make_committed, sign_in, page, redis
):
    world = build_world(make_committed, with_run=False)
    networking = committed_db.session.scalar(select(Category).where(Category.code == "NET"))
    deal = save_deal(
        DealInput(
            customer_name="Globex GmbH",
            country="DE",
            estimated_value=Decimal("48000.00"),
            currency="EUR",
            expected_close_on=TODAY + timedelta(days=45),
            domain="globex.example",
            category_ids=(networking.id,),
        ),
        actor=world.ann,
        submit=True,
    )
    committed_db.session.commit()

    sign_in(world.dora.email, PASSWORD)
    queue = page.locator("#queues [data-queue='deals.queue']")
    expect(queue).to_contain_text("1")
    queue.get_by_role("link", name="Deal registrations").click()
    page.get_by_role("link", name=deal.reference).click()
    page.get_by_role("form", name="Approve").get_by_role("button", name="Approve").click()
    expect(page.get_by_text("Registration approved.")).to_be_visible()
    follow_nav(page, "Dashboard")
    expect(page.locator("#queues [data-queue='deals.queue'] td").nth(1)).to_have_text("0")
    expect(page.locator("#leaderboard")).to_contain_text("ACME Ltd")


def test_finance_runs_a_calculation_and_watches_it_finish(
    app, committed_db, make_committed, sign_in, page, redis, live_server
):
    world = build_world(make_committed, with_run=False)
    from tests.calc.conftest import load_program
    from tests.dashboards.conftest import NETWORKING_REBATE

    program: Program = load_program(NETWORKING_REBATE, world.fiona)
    committed_db.session.commit()

    sign_in(world.fiona.email, PASSWORD)
    page.goto(f"{live_server}/programs/{program.id}")
    page.get_by_label("Period").fill(QUARTER)
    page.get_by_label("Kind of run").select_option("accrual")
    page.get_by_role("button", name="Start calculation").click()
    bar = page.get_by_role("progressbar", name="Calculation progress")
    expect(bar).to_be_visible()
    expect(bar).to_have_attribute("aria-valuenow", "0")

    worker = run_worker_burst(app)
    assert worker.returncode == 0, worker.stderr[-2000:]
    # the page polls the run's status and reloads itself when the run is done
    expect(page.get_by_text("Status: done")).to_be_visible(timeout=20_000)
    expect(page.get_by_role("progressbar")).to_have_count(0)
    expect(page.get_by_text("$579.99").first).to_be_visible()
