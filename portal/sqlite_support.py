"""SQLite for the embedded default: foreign keys on, WAL, a busy timeout, and real transactions.

pysqlite starts transactions lazily and never for SAVEPOINT; SQLAlchemy's documented recipe
(autocommit driver + an explicit BEGIN) gives SQLite the same transaction semantics as
PostgreSQL, which nested transactions and transactional migrations rely on.
"""

from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine

from .extensions import db


def _on_connect(dbapi_connection, connection_record) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _on_begin(connection) -> None:
    connection.exec_driver_sql("BEGIN")


def register(app) -> None:
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    with app.app_context():
        engine: Engine = db.engine
        if not event.contains(engine, "connect", _on_connect):
            event.listen(engine, "connect", _on_connect)
            event.listen(engine, "begin", _on_begin)
