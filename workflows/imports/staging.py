"""The temporary table sales lines are streamed into before set-based validation and merge.

PostgreSQL receives the rows through COPY on the session's own connection (so they live in
the caller's transaction); SQLite through executemany in chunks. The table is TEMPORARY, so it
is private to the connection; it is dropped after the merge, and a rolled-back SAVEPOINT takes
it away on failure (on PostgreSQL ON COMMIT DROP is the last safety net).

A file COPYed as it is (bulk_sales) lands in a table of the file's own cells instead, and the
stage is a view over it that scales the numbers and capitalises the deal references as the
row path does. Its lines are numbered only when a check has something to report: numbering a
million rows as they arrive costs more than the rest of staging them.

That table is UNLOGGED rather than TEMPORARY: PostgreSQL never reads a temporary table with
parallel workers, and the statements that read every staged line (the pass over the file, the
unique index over its ids, the join with the stored lines) run on two cores instead of one
(docs/decisions.md, "Sales data at scale"). It is created and dropped inside the import's
transaction, so no other session ever sees it and a rollback leaves nothing behind; its name
carries the connection's process id, so concurrent imports never wait for each other's.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice

from sqlalchemy import BigInteger, Column, Date, MetaData, Table, Text, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError, ProgrammingError

CHUNK = 5_000

STAGE = Table(
    "import_sales_stage",
    MetaData(),
    Column("line", BigInteger, nullable=False),
    Column("external_id", Text),
    Column("partner_code", Text),
    Column("sku", Text),
    Column("sold_on", Date),
    Column("quantity", BigInteger),
    Column("amount", BigInteger),
    Column("currency", Text),
    Column("deal_ref", Text),
    prefixes=["TEMPORARY"],
    postgresql_on_commit="DROP",
)
COLUMNS = [c.name for c in STAGE.columns]
COPY_TYPES = ["int8", "text", "text", "text", "text", "int8", "int8", "text", "text"]
# What a file COPYed as it is fills: its cells, typed, with the numbers as written; named
# {copied} below, `import_sales_copied_<process id of the connection>`.
COPIED_PREFIX = "import_sales_copied_"
COPIED_TABLE = """
CREATE {kind} TABLE {copied} (
    external_id text, partner_code text, sku text, sold_on date,
    quantity numeric, amount numeric, currency text, deal_ref text
){on_commit}"""
# Its statistics from a sample of 3,000 rows instead of 30,000: enough for the plans of the
# checks and the merge (row count, distinct ids, codes and days), at a tenth of the cost.
COPIED_SAMPLE = "ALTER TABLE {copied} " + ", ".join(
    f"ALTER COLUMN {column} SET STATISTICS 10"
    for column in ("external_id", "partner_code", "sku", "sold_on")
    + ("quantity", "amount", "currency", "deal_ref")
)
# The stage over it, as the row path stages each row: numbers in 10**-4 units, deal references
# in capitals (the bulk path only takes ASCII, which both capitalise alike). `line` is the
# file line, numbered by `Stage.number_lines` when a check reports lines.
_STAGED_CELLS = """
    external_id, partner_code, sku, sold_on,
    CAST(quantity * 10000 AS bigint) AS quantity, CAST(amount * 10000 AS bigint) AS amount,
    currency, upper(deal_ref) AS deal_ref"""
COPIED_VIEW = f"""
CREATE TEMPORARY VIEW {STAGE.name} AS
SELECT CAST(NULL AS bigint) AS line, {_STAGED_CELLS} FROM {{copied}}"""  # noqa: S608
# A plain file has one row per line after the header, and one COPY appends its rows to the
# heap in file order: the row's place in the heap gives its line.
NUMBERED_TABLE = f"""
CREATE TEMPORARY TABLE {STAGE.name} ON COMMIT DROP AS
SELECT row_number() OVER (ORDER BY ctid) + 1 AS line, {_STAGED_CELLS} FROM {{copied}}"""  # noqa: S608


def _chunks(rows: Iterable[tuple], size: int) -> Iterator[list[tuple]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


class Stage:
    """Create the staging table, fill it from an iterator of tuples, analyse it, drop it."""

    def __init__(self, connection: Connection):
        self.connection = connection
        self.postgres = connection.dialect.name == "postgresql"
        self.table = STAGE
        self.copied: str | None = None  # the table of COPYed cells the stage is a view over
        self.numbered = True  # the stage's lines are known

    def create(self) -> None:
        STAGE.create(self.connection)

    def create_for_copy(self) -> str:
        """Create the table a plain file is COPYed into as it is (PostgreSQL); returns its name.
        `view_copied` then makes the stage of it."""
        pid = self.connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
        copied = f"{COPIED_PREFIX}{pid}"
        savepoint = self.connection.begin_nested()
        try:
            self.connection.execute(
                text(COPIED_TABLE.format(kind="UNLOGGED", copied=copied, on_commit=""))
            )
        except ProgrammingError:
            # a database role without CREATE on the schema may still make temporary tables:
            # the import then reads its stage on one core
            savepoint.rollback()
            temporary = COPIED_TABLE.format(
                kind="TEMPORARY", copied=copied, on_commit=" ON COMMIT DROP"
            )
            self.connection.execute(text(temporary))
        else:
            savepoint.commit()
        self.connection.execute(text(COPIED_SAMPLE.format(copied=copied)))
        return copied

    def view_copied(self, copied: str) -> None:
        """The stage as a view over the COPYed cells of table `copied`, its lines not numbered
        yet."""
        self.connection.execute(text(COPIED_VIEW.format(copied=copied)))
        self.copied, self.numbered = copied, False

    def number_lines(self) -> None:
        """Give each staged row its file line (before reporting lines)."""
        if self.numbered:
            return
        self.connection.execute(text(f"DROP VIEW {STAGE.name}"))
        self.connection.execute(text(NUMBERED_TABLE.format(copied=self.copied)))
        self.numbered = True

    def fill(self, rows: Iterable[tuple]) -> int:
        """Stream `rows` (in COLUMNS order) into the table; returns how many were written."""
        raw = self.connection.connection.dbapi_connection
        count = 0
        if self.postgres:
            statement = f"COPY {STAGE.name} ({', '.join(COLUMNS)}) FROM STDIN"
            with raw.cursor() as cursor, cursor.copy(statement) as copy:
                # fixed dumpers skip per-value type dispatch; dates travel as their ISO text
                copy.set_types(COPY_TYPES)
                for row in rows:
                    copy.write_row(row)
                    count += 1
        else:
            placeholders = ", ".join("?" for _ in COLUMNS)
            statement = f"INSERT INTO {STAGE.name} ({', '.join(COLUMNS)}) VALUES ({placeholders})"  # noqa: S608
            cursor = raw.cursor()
            try:
                for chunk in _chunks(rows, CHUNK):
                    cursor.executemany(statement, chunk)
                    count += len(chunk)
            finally:
                cursor.close()
        if self.postgres:
            # a temporary table is never auto-analysed; without statistics the planner guesses
            # a few hundred rows and may pick nested loops over a million
            self.connection.execute(text(f"ANALYZE {STAGE.name}"))
        return count

    def external_ids_distinct(self) -> bool:
        """Whether no external_id is staged twice, answered by building a unique index over
        them: a sort, about a third of the time of grouping a million ids to count each. The
        build fails on the first repeated id; only then do the import's checks look for the
        repeated lines, to report them. The index goes with the table."""
        table = self.copied or STAGE.name
        # in byte order on PostgreSQL (SQLite's own): the same ids are equal under any
        # deterministic collation, and the sort compares bytes instead of calling the locale
        ordered = ' COLLATE "C"' if self.postgres else ""
        savepoint = self.connection.begin_nested()
        try:
            self.connection.execute(
                text(f"CREATE UNIQUE INDEX {table}_external_id ON {table} (external_id{ordered})")
            )
        except IntegrityError:
            savepoint.rollback()
            return False
        savepoint.commit()
        return True

    def drop(self) -> None:
        if self.copied:
            kind = "TABLE" if self.numbered else "VIEW"
            self.connection.execute(text(f"DROP {kind} {STAGE.name}"))
            self.connection.execute(text(f"DROP TABLE {self.copied}"))
            return
        STAGE.drop(self.connection)
