"""The dashboards as pages: what each role sees, the what-if form, empty states."""

from __future__ import annotations

import re

from sqlalchemy import event

from tests.dashboards.conftest import build_world


def test_partner_sees_balances_tier_progress_and_engine_what_if(world, login):
    body = login(world.ann).get("/dashboard").get_data(as_text=True)
    # ACME: 28,999.50 USD in Networking, band 2 %, 580 accrued; 50,000 reaches 3.5 %.
    assert "$579.99" in body
    assert "Sell $21,000.50 more in Networking by" in body
    assert "to reach 3.5% — worth +$1,170.01." in body
    assert "$50,000</dd>" in body  # the next threshold reads like one, not $50,000.00
    assert "data-chart=" in body
    assert "BETA" not in body and "USCO" not in body


def test_what_if_form_is_computed_by_the_engine(world, login, db):
    from portal.models import Program

    program = db.session.query(Program).one()
    client = login(world.ann)
    body = client.get(f"/dashboard?program={program.id}&extra=100000").get_data(as_text=True)
    # 128,999.50 × 3.5 % = 4,514.98 (half-up), 3,934.99 more than 579.99
    assert "With $100,000.00 more: $4,514.98 at 3.5%, $3,934.99 more than now." in body
    bad = client.get(f"/dashboard?program={program.id}&extra=-5").get_data(as_text=True)
    assert "Enter an amount from 0 to 1 trillion." in bad
    assert "With " not in bad


def test_manager_dashboard_shows_queues_leaderboard_and_chart(world, login):
    body = login(world.dora).get("/dashboard").get_data(as_text=True)
    assert 'id="queues"' in body and "Deal registrations" in body
    assert "ACME Ltd" in body
    assert "BETA Ltd" not in body and "USCO Ltd" not in body
    assert "data-chart=" in body


def test_territory_roll_up_drills_down_within_the_subtree(world, login):
    client = login(world.emma)
    emea = client.get(f"/dashboards/territories/{world.t['EMEA'].id}").get_data(as_text=True)
    assert "DACH" in emea and "FR" in emea
    assert "$28,999.50" in emea  # DACH revenue in USD
    assert "$22,000.00" in emea  # FR: 20,000 EUR at 1.10
    assert "$579.99" in emea  # DACH accrued
    dach = client.get(f"/dashboards/territories/{world.t['DACH'].id}").get_data(as_text=True)
    assert "ACME Ltd" in dach
    assert client.get(f"/dashboards/territories/{world.t['US'].id}").status_code == 404
    assert client.get(f"/dashboards/territories/{world.t['WORLD'].id}").status_code == 404
    assert (
        client.get("/dashboards/territories")
        .headers["Location"]
        .endswith(f"/dashboards/territories/{world.t['EMEA'].id}")
    )


def test_partner_cannot_open_the_roll_up(world, login):
    client = login(world.ann)
    assert client.get(f"/dashboards/territories/{world.t['DACH'].id}").status_code == 403


def test_partner_empty_states(make, login):
    world = build_world(make, with_sales=False, with_run=False)
    partner_page = login(world.ann).get("/dashboard").get_data(as_text=True)
    assert "No program results yet." in partner_page
    assert "No sales in the last twelve months." in partner_page
    assert "No deals registered yet." in partner_page
    assert "No sales recorded this quarter yet." in partner_page


def test_manager_empty_states(make, login):
    world = build_world(make, with_sales=False, with_run=False)
    client = login(world.dora)
    manager_page = client.get("/dashboard").get_data(as_text=True)
    assert "No sales in your territories this quarter." in manager_page
    rollup = client.get(f"/dashboards/territories/{world.t['DACH'].id}")
    assert "Nothing below this territory yet." in rollup.get_data(as_text=True)


def test_partner_dashboard_reads_a_fixed_number_of_statements(world, make, login, db):
    """No statement per row: more sales months and currencies, deals, points lots and spends
    leave the number of statements a render sends unchanged, within the page's budget."""
    from datetime import timedelta
    from decimal import Decimal

    from portal.models import DealRegistration, Product, utcnow
    from workflows.rewards import ledger
    from workflows.rollups import refresh_sales_monthly

    from .conftest import THIS_MONTH, TODAY

    client = login(world.ann)
    client.get("/dashboard")  # the first request of a session settles the user's cache

    def statements() -> int:
        sent = []

        def note(conn, cursor, statement, *args):
            if not statement.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):  # the test's
                sent.append(statement)

        event.listen(db.engine, "before_cursor_execute", note)
        try:
            assert client.get("/dashboard").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", note)
        return len(sent)

    before = statements()
    product = db.session.query(Product).one()
    for months_back in range(1, 6):
        sold_on = (THIS_MONTH - timedelta(days=months_back * 28)).replace(day=1)
        for currency in ("USD", "EUR", "GBP"):
            make.sale(world.acme, product, "100.00", sold_on=sold_on, currency=currency)
    refresh_sales_monthly()
    for n in range(4):
        db.session.add(
            DealRegistration(
                partner_id=world.acme.id,
                submitted_by_id=world.ann.id,
                state="submitted",
                customer_name=f"Customer {n}",
                customer_key=f"customer-{n}",
                country="DE",
                estimated_value=Decimal("1000"),
                currency="USD",
                expected_close_on=TODAY,
                submitted_at=utcnow(),
            )
        )
    ledger.lock_partner(world.acme.id)
    for n in range(3):
        ledger.post(
            world.acme.id,
            "earn",
            100,
            on=TODAY,
            source=f"statements:{n}",
            expires_on=TODAY + timedelta(days=30 + n),
        )
    ledger.post(world.acme.id, "adjust", -150, on=TODAY, source="statements:spend")
    db.session.commit()
    body = client.get("/dashboard").get_data(as_text=True)
    assert "Customer 3" in body and "150" in body  # the new rows are on the page
    assert statements() == before <= 15


def crumbs_and_rows(client, node) -> tuple[list[str], list[str]]:
    """The breadcrumb of a roll-up page and the territories it lists as rows."""
    page = client.get(f"/dashboards/territories/{node.id}").get_data(as_text=True)
    crumbs = re.findall(r'class="breadcrumb-item[^"]*"[^>]*>(?:<a [^>]*>)?([^<]+)<', page)
    rows = re.findall(r'/dashboards/territories/\d+">([^<]+)</a></td>', page)
    return crumbs, rows


def test_a_managers_roll_up_breadcrumb_starts_at_the_top_of_their_subtree(world, login):
    """Breadcrumb and children come from one statement through the gate: a manager of EMEA
    sees no WORLD above EMEA, and EMEA above DACH."""
    emma = login(world.emma)
    assert crumbs_and_rows(emma, world.t["EMEA"]) == (["EMEA"], ["DACH", "FR"])
    assert crumbs_and_rows(emma, world.t["DACH"]) == (["EMEA", "DACH"], [])


def test_finance_sees_the_whole_path_and_every_child_on_the_roll_up(world, login):
    fiona = login(world.fiona)
    assert crumbs_and_rows(fiona, world.t["DACH"]) == (["WORLD", "EMEA", "DACH"], [])
    assert crumbs_and_rows(fiona, world.t["WORLD"]) == (["WORLD"], ["EMEA", "US"])
