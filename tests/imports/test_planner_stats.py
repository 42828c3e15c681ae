"""A large import leaves the planner statistics current: the table is ANALYZEd when the import's
transaction commits (PostgreSQL: pg_class.reltuples and last_analyze; SQLite: sqlite_stat1), so
the first calculation after it plans with the rows that are there."""

from __future__ import annotations

import io

import click
import pytest
from sqlalchemy import text

from workflows.imports import import_csv
from workflows.imports.cli import run_cli_import

from .helpers import HEADERS, csv_bytes

SALES = HEADERS["sales"]


def sales_lines(count: int, first: int = 1) -> list[str]:
    return [f"S{n},ACME,SW-1,2026-07-{n % 28 + 1:02d},1,10.00,EUR" for n in range(first, count + 1)]


def planner_rows(db, is_postgres) -> float | None:
    """The row count the planner knows for sale_lines (None: never analyzed)."""
    if is_postgres:
        reltuples = db.session.scalar(
            text("SELECT reltuples FROM pg_class WHERE oid = 'sale_lines'::regclass")
        )
        return None if reltuples < 0 else reltuples
    if not db.session.scalar(text("SELECT count(*) FROM sqlite_master WHERE name='sqlite_stat1'")):
        return None
    stat = db.session.scalar(
        text("SELECT stat FROM sqlite_stat1 WHERE tbl = 'sale_lines' AND idx IS NULL")
    ) or db.session.scalar(text("SELECT stat FROM sqlite_stat1 WHERE tbl = 'sale_lines' LIMIT 1"))
    return None if stat is None else float(stat.split()[0])


def forget_statistics(db, is_postgres) -> str | None:
    """Start from a table the planner has no current figures for; returns the clock then."""
    if is_postgres:
        return db.session.scalar(text("SELECT clock_timestamp()::text"))
    if db.session.scalar(text("SELECT count(*) FROM sqlite_master WHERE name='sqlite_stat1'")):
        db.session.execute(text("DELETE FROM sqlite_stat1 WHERE tbl = 'sale_lines'"))
    return None


def analyzed_since(db, started: str) -> bool:
    db.session.execute(text("SELECT pg_stat_clear_snapshot()"))
    last = db.session.scalar(
        text(
            "SELECT last_analyze >= CAST(:started AS timestamptz) FROM pg_stat_user_tables"
            " WHERE relname = 'sale_lines'"
        ),
        {"started": started},
    )
    return bool(last)


def test_a_large_import_analyzes_what_it_wrote_at_commit(
    app, db, world, is_postgres, tmp_path, monkeypatch
):
    monkeypatch.setitem(app.config, "ANALYZE_AFTER_ROWS", 40)
    started = forget_statistics(db, is_postgres)
    path = tmp_path / "sales.csv"
    path.write_bytes(csv_bytes(SALES, *sales_lines(50)))

    result = run_cli_import("sales", path)  # what `portal import sales` does; it commits

    assert result.inserted == 50
    assert planner_rows(db, is_postgres) == 50
    if is_postgres:
        assert analyzed_since(db, started)


def test_a_small_import_leaves_statistics_to_autovacuum(
    app, db, world, is_postgres, tmp_path, monkeypatch
):
    monkeypatch.setitem(app.config, "ANALYZE_AFTER_ROWS", 40)
    started = forget_statistics(db, is_postgres)
    path = tmp_path / "sales.csv"
    path.write_bytes(csv_bytes(SALES, *sales_lines(39)))

    assert run_cli_import("sales", path).inserted == 39

    if is_postgres:
        assert not analyzed_since(db, started)
    else:
        assert planner_rows(db, is_postgres) is None


def test_a_smaller_import_is_analyzed_when_autovacuum_would_analyze_it(
    app, db, world, is_postgres, tmp_path
):
    # below ANALYZE_AFTER_ROWS, but 60 lines into a table never analysed reach autovacuum's
    # rule (50 rows plus a tenth of the rows last counted): PostgreSQL analyses it at commit
    started = forget_statistics(db, is_postgres)
    path = tmp_path / "sales.csv"
    path.write_bytes(csv_bytes(SALES, *sales_lines(60)))

    assert run_cli_import("sales", path).inserted == 60

    if is_postgres:
        assert analyzed_since(db, started)
        assert planner_rows(db, is_postgres) == 60
    else:  # SQLite keeps to ANALYZE_AFTER_ROWS
        assert planner_rows(db, is_postgres) is None


def test_a_dry_run_or_a_refused_import_analyzes_nothing(
    app, db, world, is_postgres, tmp_path, monkeypatch
):
    monkeypatch.setitem(app.config, "ANALYZE_AFTER_ROWS", 1)
    started = forget_statistics(db, is_postgres)
    path = tmp_path / "sales.csv"
    path.write_bytes(csv_bytes(SALES, *sales_lines(20)))
    run_cli_import("sales", path, dry_run=True)
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes(SALES, *sales_lines(20), "S99,NOBODY,SW-1,2026-07-01,1,1.00,EUR"))
    with pytest.raises(click.ClickException, match="Nothing was imported"):
        run_cli_import("sales", bad)
    db.session.commit()

    if is_postgres:
        assert not analyzed_since(db, started)
    else:
        assert planner_rows(db, is_postgres) is None


def test_an_import_through_the_api_path_is_analyzed_when_its_caller_commits(
    app, db, world, is_postgres, monkeypatch
):
    monkeypatch.setitem(app.config, "ANALYZE_AFTER_ROWS", 30)
    forget_statistics(db, is_postgres)
    # What the bulk sales endpoint and the upload's background task run; they commit after it.
    result = import_csv("sales", io.BytesIO(csv_bytes(SALES, *sales_lines(30))))
    assert result.inserted == 30 and planner_rows(db, is_postgres) != 30
    db.session.commit()

    assert planner_rows(db, is_postgres) == 30


def test_the_roll_up_rebuild_reports_its_bulk_write_and_is_analyzed_at_commit(
    app, db, world, is_postgres, monkeypatch
):
    from portal.foundation import planner_stats
    from workflows.rollups import refresh_sales_monthly

    monkeypatch.setitem(app.config, "ANALYZE_AFTER_ROWS", 3)
    months = [f"S{m},ACME,SW-1,2026-{m:02d}-15,1,10.00,EUR" for m in (7, 8, 9)]
    import_csv("sales", io.BytesIO(csv_bytes(SALES, *months)))
    written = refresh_sales_monthly()  # one roll-up row per partner, month and currency

    assert written == 3
    # the small tables derived from it are rebuilt whole: analyzed whatever their size
    derived = ("sales_partner_territory", "sales_quarter_leaders", "sales_territory_monthly")
    assert db.session.info[planner_stats.INFO_KEY] == {
        "sale_lines": 3,
        "sales_monthly": 3,
        **dict.fromkeys(derived, planner_stats.threshold()),
    }
    db.session.commit()
    assert planner_stats.INFO_KEY not in db.session.info
    if is_postgres:
        monthly = db.session.scalar(
            text("SELECT reltuples FROM pg_class WHERE oid = 'sales_monthly'::regclass")
        )
        assert monthly == 3
    else:
        analyzed = text("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'sales_monthly'")
        assert db.session.scalar(analyzed) > 0
