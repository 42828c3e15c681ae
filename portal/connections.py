"""Pooled database connections never cross a fork.

A process that forks (a pre-forking web server, a worker started with RQ's forking worker class)
hands its children copies of its pooled connections; two processes talking over one socket
corrupt each other's transactions. Each connection remembers the process that opened it, and a
checkout from any other process discards it (without closing the parent's socket) so the pool
opens a fresh one — SQLAlchemy's documented recipe for pools and os.fork().

A request that wrote nothing ends its transaction with COMMIT, so the driver keeps the
statements it prepared on the connection (`end_reading_request`).
"""

from __future__ import annotations

import os

from sqlalchemy import event, exc
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from .extensions import db


def _stamp(dbapi_connection, connection_record) -> None:
    connection_record.info["pid"] = os.getpid()


def _check(dbapi_connection, connection_record, connection_proxy) -> None:
    owner, here = connection_record.info.get("pid"), os.getpid()
    if owner != here:
        connection_record.dbapi_connection = connection_proxy.dbapi_connection = None
        raise exc.DisconnectionError(f"connection opened by process {owner}, checked out in {here}")


def register(app) -> None:
    with app.app_context():
        engine: Engine = db.engine
        if not event.contains(engine, "connect", _stamp):
            event.listen(engine, "connect", _stamp)
            event.listen(engine, "checkout", _check)
    if not event.contains(Session, "after_begin", _began):
        event.listen(Session, "after_begin", _began)
        event.listen(Session, "after_transaction_end", _ended)
    app.teardown_request(end_reading_request)


# --- the end of a request that wrote nothing ------------------------------------------------

ON_CONNECTION = "portal.transaction_on_connection"


def _began(session, transaction, connection) -> None:
    session.info[ON_CONNECTION] = True


def _ended(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(ON_CONNECTION, None)


def _wrote_nothing(session) -> bool:
    """Whether the session's PostgreSQL transaction is healthy and wrote nothing: no pending
    objects and no transaction id (PostgreSQL assigns one at the first write or row lock)."""
    if session.new or session.dirty or session.deleted or session.in_nested_transaction():
        return False
    if not session.info.get(ON_CONNECTION):
        return False  # no statement ran: nothing to end on the database
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return False
    driver = connection.connection.dbapi_connection
    if driver is None or driver.info.transaction_status != driver.info.transaction_status.INTRANS:
        return False
    return driver.execute("SELECT pg_current_xact_id_if_assigned() IS NULL").fetchone()[0]


def end_reading_request(exc: BaseException | None) -> None:
    """A request that only read ends its transaction with COMMIT, not ROLLBACK: the same for
    PostgreSQL, but psycopg drops every prepared statement of the connection on a rollback, so
    the pages read most (the dashboards) would parse and plan each statement on every request.
    Anything that wrote, failed or is unfinished is left to the rollback of the session's
    removal, as before."""
    if exc is not None or not db.session.registry.has():
        return
    session = db.session()
    if session.in_transaction() and _wrote_nothing(session):
        session.commit()
