"""Pooled database connections never cross a fork.

A process that forks (a pre-forking web server, a worker started with RQ's forking worker class)
hands its children copies of its pooled connections; two processes talking over one socket
corrupt each other's transactions. Each connection remembers the process that opened it, and a
checkout from any other process discards it (without closing the parent's socket) so the pool
opens a fresh one — SQLAlchemy's documented recipe for pools and os.fork().
"""

from __future__ import annotations

import os

from sqlalchemy import event, exc
from sqlalchemy.engine import Engine

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
