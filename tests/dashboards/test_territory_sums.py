"""The manager pages read per-territory sums and a kept ranking (workflows/rollups.py) instead
of grouping every partner's roll-up rows; their figures stay those of the partners' own rows
through `visible_to`, whoever asks, after moves, stale roll-ups, partial refreshes and new
exchange rates."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import delete, func, select

from portal.dashboards import figures, manager
from portal.models import (
    Partner,
    PartnerTerritory,
    SalesMonthly,
    SalesPartnerTerritory,
    SalesQuarterLeader,
    SalesTerritoryMonthly,
    Territory,
)
from portal.security import visible_to
from tests.dashboards.conftest import TODAY
from tests.factories import BEGINNING
from tests.rebuilds import write_during_rebuild
from workflows.base_currency import latest_rates, quarter_bounds, rates_key, to_base
from workflows.rollups import refresh_sales_monthly

FIRST, THIS_MONTH = quarter_bounds(TODAY)
LAST_QUARTER = FIRST - timedelta(days=40)


def rows_of(user, first: date, last: date) -> list:
    """The partners' own roll-up rows the user may see (the pages' figures before the sums)."""
    stmt = select(
        SalesMonthly.partner_id,
        SalesMonthly.territory_id,
        SalesMonthly.month,
        SalesMonthly.currency,
        SalesMonthly.line_count,
        SalesMonthly.amount,
    ).where(SalesMonthly.month >= first, SalesMonthly.month <= last)
    from portal.extensions import db

    return db.session.execute(visible_to(stmt, user, SalesMonthly)).all()


def expected_summary(user, size: int = manager.LEADERBOARD_SIZE) -> dict:
    """The manager dashboard's figures computed straight from the partners' rows."""
    from portal.dashboards.partner import month_starts
    from portal.extensions import db

    months = month_starts(TODAY)
    per_partner: dict = defaultdict(lambda: defaultdict(Decimal))
    per_month: dict = defaultdict(lambda: defaultdict(Decimal))
    totals: dict = defaultdict(lambda: [0, Decimal(0)])
    for partner_id, _territory, month, currency, lines, amount in rows_of(
        user, months[0], months[-1]
    ):
        per_month[month][currency] += amount
        if month >= FIRST:
            per_partner[partner_id][currency] += amount
            totals[currency][0] += lines
            totals[currency][1] += amount
    rates = latest_rates()
    ranked = sorted(
        (-total, partner_id)
        for partner_id, amounts in per_partner.items()
        if (total := to_base(amounts, rates)) is not None
    )[:size]
    names = dict(db.session.execute(select(Partner.id, Partner.name)).all())
    by_month = [to_base(per_month.get(m, {}), rates) or Decimal(0) for m in months]
    return {
        "leaders": [
            {"partner_id": pid, "name": names[pid], "revenue": -total} for total, pid in ranked
        ],
        "chart": {
            "labels": [m.isoformat()[:7] for m in months],
            "series": {"USD": [str(v) for v in by_month]} if any(by_month) else {},
        },
        "totals": [[c, *totals[c]] for c in sorted(totals)],
    }


def expected_roll_up(user, node: Territory) -> list[tuple]:
    """The roll-up's revenue column computed straight from the partners' rows."""
    from portal.extensions import db

    children = db.session.scalars(
        visible_to(select(Territory), user, Territory)
        .where(Territory.parent_id == node.id)
        .order_by(Territory.name)
    ).all()
    paths = dict(db.session.execute(select(Territory.id, Territory.path)).all())
    names = dict(db.session.execute(select(Partner.id, Partner.name)).all())
    rows = {child.path: (child.name, child.id, None, defaultdict(Decimal)) for child in children}
    partners: dict = {}
    for partner_id, territory_id, _month, currency, _lines, amount in rows_of(
        user, FIRST, THIS_MONTH
    ):
        path = paths.get(territory_id)
        if path is None or not path.startswith(node.path):
            continue
        row = next((r for prefix, r in rows.items() if path.startswith(prefix)), None)
        if row is None:
            row = partners.setdefault(
                partner_id, (names[partner_id], None, partner_id, defaultdict(Decimal))
            )
        row[3][currency] += amount
    rates = latest_rates()
    ordered = list(rows.values()) + sorted(partners.values(), key=lambda r: r[0])
    return [(label, tid, pid, to_base(revenue, rates)) for label, tid, pid, revenue in ordered]


def shown_roll_up(user, node: Territory) -> list[tuple]:
    return [
        (row.label, row.territory_id, row.partner_id, row.revenue_base)
        for row in manager.roll_up(user, node, TODAY)
    ]


def settled_days(session) -> dict:
    """Each partner's settled days as kept (read as rows: the trigger writes behind the ORM)."""
    home = SalesPartnerTerritory
    rows = session.execute(select(home.partner_id, home.settled_from, home.settled_to))
    return {pid: (first, last) for pid, first, last in rows}


