"""The monthly roll-up equals a direct GROUP BY over sale_lines, and stays exact."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest
from rq import Queue
from sqlalchemy import select

from portal.models import SaleLine, SalesMonthly
from workflows import enqueue, jobs
from workflows.periodic import PERIODIC
from workflows.rollups import refresh_sales_monthly


def direct_group_by(session) -> dict:
    """The same sums computed row by row in Python, with the territory effective on sold_on."""
    expected: dict = defaultdict(lambda: [Decimal(0), Decimal(0), 0])
    for line in session.scalars(select(SaleLine)):
        territory = line.partner.territory_on(line.sold_on)
        key = (
            line.partner_id,
            line.sold_on.replace(day=1),
            line.currency,
            territory.id if territory else None,
        )
        expected[key][0] += line.amount
        expected[key][1] += line.quantity
        expected[key][2] += 1
    return {key: tuple(value) for key, value in expected.items()}


def roll_up_rows(session) -> dict:
    return {
        (r.partner_id, r.month, r.currency, r.territory_id): (r.amount, r.quantity, r.line_count)
        for r in session.scalars(select(SalesMonthly))
    }


def test_refresh_equals_a_direct_group_by_across_months_currencies_moves_and_returns(db, make):
    t = make.tree({"WORLD": None, "DACH": "WORLD", "FR": "WORLD"})
    net = make.category("NET")
    switch = make.product("SW", net)
    mover = make.partner("MOVER", t["DACH"])
    make.move(mover, t["FR"], date(2026, 8, 15))
    other = make.partner("OTHER", t["FR"])
    lines = [
        (mover, "0.1", date(2026, 8, 1), "EUR"),
        (mover, "0.2", date(2026, 8, 14), "EUR"),
        (mover, "1000.0001", date(2026, 8, 15), "EUR"),  # after the move: FR
        (mover, "-250.5", date(2026, 8, 31), "EUR"),  # a return
        (mover, "99", date(2026, 9, 1), "USD"),
        (other, "12345678.9999", date(2026, 7, 31), "JPY"),
        (other, "0.0001", date(2026, 7, 1), "JPY"),
    ]
    for partner, amount, day, currency in lines:
        make.sale(partner, switch, amount, sold_on=day, currency=currency, quantity="1.5")
    written = refresh_sales_monthly()
    expected = direct_group_by(db.session)
    assert roll_up_rows(db.session) == expected
    assert written == len(expected) == 4
    dach_august = expected[(mover.id, date(2026, 8, 1), "EUR", t["DACH"].id)]
    assert dach_august == (Decimal("0.3"), Decimal("3.0"), 2)  # exact, never 0.30000000000000004


def test_refresh_replaces_the_previous_roll_up(db, make):
    t = make.tree({"WORLD": None})
    switch = make.product("SW", make.category("NET"))
    partner = make.partner("P", t["WORLD"])
    line = make.sale(partner, switch, "10", sold_on=date(2026, 8, 1))
    refresh_sales_monthly()
    line.amount = Decimal("25")
    make.sale(partner, switch, "5", sold_on=date(2026, 8, 2))
    db.session.flush()
    assert refresh_sales_monthly() == 1
    assert roll_up_rows(db.session) == direct_group_by(db.session)
    db.session.execute(SaleLine.__table__.delete())
    assert refresh_sales_monthly() == 0


def test_refreshing_some_months_rebuilds_those_and_leaves_the_others(db, make):
    t = make.tree({"WORLD": None})
    switch = make.product("SW", make.category("NET"))
    partner = make.partner("P", t["WORLD"])
    july = make.sale(partner, switch, "10", sold_on=date(2026, 7, 1))
    make.sale(partner, switch, "20", sold_on=date(2026, 8, 31))
    refresh_sales_monthly()
    # August changes (a new line, a line moved in from July); September appears
    july.sold_on, july.amount = date(2026, 8, 1), Decimal("11")
    make.sale(partner, switch, "7", sold_on=date(2026, 9, 30))
    db.session.flush()
    before = roll_up_rows(db.session)
    assert refresh_sales_monthly(months=[date(2026, 8, 15), date(2026, 9, 1)]) == 2
    after = roll_up_rows(db.session)
    # July still holds its old figure: only the months named were rebuilt ...
    july_key = (partner.id, date(2026, 7, 1), "EUR", t["WORLD"].id)
    assert after[july_key] == before[july_key] == (Decimal("10"), Decimal("1"), 1)
    # ... and naming it too makes the roll-up equal a full rebuild again
    assert refresh_sales_monthly(months=[date(2026, 7, 1)]) == 0
    assert roll_up_rows(db.session) == direct_group_by(db.session)
    assert refresh_sales_monthly(months=[]) == 0


def test_refresh_is_queued_once_and_runs_hourly(redis):
    enqueue.refresh_sales_rollup()
    queued = Queue("default", connection=redis).jobs
    assert [job.func_name for job in queued] == ["workflows.jobs.refresh_sales_rollup"]
    assert queued[0].args == (True, None)  # after_import: an explicit run starts no second chain
    enqueue.refresh_sales_rollup({date(2026, 9, 1), date(2026, 8, 1)})
    assert Queue("default", connection=redis).jobs[1].args == (True, ["2026-08-01", "2026-09-01"])
    assert PERIODIC["sales_rollup"].func == f"{jobs.__name__}.refresh_sales_rollup"


@pytest.mark.postgres
def test_the_roll_up_hashes_the_assignments_and_restores_the_join_settings(db, make):
    """Whole months of lines are joined to a hash of the territory assignments, never merged
    in partner order through the partner_id index (random reads of the whole table); the join
    settings are the session's own again afterwards, and the figures unchanged."""
    from sqlalchemy import func, text

    from workflows import rollups

    t = make.tree({"WORLD": None, "DACH": "WORLD"})
    switch = make.product("SW", make.category("NET"))
    partner = make.partner("ACME", t["DACH"])
    make.sale(partner, switch, "10", sold_on=date(2026, 8, 3))
    grouped = text(
        "EXPLAIN SELECT s.partner_id, a.territory_id, count(*) FROM sale_lines s"
        " LEFT JOIN partner_territories a ON a.partner_id = s.partner_id"
        " AND a.valid_from <= s.sold_on AND (a.valid_to IS NULL OR a.valid_to > s.sold_on)"
        " GROUP BY s.partner_id, a.territory_id"
    )
    with rollups._hash_joined(db.session):
        plan = "\n".join(db.session.scalars(grouped))
    assert "Hash Left Join" in plan or "Hash Right Join" in plan, plan
    settings = [func.current_setting(name) for name in rollups.JOIN_METHODS]
    assert tuple(db.session.execute(select(*settings)).one()) == ("on", "on")
    rollups.refresh_sales_monthly()
    assert tuple(db.session.execute(select(*settings)).one()) == ("on", "on")
    assert roll_up_rows(db.session) == direct_group_by(db.session)
