"""Planner statistics kept current after bulk writes.

Right after an import of a million sales lines PostgreSQL still plans with the statistics of
the table as it was (none at all for a fresh table) until autovacuum gets to it: the first
settlement run then took 30 s instead of 0.3 s. So a writer that wrote many rows says so with
`wrote(session, table, rows)`, and when that session commits, every table written with at least
`ANALYZE_AFTER_ROWS` rows (default 10,000) in the transaction is `ANALYZE`d first, inside the
same transaction, so the next query — in this process or another — plans with current figures.
On PostgreSQL a smaller table is analysed too when the rows written would make autovacuum
analyse it (50 rows plus a tenth of the rows it last counted, by default): an import of 5,000
partners into an empty table otherwise leaves them planned as the defaults guess, and the next
sales import hashed a million lines instead of the partners' territories.
SQLite keeps its planner figures in `sqlite_stat1` and gets the same (with a sample limit, so
a large table costs milliseconds, not a full scan).

ANALYZE runs in the committing transaction because PostgreSQL allows it there (VACUUM it does
not), it sees the rows the transaction wrote, and it works the same under a savepoint. A
rolled-back transaction forgets what it wrote.
"""

from __future__ import annotations

import logging
import time

from flask import current_app, has_app_context
from sqlalchemy import bindparam, event, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.types import BigInteger, Text

INFO_KEY = "portal.rows_written"
DEFAULT_AFTER_ROWS = 10_000
SQLITE_ANALYSIS_LIMIT = 1000  # rows sampled per index, as PRAGMA analysis_limit
log = logging.getLogger(__name__)
# The tables among those named whose rows written reach autovacuum's own rule for analysing.
AUTOVACUUM_DUE = text(
    """
    SELECT t.name
    FROM unnest(:names, :rows) AS t(name, rows)
    JOIN pg_class c ON c.oid = to_regclass(t.name)
    WHERE t.rows >= CAST(current_setting('autovacuum_analyze_threshold') AS integer)
        + CAST(current_setting('autovacuum_analyze_scale_factor') AS float8)
        * greatest(c.reltuples, 0)
    """
).bindparams(bindparam("names", type_=ARRAY(Text)), bindparam("rows", type_=ARRAY(BigInteger)))


def wrote(session: Session, table: str, rows: int) -> None:
    """This transaction wrote (inserted or changed) `rows` rows of `table`."""
    if rows > 0:
        written = session.info.setdefault(INFO_KEY, {})
        written[table] = written.get(table, 0) + rows


def rebuilt(session: Session, table: str) -> None:
    """This transaction replaced a small derived table (or much of it): ANALYZE it at commit
    whatever the row count, since its figures describe rows that are gone; a few thousand rows
    cost milliseconds."""
    written = session.info.setdefault(INFO_KEY, {})
    written[table] = max(written.get(table, 0), threshold())


def threshold() -> int:
    if has_app_context():
        return int(current_app.config.get("ANALYZE_AFTER_ROWS", DEFAULT_AFTER_ROWS))
    return DEFAULT_AFTER_ROWS


def analyze(session: Session, tables: list[str]) -> None:
    """ANALYZE `tables` on the session's connection, in its transaction."""
    connection = session.connection()
    quote = connection.dialect.identifier_preparer.quote
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(f"PRAGMA analysis_limit = {SQLITE_ANALYSIS_LIMIT}")
    for table in tables:
        started = time.perf_counter()
        connection.exec_driver_sql(f"ANALYZE {quote(table)}")
        log.info("analyzed %s in %.2fs", table, time.perf_counter() - started)


def _before_commit(session: Session) -> None:
    written = session.info.pop(INFO_KEY, None)
    if not written:
        return
    due = {table for table, rows in written.items() if rows >= threshold()}
    fewer = {table: rows for table, rows in written.items() if table not in due}
    if fewer and session.get_bind().dialect.name == "postgresql":
        names, rows = list(fewer), list(fewer.values())
        due.update(session.scalars(AUTOVACUUM_DUE, {"names": names, "rows": rows}))
    if due:
        analyze(session, sorted(due))


def _after_rollback(session: Session) -> None:
    session.info.pop(INFO_KEY, None)


def register() -> None:
    """Listen on every Session (the app's and any other): idempotent."""
    if not event.contains(Session, "before_commit", _before_commit):
        event.listen(Session, "before_commit", _before_commit)
        event.listen(Session, "after_rollback", _after_rollback)
