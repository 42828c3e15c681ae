"""SQLite settings for the embedded default: foreign keys on, WAL, and a busy timeout."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine

from .extensions import db


def _configure(dbapi_connection, connection_record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def register(app) -> None:
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    with app.app_context():
        engine: Engine = db.engine
        if not event.contains(engine, "connect", _configure):
            event.listen(engine, "connect", _configure)
