"""The bulk path of the sales import stages exactly what the row path stages, or declines.

Every file below is staged twice on PostgreSQL — by `BulkSales` (COPY and set-based checks) and
by the row path (`SalesImporter.read`) — and the staged rows compared. When the bulk path
takes a file, the row path must find no problem in it and stage the same rows, line numbers
included; any file the row path has something to say about, the bulk path must decline.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from workflows.imports.base import Context
from workflows.imports.bulk_sales import BulkSales
from workflows.imports.errors import ErrorList
from workflows.imports.reading import CsvFile
from workflows.imports.sales import SalesImporter
from workflows.imports.staging import COPIED_PREFIX, STAGE, Stage
from workflows.validators import DateWindow

pytestmark = pytest.mark.postgres

WINDOW = DateWindow(date(2020, 1, 1), date(2027, 12, 31))
HEADER = b"external_id,partner_code,sku,sold_on,quantity,amount,currency,deal_ref\n"


def context(session) -> Context:
    return Context(
        session=session,
        errors=ErrorList(100),
        batch_id=None,
        dry_run=False,
        today=date(2026, 12, 7),
        base_currency="EUR",
        sale_dates=WINDOW,
    )


def staged(session) -> list[tuple]:
    return [tuple(row) for row in session.execute(select(STAGE).order_by(STAGE.c.line))]


def by_bulk(session, path) -> list[tuple] | None:
    savepoint = session.begin_nested()
    try:
        stage = Stage(session.connection())
        rows = BulkSales(session, stage, WINDOW).stage_file(path, SalesImporter.layout)
        if rows is None:
            return None
        stage.number_lines()  # as before the checks report lines
        return staged(session)
    finally:
        savepoint.rollback()


def by_rows(session, path) -> tuple[list[tuple], int]:
    savepoint = session.begin_nested()
    try:
        ctx = context(session)
        importer = SalesImporter(ctx)
        csv_file = CsvFile(path, SalesImporter.layout, ctx.errors)
        importer.read(csv_file.rows())
        return staged(session), ctx.errors.total
    finally:
        savepoint.rollback()


def compare(session, path) -> bool:
    """Both paths agree; True when the bulk path took the file."""
    bulk = by_bulk(session, path)
    rows, problems = by_rows(session, path)
    if bulk is not None:
        assert problems == 0
        assert bulk == rows
    return bulk is not None


def write(tmp_path, data: bytes):
    path = tmp_path / "sales.csv"
    path.write_bytes(data)
    return path


CLEAN = (
    b"S1,ACME,SW-1,2026-07-01,2,100.50,EUR,\n"
    b"S-2,BETA,SW-1,2026-09-30,0.0001,-0,JPY,deal-7\n"
    b"S 3,ACME,SW 1,2026-08-01,-1,-99999999999999.9999,EUR,\n"
    b"S4,ACME,SW-1,2026-08-01,007,0,USD,D 9\n"
)


def test_a_clean_file_is_staged_by_copy_exactly_as_row_by_row(db, tmp_path):
    assert compare(db.session, write(tmp_path, HEADER + CLEAN))
    rows = by_bulk(db.session, write(tmp_path, HEADER + CLEAN))
    assert [(r[0], r[1], r[5], r[6], r[8]) for r in rows] == [
        (2, "S1", 20000, 1005000, None),
        (3, "S-2", 1, 0, "DEAL-7"),
        (4, "S 3", -10000, -999999999999999999, None),
        (5, "S4", 70000, 0, "D 9"),
    ]


def test_a_file_without_the_optional_column_and_with_a_bom(db, tmp_path):
    data = b"\xef\xbb\xbfsku,external_id,partner_code,sold_on,quantity,amount,currency\n"
    data += b"SW-1,S1,ACME,2026-07-01,2,100.50,EUR"  # no newline at the end
    assert compare(db.session, write(tmp_path, data))


@pytest.mark.parametrize(
    "data",
    [
        b'S1,ACME,SW-1,2026-07-01,2,"100.50",EUR,\n',  # quoted: CSV readers differ at the edges
        b"S1,ACME,SW-1,2026-07-01,2,100.50,EUR,\r\n",  # CR line ends
        b"S1,ACME,SW-1,2026-07-01,2,100.50,EUR,\n\nS2,ACME,SW-1,2026-07-01,2,1,EUR,\n",
        b"S1,ACME,SW-1,2026-07-01,2,100.50,EUR,\n\\.\nS2,ACME,SW-1,2026-07-01,2,1,EUR,\n",
        b"S1,ACME,SW-1,2026-07-01,2,100.50,EUR\n",  # a cell short
        b"S1,ACME,SW-1,2026-07-01,2,100.50,EUR,,\n",  # a cell too many
        b"S1,ACME,SW-1,2026-07-01,2,1\x00,EUR,\n",  # NUL byte
        b"S1,ACME,SW-1,2026-07-01,2,1,EUR,\xff\n",  # not UTF-8
        b"S1, ACME,SW-1,2026-07-01,2,1,EUR,\n",  # a space the row path trims
        b"S\xc3\xa9,ACME,SW-1,2026-07-01,2,1,EUR,\n",  # not ASCII
        b"S1,ACME,SW-1,2026-02-30,2,1,EUR,\n",  # no such day
        b"S1,ACME,SW-1,2019-12-31,2,1,EUR,\n",  # before the window
        b"S1,ACME,SW-1,2026-07-01,2,1,EUX,\n",  # no such currency
        b"S1,ACME,SW-1,2026-07-01,2,1.00001,EUR,\n",  # too precise
        b"S1,ACME,SW-1,2026-07-01,2,1.00000,EUR,\n",  # harmless trailing zeros: row path only
        b"S1,ACME,SW-1,2026-07-01,1e3,1,EUR,\n",
        b"S1,ACME,SW-1,2026-07-01,2,-1,EUR,\n",  # mixed signs
        b",ACME,SW-1,2026-07-01,2,1,EUR,\n",
        b",,,,,,,\n",  # a row of empty cells (the row path skips it)
        b"S1,ACME,SW-1,2026-07-01,2,1,EUR," + b"D" * 65 + b"\n",
        b"S" * 129 + b",ACME,SW-1,2026-07-01,2,1,EUR,\n",
    ],
)
def test_the_bulk_path_declines_what_it_cannot_vouch_for(db, tmp_path, data):
    assert not compare(db.session, write(tmp_path, HEADER + data))


def test_a_header_that_is_not_plainly_right_goes_to_the_row_path(db, tmp_path):
    for header in (b"external_id,partner_code\n", b"a,b,c\n", b"", HEADER[:-1] + b",extra\n"):
        assert not compare(db.session, write(tmp_path, header + CLEAN))


# column by column: mostly what a clean feed holds, with the edges of each rule mixed in
COLUMNS = (
    st.one_of(
        st.from_regex(r"[A-Za-z0-9][A-Za-z0-9 _/-]{0,8}[A-Za-z0-9]", fullmatch=True),
        st.sampled_from(["", " S1", "S\u00e9", "S\t1", "x" * 129]),
    ),
    st.sampled_from(["ACME", "BETA", "acme", "", "AC ME", " ACME"]),
    st.sampled_from(["SW-1", "SW 1", "", "S" * 65]),
    st.one_of(
        st.dates(date(2019, 12, 25), date(2028, 1, 5)).map(date.isoformat),
        st.sampled_from(["2026-7-1", "2026-02-30", "20260701", ""]),
    ),
    st.one_of(
        st.from_regex(r"-?[0-9]{1,16}(\.[0-9]{1,6})?", fullmatch=True),
        st.sampled_from(["", "1e3", "+1", ".5", "5.", "NaN", "1,5"]),
    ),
    st.one_of(
        st.from_regex(r"-?[0-9]{1,16}(\.[0-9]{1,6})?", fullmatch=True),
        st.sampled_from(["", "-0", "0.00000", "Infinity"]),
    ),
    st.sampled_from(["EUR", "USD", "JPY", "eur", "EUX", "", "EURO"]),
    st.one_of(
        st.just(""),
        st.from_regex(r"[a-z0-9-]{1,8}", fullmatch=True),
        st.sampled_from(["D" * 65, "d\u00e9al"]),
    ),
)
LINE = st.tuples(*COLUMNS).map(",".join)
NOISE = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=30)


FUNCTION_SCOPED = [HealthCheck.function_scoped_fixture]
PLAIN = re.compile(r"[!-~]([ -~]*[!-~])?")  # printable ASCII, no space at either end
PLAIN_NUMBER = re.compile(r"-?[0-9]{1,14}(\.[0-9]{1,4})?")


@settings(max_examples=80, deadline=None, suppress_health_check=FUNCTION_SCOPED)
@given(lines=st.lists(st.one_of(LINE, LINE, LINE, NOISE), min_size=1, max_size=6))
def test_bulk_and_row_paths_always_agree(db, tmp_path, lines):
    data = HEADER + "\n".join(lines).encode() + b"\n"
    compare(db.session, write(tmp_path, data))


@settings(max_examples=40, deadline=None, suppress_health_check=FUNCTION_SCOPED)
@given(lines=st.lists(LINE, min_size=1, max_size=6))
def test_a_clean_file_of_plain_cells_is_always_taken_in_bulk(db, tmp_path, lines):
    path = write(tmp_path, HEADER + "\n".join(lines).encode() + b"\n")
    taken = compare(db.session, path)
    _rows, problems = by_rows(db.session, path)
    cells = [line.split(",") for line in lines]
    plain = all(
        all(PLAIN.fullmatch(c) for c in row[:3])
        and all(PLAIN_NUMBER.fullmatch(c) for c in row[4:6])
        and (row[7] == "" or PLAIN.fullmatch(row[7]))
        for row in cells
    )
    assert taken == (problems == 0 and plain)


def test_a_sales_import_works_with_its_own_work_mem(app, db, tmp_path, make):
    from sqlalchemy import text

    from workflows.imports import import_csv

    world = make.territory("WORLD")
    make.partner("ACME", world)
    make.product("SW-1", make.category("NET"))
    path = write(tmp_path, HEADER + b"S1,ACME,SW-1,2026-07-01,2,100.50,EUR,\n")
    assert import_csv("sales", path).inserted == 1
    # set for the import's transaction: hash joins and the repeated-id GROUP BY stay in memory
    assert db.session.scalar(text("SHOW work_mem")) == app.config["IMPORT_WORK_MEM"]


def stage_tables(session) -> list[str]:
    """The tables of COPYed cells this session can see: its own, uncommitted ones included."""
    from sqlalchemy import text

    query = text("SELECT relname FROM pg_class WHERE starts_with(relname, :prefix)")
    return list(session.scalars(query, {"prefix": COPIED_PREFIX}))


def test_no_table_of_copied_cells_outlives_an_import(db, tmp_path, make):
    """The COPYed cells live in an UNLOGGED table (so parallel workers may read it), not a
    temporary one: whatever the import's end, it is gone with it."""
    from workflows.imports import import_csv

    world = make.territory("WORLD")
    make.partner("ACME", world)
    make.product("SW-1", make.category("NET"))
    clean = write(tmp_path, HEADER + b"S1,ACME,SW-1,2026-07-01,2,100.50,EUR,\n")
    assert import_csv("sales", clean).inserted == 1  # written
    assert stage_tables(db.session) == []
    assert import_csv("sales", clean).unchanged == 1  # compared with the stored line
    assert stage_tables(db.session) == []
    assert import_csv("sales", clean, dry_run=True).unchanged == 1
    assert stage_tables(db.session) == []
    unknown = write(tmp_path, HEADER + b"S2,NOBODY,SW-1,2026-07-01,2,100.50,EUR,\n")
    assert import_csv("sales", unknown).error_count == 1  # reported, nothing written
    assert stage_tables(db.session) == []
    declined = write(tmp_path, HEADER + b'S3,ACME,SW-1,2026-07-01,2,"1",EUR,\n')
    assert import_csv("sales", declined).inserted == 1  # read row by row after all
    assert stage_tables(db.session) == []