def expected_settled_days(session, homes: dict) -> dict:
    """The range of each partner's latest assignment to its one territory (none: no range)."""
    pt = PartnerTerritory
    assigned = session.execute(select(pt.partner_id, pt.territory_id, pt.valid_from, pt.valid_to))
    ranges: dict = defaultdict(list)
    for pid, territory_id, first, last in assigned:
        if homes.get(pid) is not None and territory_id == homes[pid]:
            ranges[pid].append((first, last))
    return {pid: max(ranges[pid], default=(None, None)) for pid in homes}


def derived_tables_match(session) -> None:
    """The three pre-aggregates equal what they are computed from."""
    by_territory: dict = defaultdict(lambda: [Decimal(0), Decimal(0), 0])
    territories: dict = defaultdict(set)
    per_partner: dict = defaultdict(lambda: defaultdict(Decimal))
    for r in session.scalars(select(SalesMonthly)):
        key = (r.territory_id, r.month, r.currency)
        by_territory[key][0] += r.amount
        by_territory[key][1] += r.quantity
        by_territory[key][2] += r.line_count
        territories[r.partner_id].add(r.territory_id)
        if FIRST <= r.month <= THIS_MONTH:
            per_partner[r.partner_id][r.currency] += r.amount
    stored = {
        (r.territory_id, r.month, r.currency): [r.amount, r.quantity, r.line_count]
        for r in session.scalars(select(SalesTerritoryMonthly))
    }
    assert stored == dict(by_territory)
    home = SalesPartnerTerritory
    kept = session.execute(select(home.partner_id, home.territory_id)).all()
    homes = dict(kept)
    assert homes == {
        pid: next(iter(ids)) if len(ids) == 1 else None for pid, ids in territories.items()
    }
    assert settled_days(session) == expected_settled_days(session, homes)
    rates = latest_rates()
    ranked = {
        r.partner_id: (r.through_month, r.revenue_base)
        for r in session.scalars(select(SalesQuarterLeader))
    }
    assert ranked == {
        pid: (THIS_MONTH, to_base(amounts, rates)) for pid, amounts in per_partner.items()
    }


@pytest.fixture
def scene(make, db):
    """WORLD > EMEA > DACH, FR; WORLD > US. Sales last quarter and this one in three currencies;
    MOVER moved from DACH to FR at the quarter's start, LATE sold before its first assignment,
    SOON moves to the US tomorrow; a manager per subtree, finance and an admin."""
    t = make.tree({"WORLD": None, "EMEA": "WORLD", "DACH": "EMEA", "FR": "EMEA", "US": "WORLD"})
    switch = make.product("SW", make.category("NET"))
    acme = make.partner("ACME", t["DACH"], currency="USD")
    beta = make.partner("BETA", t["FR"])
    usco = make.partner("USCO", t["US"], currency="USD")
    mover = make.partner("MOVER", t["DACH"])
    make.move(mover, t["FR"], FIRST)
    late = make.partner("LATE", t["FR"], since=FIRST)
    soon = make.partner("SOON", t["DACH"])
    make.move(soon, t["US"], TODAY + timedelta(days=1))
    make.fx("EUR", "1.10", date(2020, 1, 1))
    make.fx("GBP", "1.25", date(2020, 1, 1))
    for partner, amount, day, currency in [
        (acme, "30000.00", THIS_MONTH, "USD"),
        (acme, "-1000.50", FIRST, "USD"),
        (acme, "500", LAST_QUARTER, "EUR"),
        (beta, "20000.00", THIS_MONTH, "EUR"),
        (beta, "10", THIS_MONTH, "GBP"),
        (usco, "90000.00", THIS_MONTH, "USD"),
        (mover, "700", LAST_QUARTER, "EUR"),  # under DACH
        (mover, "29000.25", THIS_MONTH, "EUR"),  # under FR
        (late, "123.45", LAST_QUARTER, "EUR"),  # no territory then
        (late, "5", THIS_MONTH, "EUR"),
        (soon, "45000", THIS_MONTH, "USD"),  # still DACH's today
    ]:
        make.sale(partner, switch, amount, sold_on=day, currency=currency)
    refresh_sales_monthly()
    users = [
        make.user("channel_manager", territories=[t["DACH"]]),
        make.user("channel_manager", territories=[t["FR"]]),
        make.user("channel_manager", territories=[t["EMEA"]]),
        make.user("channel_manager", territories=[t["US"]]),
        make.user("channel_manager", territories=[t["FR"], t["US"]]),
        make.user("finance"),
        make.user("admin"),
    ]
    return t, users, {p.code: p for p in (acme, beta, usco, mover, late, soon)}


