"""Fixtures: the app on real PostgreSQL (or SQLite), one rolled-back transaction per test.

TEST_DATABASE_URL picks the database (default: PostgreSQL `test` on 127.0.0.1); TEST_REDIS_URL
the Redis (default: 127.0.0.1 db 15). Both must be running: tests fail, never skip, without them.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import flask_babel
import pytest
from flask import g
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import text
from sqlalchemy.orm import scoped_session, sessionmaker

from portal import create_app
from portal.config import TestConfig
from portal.extensions import db as _db
from portal.redis_conn import redis_from_url

from . import factories

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _reset_database(app) -> None:
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        if path and path != ":memory:" and os.path.exists(path):
            os.remove(path)
        return
    with _db.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))


class Client(FlaskClient):
    """Requests reuse the test's app context, so forget the user Flask-Login cached in `g`."""

    def open(self, *args, **kwargs):
        g.pop("_login_user", None)
        g.pop("csrf_token", None)
        flask_babel.refresh()
        return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app():
    app = create_app(TestConfig)
    app.test_client_class = Client
    with app.app_context():
        _reset_database(app)
        upgrade(directory=str(PROJECT_ROOT / "migrations"))
        yield app
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture(scope="session")
def is_postgres(app) -> bool:
    return _db.engine.dialect.name == "postgresql"


@pytest.fixture
def db(app):
    """A session bound to one outer transaction that is rolled back after the test."""
    connection = _db.engine.connect()
    outer = connection.begin()
    # A plain Session: Flask-SQLAlchemy's own Session picks the engine per mapper and would
    # bypass this connection (and its transaction).
    session = scoped_session(
        sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
    )
    original = _db.session
    _db.session = session
    try:
        yield _db
    finally:
        session.remove()
        _db.session = original
        outer.rollback()
        connection.close()


@pytest.fixture
def committed_db(app):
    """Real commits, for work done by other processes (RQ workers); tables emptied afterwards."""
    try:
        yield _db
    finally:
        _db.session.remove()
        tables = [t.name for t in reversed(_db.metadata.sorted_tables)] + ["audit_head"]
        with _db.engine.begin() as conn:
            if _db.engine.dialect.name == "postgresql":
                conn.execute(
                    text(f"TRUNCATE {', '.join(sorted(set(tables)))} RESTART IDENTITY CASCADE")
                )
            else:
                for name in dict.fromkeys(tables):
                    conn.execute(text(f"DELETE FROM {name}"))  # noqa: S608


@pytest.fixture
def redis(app):
    """The real Redis the app uses, emptied before the test."""
    connection = redis_from_url(app.config["REDIS_URL"])
    connection.flushdb()
    yield connection
    connection.flushdb()
    connection.close()


@pytest.fixture
def client(app, db, redis):
    return app.test_client()


@pytest.fixture
def make(db):
    return factories.Factory(db.session)


@pytest.fixture
def make_committed(committed_db):
    """Factories writing through the real session; the test commits what other processes need."""
    return factories.Factory(committed_db.session)


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, path: str = "/login") -> str:
    html = client.get(path).get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, f"no CSRF token on {path}: {html[:3000]}"
    return match.group(1)


@pytest.fixture
def login(client):
    """Sign `user` in through the real login form; returns the client."""

    def sign_in(user, password: str = factories.PASSWORD):
        token = csrf_token(client)
        response = client.post(
            "/login", data={"email": user.email, "password": password, "csrf_token": token}
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return sign_in


def run_worker_burst(app, timeout: int = 120) -> subprocess.CompletedProcess:
    """Run a real `portal worker --burst` process against the test database and Redis."""
    env = dict(
        os.environ,
        PORTAL_ENV="test",
        TEST_DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        TEST_REDIS_URL=app.config["REDIS_URL"],
    )
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "portal.cli", "worker", "--burst"],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture
def worker(app):
    return lambda: run_worker_burst(app)
