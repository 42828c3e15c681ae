"""Dashboards never show a figure from outside what the user may see."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from portal.dashboards import manager, partner
from portal.models import DealRegistration, utcnow
from tests.dashboards.conftest import QUARTER, TODAY
from workflows.engine import parse_period
from workflows.rollups import refresh_sales_monthly


def test_partner_sums_only_its_own_rows(world):
    balances = partner.balances(world.ann)
    assert [currency for currency, _ in balances["accrued"]] == ["USD"]
    assert str(balances["accrued"][0][1]) == "579.9900"
    summary = partner.sales_summary(world.ann, TODAY.replace(day=1), TODAY)
    chart = summary["chart"]
    assert list(chart["series"]) == ["USD"]
    assert chart["series"]["USD"][-1] == "28999.5000"
    progress = partner.tier_progress(world.ann, TODAY)
    assert [p.result.payee_id for p in progress] == [world.acme.id]
    # once the program's period is over there is nothing left to reach: no progress card
    after = parse_period(QUARTER).end + timedelta(days=1)
    assert partner.tier_progress(world.ann, after) == []
    assert summary["totals"] == [["USD", 2, Decimal("28999.5")]]


def test_manager_leaderboard_and_roll_up_stay_inside_the_subtree(world):
    dach = manager.summary(world.dora, TODAY)
    assert [leader["name"] for leader in dach["leaders"]] == ["ACME Ltd"]
    assert dach["totals"] == [["USD", 2, Decimal("28999.5")]]
    emea = manager.summary(world.emma, TODAY)
    assert [(r["name"], str(r["revenue"])) for r in emea["leaders"]] == [
        ("ACME Ltd", "28999.50"),
        ("BETA Ltd", "22000.00"),  # 20,000 EUR at 1.10
    ]
    assert emea["chart"]["series"]["USD"][-1] == "50999.50"
    rows = manager.roll_up(world.dora, world.t["DACH"], TODAY)
    assert [row.label for row in rows] == ["ACME Ltd"]
    # even handed a node above their subtree, the sums hold only partners in scope
    above = manager.roll_up(world.dora, world.t["WORLD"], TODAY)
    assert {str(row.revenue_base) for row in above} <= {"28999.50"}
    assert [t.code for t in manager.top_nodes(world.dora)] == ["DACH"]


def test_finance_sees_every_territory(world):
    rows = manager.roll_up(world.fiona, world.t["WORLD"], TODAY)
    totals = {row.label: str(row.revenue_base) for row in rows}
    assert totals == {"EMEA": "50999.50", "US": "90000.00"}
    assert [t.code for t in manager.top_nodes(world.fiona)] == ["WORLD"]


def test_queues_age_against_the_48_hour_target(world, make, db, request_context):
    def deal(partner, hours):
        db.session.add(
            DealRegistration(
                partner_id=partner.id,
                submitted_by_id=world.ann.id,
                state="submitted",
                customer_name="X",
                customer_key=f"x{hours}{partner.id}",
                country="DE",
                estimated_value=Decimal("1"),
                currency="EUR",
                expected_close_on=TODAY,
                submitted_at=utcnow() - timedelta(hours=hours),
            )
        )

    deal(world.acme, 50)
    deal(world.acme, 2)
    deal(world.usco, 100)  # outside DACH
    db.session.flush()
    by_endpoint = {q.endpoint: q for q in manager.queues(world.dora)}
    deals = by_endpoint["deals.queue"]
    assert (deals.waiting, deals.overdue, deals.oldest_hours) == (2, 1, 50)
    assert by_endpoint["onboarding.applications"].waiting == 0
    assert manager.queues(world.ann) == []


def test_cached_figures_are_per_user_and_follow_the_data(world, app, redis, make, db):
    from portal.dashboards import cache

    app.config["DASHBOARD_CACHE_SECONDS"] = 60
    try:
        calls = []

        def compute(user):
            calls.append(user.id)
            return manager.summary(user, TODAY)

        first = cache.remember("manager", world.dora, TODAY, lambda: compute(world.dora))
        again = cache.remember("manager", world.dora, TODAY, lambda: compute(world.dora))
        assert again == first and calls == [world.dora.id]
        assert again["leaders"][0]["revenue"] == Decimal("28999.50")  # Decimals survive JSON
        other = cache.remember("manager", world.emma, TODAY, lambda: compute(world.emma))
        assert len(other["leaders"]) == 2 and calls == [world.dora.id, world.emma.id]
        refresh_sales_monthly()  # a rebuilt roll-up, once committed, changes the key
        db.session.commit()
        cache.remember("manager", world.dora, TODAY, lambda: compute(world.dora))
        assert calls == [world.dora.id, world.emma.id, world.dora.id]
    finally:
        app.config["DASHBOARD_CACHE_SECONDS"] = 0
