"""The temporary table sales lines are streamed into before set-based validation and merge.

PostgreSQL receives the rows through COPY on the session's own connection (so they live in
the caller's transaction); SQLite through executemany in chunks. The table is TEMPORARY, so it
is private to the connection; it is dropped after the merge, and a rolled-back SAVEPOINT takes
it away on failure (on PostgreSQL ON COMMIT DROP is the last safety net).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice

from sqlalchemy import BigInteger, Column, Date, MetaData, Table, Text, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

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

    def create(self) -> None:
        STAGE.create(self.connection)

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
        savepoint = self.connection.begin_nested()
        try:
            self.connection.execute(
                text(f"CREATE UNIQUE INDEX {STAGE.name}_external_id ON {STAGE.name} (external_id)")
            )
        except IntegrityError:
            savepoint.rollback()
            return False
        savepoint.commit()
        return True

    def drop(self) -> None:
        STAGE.drop(self.connection)