def figures_match(t, users) -> None:
    for user in users:
        assert manager.summary(user, TODAY) == expected_summary(user), user.territories
        for node in t.values():
            assert shown_roll_up(user, node) == expected_roll_up(user, node), node.code


def test_figures_equal_the_partners_own_rows_for_every_reader_and_node(scene, db):
    t, users, partners = scene
    derived_tables_match(db.session)
    figures_match(t, users)
    dach, fr, emea = users[:3]
    # the mover's quarter counts for FR's manager, its last quarter nowhere else but there
    assert [leader["name"] for leader in manager.summary(fr, TODAY)["leaders"]] == [
        "MOVER Ltd",
        "BETA Ltd",
        "LATE Ltd",
    ]
    assert [leader["name"] for leader in manager.summary(dach, TODAY)["leaders"]] == [
        "SOON Ltd",
        "ACME Ltd",
    ]
    # EMEA's roll-up: the mover's sales before the move stay under DACH
    assert shown_roll_up(emea, t["EMEA"]) == [
        ("DACH", t["DACH"].id, None, Decimal("73999.50")),  # ACME 28,999.50 + SOON 45,000
        ("FR", t["FR"].id, None, Decimal("53918.28")),  # 49,005.25 EUR at 1.10, 10 GBP at 1.25
    ]


def test_figures_hold_while_the_roll_up_is_stale_and_after_refreshes(scene, db, make):
    t, users, p = scene
    # ACME moves to the US from the quarter's start, BETA is re-assigned in place (an import
    # replacing the row of the same day), and neither is rolled up yet
    make.move(p["ACME"], t["US"], FIRST)
    row = db.session.scalar(
        select(PartnerTerritory).where(PartnerTerritory.partner_id == p["BETA"].id)
    )
    row.territory_id = t["DACH"].id
    db.session.flush()
    figures_match(t, users)
    # a refresh of this month only (what a sales import asks for), then of everything
    refresh_sales_monthly(months=[THIS_MONTH])
    derived_tables_match(db.session)
    figures_match(t, users)
    refresh_sales_monthly()
    derived_tables_match(db.session)
    figures_match(t, users)


def test_a_write_to_a_partners_assignments_counts_it_as_moved_until_the_next_roll_up(
    scene, db, make
):
    t, users, p = scene
    derived_tables_match(db.session)
    days = settled_days(db.session)
    assert days[p["ACME"].id] == (BEGINNING, None)  # the factory's first assignment
    assert days[p["SOON"].id] == (BEGINNING, TODAY + timedelta(days=1))
    assert days[p["MOVER"].id] == (None, None)  # rows under two territories
    # moved today: the mover (two territories) and LATE (rows outside every assignment);
    # SOON from tomorrow on, when its move to the US takes effect
    moved = {p["MOVER"].id, p["LATE"].id}
    assert set(figures.moved_partners(TODAY)) == moved
    assert set(figures.moved_partners(TODAY + timedelta(days=1))) == moved | {p["SOON"].id}
    # a new assignment (and the old one's end), a changed one and a deleted one clear the days
    make.move(p["ACME"], t["US"], TODAY + timedelta(days=10))
    beta = db.session.scalar(select(PartnerTerritory).filter_by(partner_id=p["BETA"].id))
    beta.valid_from = beta.valid_from - timedelta(days=1)
    usco = db.session.scalar(select(PartnerTerritory).filter_by(partner_id=p["USCO"].id))
    db.session.delete(usco)
    db.session.flush()
    days = settled_days(db.session)
    for code in ("ACME", "BETA", "USCO"):
        assert days[p[code].id] == (None, None), code
    assert days[p["SOON"].id] == (BEGINNING, TODAY + timedelta(days=1))
    cleared = {p["ACME"].id, p["BETA"].id, p["USCO"].id}
    assert set(figures.moved_partners(TODAY)) == moved | cleared
    figures_match(t, users)
    refresh_sales_monthly()
    derived_tables_match(db.session)
    assert set(figures.moved_partners(TODAY)) == moved | {p["USCO"].id}  # no assignment left
    figures_match(t, users)


def test_partial_refresh_rebuilds_the_territory_sums_of_those_months_only(scene, db, make):
    t, users, p = scene
    router = make.product("RT", make.category("ROUTING"))
    make.sale(p["USCO"], router, "1", sold_on=THIS_MONTH)
    make.sale(p["USCO"], router, "2", sold_on=LAST_QUARTER)
    refresh_sales_monthly(months=[THIS_MONTH])
    stale_month = db.session.scalar(
        select(func.sum(SalesTerritoryMonthly.line_count)).where(
            SalesTerritoryMonthly.month == LAST_QUARTER.replace(day=1)
        )
    )
    assert stale_month == 3  # last quarter's month was not rebuilt: still three lines
    figures_match(t, users)  # … and the figures agree with the roll-up as it stands
    refresh_sales_monthly(months=[LAST_QUARTER])
    derived_tables_match(db.session)
    figures_match(t, users)