def test_imports_on_two_connections_stage_at_once(app):
    """Each connection's table has its own name: one import never waits for another's."""
    from sqlalchemy import text

    from portal.extensions import db as database

    with app.app_context():
        engine = database.engine
    with engine.connect() as first, engine.connect() as second:
        first_name = Stage(first).create_for_copy()
        second.execute(text("SET LOCAL lock_timeout = '2s'"))
        second_name = Stage(second).create_for_copy()  # would time out behind `first`
        assert first_name != second_name
        persistence = first.scalar(
            text("SELECT relpersistence FROM pg_class WHERE relname = :name"), {"name": first_name}
        )
        assert persistence == "u"  # unlogged: parallel workers may read it
        first.rollback()
        second.rollback()
    with engine.connect() as later:
        assert stage_tables(later) == []  # nothing is left once the transactions end


def test_a_role_that_may_not_create_tables_stages_in_a_temporary_one(app):
    """Without CREATE on the schema the COPYed cells go to a temporary table (read on one
    core), and the import still takes the bulk path."""
    from sqlalchemy import text

    from portal.extensions import db as database

    with app.app_context():
        engine = database.engine
    with engine.connect() as connection:
        # the role and everything else here go with the rollback
        connection.execute(text("CREATE ROLE portal_stage_probe NOLOGIN"))
        connection.execute(text("SET LOCAL ROLE portal_stage_probe"))
        copied = Stage(connection).create_for_copy()
        connection.execute(text(f"INSERT INTO {copied} (external_id) VALUES ('S1')"))  # noqa: S608
        persistence = connection.scalar(
            text("SELECT relpersistence FROM pg_class WHERE relname = :name"), {"name": copied}
        )
        assert persistence == "t"  # temporary
        connection.rollback()
