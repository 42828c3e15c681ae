"""Indexes built once after a load that at least doubles a table, instead of row by row.

Each new row costs every index of its table a random insertion, logged on its own: a million
sales lines spend more time in the four secondary indexes of `sale_lines` than in the table.
Building an index from the loaded table sorts once and writes it sequentially, about a third
of that. It only pays when the load brings at least as many rows as the table already holds
(an initial load, a year of history, a first feed after a purge): rebuilding an index walks
the whole table, the rows that were there included.

The indexes are dropped and rebuilt inside the import's transaction, from the definitions
PostgreSQL reports for them, so they come back exactly as the migrations made them, and a
failed import rolls the drop back with everything else. The primary key stays (foreign keys
point at it), and so does any index a foreign key depends on. Dropping takes the table's
ACCESS EXCLUSIVE lock: readers of the raw lines (calculation runs, the sales page) wait for
the load to commit; the dashboards read the roll-ups and do not. SQLite keeps its indexes.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from sqlalchemy import bindparam, func, literal, select, text
from sqlalchemy.orm import Session

# Below this many new rows the row-by-row cost is small whatever the table's size.
BULK_MIN_ROWS = 50_000
# Sorting memory of the rebuilds, for the import's transaction only.
BUILD_MEMORY = "256MB"
log = logging.getLogger(__name__)

SECONDARY = text(
    """
    SELECT index_class.relname, pg_get_indexdef(i.indexrelid), c.conname,
           pg_get_constraintdef(c.oid)
    FROM pg_index i
    JOIN pg_class index_class ON index_class.oid = i.indexrelid
    LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid
    WHERE i.indrelid = CAST(:table AS regclass) AND NOT i.indisprimary
      AND NOT EXISTS (
          SELECT 1 FROM pg_constraint fk WHERE fk.contype = 'f' AND fk.conindid = i.indexrelid
      )
    ORDER BY index_class.relname
    """
).bindparams(bindparam("table"))


@dataclass(frozen=True)
class Index:
    name: str
    definition: str  # CREATE [UNIQUE] INDEX …, as PostgreSQL reports it
    constraint: str | None  # the UNIQUE constraint the index backs, if any
    constraint_definition: str | None

    def drop(self, table: str) -> str:
        if self.constraint is not None:
            return f'ALTER TABLE {table} DROP CONSTRAINT "{self.constraint}"'
        return f'DROP INDEX "{self.name}"'

    def create(self, table: str) -> str:
        if self.constraint is not None:
            return (
                f'ALTER TABLE {table} ADD CONSTRAINT "{self.constraint}" '
                f"{self.constraint_definition}"
            )
        return self.definition


def worth_rebuilding(session: Session, table, rows: int) -> bool:
    """Whether `rows` new rows are enough, and at least as many as `table` holds, for building
    its indexes afresh to cost less than inserting into them (PostgreSQL only). Counts at most
    `rows` + 1 stored rows."""
    if session.get_bind().dialect.name != "postgresql" or rows < BULK_MIN_ROWS:
        return False
    stored = select(func.count()).select_from(
        select(literal(1)).select_from(table).limit(rows + 1).subquery()
    )
    return session.scalar(stored) <= rows


def secondary_indexes(session: Session, table: str) -> list[Index]:
    """The indexes of `table` a bulk load may drop: all but the primary key and those a
    foreign key depends on."""
    return [Index(*row) for row in session.execute(SECONDARY, {"table": table})]


def load_then_index(session: Session, table, load) -> object:
    """Run `load()` (the statement writing the rows) on `table` stripped of its secondary
    indexes, then build them again; returns what `load` returned."""
    name = table.name
    indexes = secondary_indexes(session, name)
    for index in indexes:
        session.execute(text(index.drop(name)))
    started = time.perf_counter()
    loaded = load()
    written = time.perf_counter()
    session.execute(select(func.set_config("maintenance_work_mem", BUILD_MEMORY, True)))
    for index in indexes:
        session.execute(text(index.create(name)))
    log.info(
        "loaded %s without its %d secondary indexes in %.2fs, built them in %.2fs",
        name,
        len(indexes),
        written - started,
        time.perf_counter() - written,
    )
    return loaded
