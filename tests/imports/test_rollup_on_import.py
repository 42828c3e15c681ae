"""A sales import of new lines adds them to the roll-up itself; any sequence of imports and
rebuilds leaves the roll-up and what is summed from it equal to a rebuild from the lines."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.models import SalesMonthly, SalesPartnerTerritory, SalesQuarterLeader
from portal.models import SalesTerritoryMonthly as ByTerritory
from tests.dashboards.test_rollup import direct_group_by
from tests.rebuilds import write_during_rebuild
from workflows.rollups import refresh_sales_monthly

from .helpers import HEADERS

SALES = HEADERS["sales"]
THIS_MONTH = date.today().replace(day=1)


def summed(session, model, *key) -> dict:
    """The model's sums per key: the figures every reader of it sees."""
    rows = session.execute(
        select(*key, func.sum(model.amount), func.sum(model.quantity), func.sum(model.line_count))
        .group_by(*key)
        .order_by(*key)
    )
    return {tuple(row[: len(key)]): tuple(row[len(key) :]) for row in rows}


def figures(session) -> dict:
    """The roll-up and the tables summed from it, as their readers see them."""
    monthly = (
        SalesMonthly.partner_id,
        SalesMonthly.month,
        SalesMonthly.currency,
        SalesMonthly.territory_id,
    )
    return {
        "monthly": summed(session, SalesMonthly, *monthly),
        "territories": summed(
            session,
            ByTerritory,
            *(ByTerritory.territory_id, ByTerritory.month, ByTerritory.currency),
        ),
        "partner territory": dict(
            session.execute(
                select(SalesPartnerTerritory.partner_id, SalesPartnerTerritory.territory_id)
            ).all()
        ),
        "leaders": dict(
            session.execute(
                select(SalesQuarterLeader.partner_id, SalesQuarterLeader.revenue_base)
            ).all()
        ),
    }


def equals_a_rebuild(session) -> bool:
    """Whether the figures now are those of a full rebuild from the lines (which then stays)."""
    kept = figures(session)
    assert kept["monthly"] == direct_group_by(session)
    refresh_sales_monthly()
    return figures(session) == kept


@pytest.fixture
def movers(make):
    t = make.tree({"WORLD": None, "DACH": "WORLD", "FR": "WORLD"})
    make.product("SW-1", make.category("NET"))
    mover = make.partner("MOVER", t["DACH"])
    make.move(mover, t["FR"], date(2026, 8, 15))
    make.partner("OTHER", t["FR"], since=date(2026, 8, 1))  # no territory before August
    return t


def test_imports_of_new_lines_keep_the_roll_up_equal_to_a_rebuild(run, db, movers):
    month = THIS_MONTH.isoformat()
    first = run(
        "sales",
        SALES,
        "A1,MOVER,SW-1,2026-08-14,1,0.1,EUR",
        "A2,MOVER,SW-1,2026-08-15,2,1000.0001,EUR",  # after the move: FR
        "A3,OTHER,SW-1,2026-07-31,1,5,EUR",  # before any territory
        f"A4,OTHER,SW-1,{month},3,70,USD",
    )
    assert first.ok and first.stale_months == frozenset()
    assert equals_a_rebuild(db.session)
    # more new lines in the same months (rows of their own beside the rebuilt ones), a return,
    # a new currency, and the lines already stored unchanged
    second = run(
        "sales",
        SALES,
        "A1,MOVER,SW-1,2026-08-14,1,0.1,EUR",
        "B1,MOVER,SW-1,2026-08-31,-1,-250.5,EUR",
        "B2,MOVER,SW-1,2026-08-01,1,0.2,EUR",
        f"B3,OTHER,SW-1,{month},1,30.5,USD",
        "B4,OTHER,SW-1,2026-09-01,1,99,JPY",
    )
    assert (second.inserted, second.unchanged, second.stale_months) == (4, 1, frozenset())
    third = run("sales", SALES, f"C1,MOVER,SW-1,{month},1,1,EUR")
    assert third.stale_months == frozenset()
    assert db.session.scalar(select(func.count()).select_from(SalesMonthly)) > len(
        direct_group_by(db.session)
    )  # the added rows stand beside the months' earlier ones ...
    assert equals_a_rebuild(db.session)
    # ... until a rebuild folds them into one row per key
    assert db.session.scalar(select(func.count()).select_from(SalesMonthly)) == len(
        direct_group_by(db.session)
    )


def test_a_file_that_restates_lines_leaves_its_months_to_the_rebuild(run, db, movers):
    run("sales", SALES, "A1,MOVER,SW-1,2026-08-14,1,10,EUR")
    mixed = run(
        "sales", SALES, "A1,MOVER,SW-1,2026-09-14,1,12,EUR", "A2,MOVER,SW-1,2026-07-02,1,1,EUR"
    )
    assert (mixed.inserted, mixed.updated) == (1, 1)
    assert mixed.stale_months == {date(2026, 7, 1), date(2026, 8, 1), date(2026, 9, 1)}
    # nothing was added for the new line: the rebuild of those months counts it once
    refresh_sales_monthly(months=mixed.stale_months)
    assert summed(db.session, SalesMonthly, SalesMonthly.month) == {
        (date(2026, 7, 1),): (Decimal("1"), Decimal("1"), 1),
        (date(2026, 9, 1),): (Decimal("12"), Decimal("1"), 1),
    }
    assert equals_a_rebuild(db.session)


def test_a_dry_run_or_a_refused_file_adds_nothing(run, db, movers):
    run("sales", SALES, "A1,MOVER,SW-1,2026-08-14,1,10,EUR", dry_run=True)
    run("sales", SALES, "A1,MOVER,SW-1,2026-08-14,1,10,EUR", "A2,NOBODY,SW-1,2026-08-14,1,1,EUR")
    assert db.session.scalar(select(func.count()).select_from(SalesMonthly)) == 0


@pytest.mark.postgres
def test_an_import_during_a_rebuild_waits_and_counts_its_lines_once(
    app, make_committed, committed_db, tmp_path
):
    """A rebuild has cleared the roll-up and not yet read the lines again when an import of
    new lines starts: the import waits for the rebuild's commit (the sales lock), then adds its
    lines. Without the wait they would be counted twice: added by the import, and read by the
    rebuild, whose clearing came before the import's rows existed."""
    from workflows.imports import import_csv

    session = committed_db.session
    t = make_committed.tree({"WORLD": None})
    make_committed.product("SW-1", make_committed.category("NET"))
    make_committed.partner("P1", t["WORLD"])
    session.commit()
    path = tmp_path / "sales.csv"
    path.write_text(f"{SALES}\nS1,P1,SW-1,2026-08-03,1,10,EUR\nS2,P1,SW-1,2026-08-04,1,5,EUR\n")
    # the import cannot finish while the rebuild holds the lock
    failures = write_during_rebuild(
        app, "DELETE FROM sales_monthly", lambda: import_csv("sales", path)
    )
    assert failures == []
    session.expire_all()
    assert summed(session, SalesMonthly, SalesMonthly.month) == {
        (date(2026, 8, 1),): (Decimal("15"), Decimal("2"), 2)
    }
    assert figures(session)["monthly"] == direct_group_by(session)