def test_new_rates_rank_from_the_rows_until_the_next_roll_up(scene, db, make):
    t, users, _p = scene
    make.fx("EUR", "0.50", date(2020, 6, 1))  # newer rate: the kept ranking is for the old one
    kept = db.session.scalar(select(SalesQuarterLeader.rates_key).limit(1))
    figures_match(t, users)
    refresh_sales_monthly()
    assert db.session.scalar(select(SalesQuarterLeader.rates_key).limit(1)) != kept
    derived_tables_match(db.session)
    figures_match(t, users)
    # an empty ranking for today's rates is an empty leaderboard, not a fallback
    db.session.execute(SalesQuarterLeader.__table__.update().values(revenue_base=None))
    assert manager.summary(users[0], TODAY)["leaders"] == []


def test_a_month_without_a_ranking_reads_the_rows(scene, db):
    t, users, _p = scene
    db.session.execute(
        SalesQuarterLeader.__table__.update().values(through_month=FIRST - timedelta(days=1))
    )
    figures_match(t, users)


def test_a_request_reads_each_managers_territories_once_and_the_next_request_afresh(scene, app, db):
    t, users, _p = scene
    dach, fr = users[0], users[1]

    def scoped(user):
        return set(db.session.scalars(visible_to(select(Territory.code), user, Territory)))

    with app.test_request_context("/"):
        assert scoped(dach) == {"DACH"} and scoped(fr) == {"FR"}  # each their own
        dach.territories = [t["EMEA"]]
        db.session.flush()
        assert scoped(dach) == {"DACH"}  # read once for the request
    with app.test_request_context("/"):
        assert scoped(dach) == {"EMEA", "DACH", "FR"}
    assert scoped(dach) == {"EMEA", "DACH", "FR"}  # outside a request: read in the statement


def test_an_fx_import_ranks_again_with_the_new_rates(scene, app, db, tmp_path):
    _t, users, _p = scene
    path = tmp_path / "fx.csv"
    path.write_text("currency,rate,valid_from\nEUR,0.90,2021-01-01\n")
    result = app.test_cli_runner().invoke(args=["import", "fx", str(path)])
    assert result.exit_code == 0, result.output
    key = rates_key(latest_rates())
    assert set(db.session.scalars(select(SalesQuarterLeader.rates_key))) == {key}
    derived_tables_match(db.session)
    figures_match(_t, users)


def test_an_uploaded_fx_file_ranks_again_after_its_task_commits(scene, db, tmp_path):
    from portal.models import ImportBatch
    from workflows.imports.task import run_import
    from workflows.tasks import create_task

    path = tmp_path / "fx.csv"
    path.write_text("currency,rate,valid_from\nGBP,1.30,2021-01-01\n")
    batch = ImportBatch(kind="fx", filename="fx.csv")
    db.session.add(batch)
    db.session.flush()
    task = create_task("import", {"batch_id": batch.id, "path": str(path)})
    # no progress: it is written on another connection, which SQLite locks out in this test
    run_import(task, lambda done, total=None: None)
    key = rates_key(latest_rates())
    assert set(db.session.scalars(select(SalesQuarterLeader.rates_key))) == {key}
    derived_tables_match(db.session)


@pytest.mark.postgres
def test_an_assignment_removed_during_a_rebuild_counts_after_it(app, make_committed, committed_db):
    """A rebuild has cleared the partners' settled days and not yet read the assignments again
    when a partner's assignment is removed: the removal waits for the rebuild's commit (the
    settled lock), then clears the days the rebuild wrote. Without the wait its trigger would
    clear the row the rebuild was replacing, and the new row would keep days that no longer
    hold: the partner's sales would stay in its old territory's sums."""
    from portal.extensions import db as _db

    session = committed_db.session
    t = make_committed.tree({"WORLD": None, "EMEA": "WORLD"})
    product = make_committed.product("SW", make_committed.category("NET"))
    partner = make_committed.partner("P1", t["EMEA"])
    make_committed.sale(partner, product, "100", sold_on=THIS_MONTH)
    refresh_sales_monthly()
    session.commit()
    partner_id = partner.id

    def unassign():  # one DELETE, whose trigger is the only clearing
        _db.session.execute(
            delete(PartnerTerritory).where(PartnerTerritory.partner_id == partner_id)
        )

    failures = write_during_rebuild(app, "DELETE FROM sales_partner_territory", unassign)
    assert failures == []
    session.expire_all()
    assert settled_days(session)[partner_id] == (None, None)
    assert partner_id in figures.moved_partners(TODAY)
