"""A sales load that at least doubles `sale_lines` builds its secondary indexes afresh: they come
back exactly as the migrations made them and keep enforcing what they enforced; smaller loads,
and loads into a larger table, insert into the indexes as they are."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from portal.models import SaleLine
from workflows.imports import bulk_indexes

from .helpers import HEADERS

pytestmark = pytest.mark.postgres

SALES = HEADERS["sales"] + ",deal_ref"
INDEXES = text(
    """
    SELECT c.relname, c.oid, pg_get_indexdef(i.indexrelid), i.indisprimary
    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
    WHERE i.indrelid = 'sale_lines'::regclass ORDER BY c.relname
    """
)


def indexes(db) -> dict[str, tuple[int, str, bool]]:
    return {
        name: (oid, definition, pk) for name, oid, definition, pk in db.session.execute(INDEXES)
    }


def lines(first: int, count: int) -> list[str]:
    return [
        f"S{n},ACME,SW-1,2026-07-{n % 28 + 1:02d},1,{n}.50,EUR,"
        for n in range(first, first + count)
    ]


@pytest.fixture
def small_loads(monkeypatch):
    """Loads of a few lines count as bulk, so the tests stay small."""
    monkeypatch.setattr(bulk_indexes, "BULK_MIN_ROWS", 3)


def test_a_load_into_an_empty_table_rebuilds_the_indexes_as_they_were(run, db, world, small_loads):
    before = indexes(db)
    result = run("sales", SALES, *lines(1, 4), "S9,BETA,SW-1,2026-08-01,2,20,EUR,DEAL-7")
    assert (result.ok, result.inserted) == (True, 5)
    after = indexes(db)
    assert {name: found[1:] for name, found in after.items()} == {
        name: found[1:] for name, found in before.items()
    }  # same names, definitions and primary key
    rebuilt = {name for name in after if after[name][0] != before[name][0]}
    assert rebuilt == {name for name, (_oid, _def, pk) in before.items() if not pk}
    assert db.session.scalar(select(func.count()).select_from(SaleLine)) == 5
    # the rebuilt unique constraint still refuses a second line with the same external_id
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.execute(
            text(
                "INSERT INTO sale_lines (external_id, partner_id, product_id, sold_on, quantity,"
                " amount, currency) SELECT external_id, partner_id, product_id, sold_on,"
                " quantity, amount, currency FROM sale_lines LIMIT 1"
            )
        )
    # and the planner finds lines by the rebuilt indexes
    plan = "\n".join(
        db.session.scalars(text("EXPLAIN SELECT * FROM sale_lines WHERE deal_ref = 'DEAL-7'"))
    )
    assert "ix_sale_lines_deal_ref" in plan or "Seq Scan" in plan  # a tiny table may be scanned


def test_a_load_smaller_than_the_table_inserts_into_its_indexes(run, db, world, small_loads):
    run("sales", SALES, *lines(1, 6))
    before = indexes(db)
    result = run("sales", SALES, *lines(1, 6), *lines(100, 4))
    assert (result.inserted, result.unchanged) == (4, 6)
    assert indexes(db) == before


def test_a_load_as_large_as_the_table_rebuilds(run, db, world, small_loads):
    run("sales", SALES, *lines(1, 4))
    before = indexes(db)
    assert run("sales", SALES, *lines(100, 4)).inserted == 4
    after = indexes(db)
    assert after["pk_sale_lines"] == before["pk_sale_lines"]
    assert after["ix_sale_lines_partner_id"][0] != before["ix_sale_lines_partner_id"][0]


def test_a_load_below_the_bulk_size_inserts_into_the_indexes(run, db, world):
    before = indexes(db)
    assert run("sales", SALES, *lines(1, 5)).inserted == 5
    assert indexes(db) == before


def test_a_load_that_fails_after_the_drop_leaves_the_indexes_in_place(db, world):
    before = indexes(db)

    def failing_load():
        raise RuntimeError("the load failed")

    with pytest.raises(RuntimeError), db.session.begin_nested():
        bulk_indexes.load_then_index(db.session, SaleLine.__table__, failing_load)
    assert indexes(db) == before


def test_only_what_no_foreign_key_needs_is_dropped(db):
    names = {index.name for index in bulk_indexes.secondary_indexes(db.session, "sale_lines")}
    assert "pk_sale_lines" not in names  # calculation tables point at the lines' ids
    assert {"uq_sale_lines_external_id", "ix_sale_lines_partner_id"} <= names
