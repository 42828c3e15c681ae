"""Fixtures: the app on real PostgreSQL (or SQLite), one rolled-back transaction per test.

Each test session creates its own database, claims its own Redis database number and keeps
uploads and mails in its own temporary folders, so sessions running side by side (several
suites, or the workers of one) never disturb each other.

TEST_DATABASE_URL picks the database (default: PostgreSQL `test` on 127.0.0.1); TEST_REDIS_URL
the Redis (default: 127.0.0.1 db 15). Both must be running: tests fail, never skip, without them.
"""

from __future__ import annotations

import contextvars
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from urllib.request import urlopen

import pytest
from flask import has_app_context
from flask.globals import app_ctx
from flask.testing import FlaskClient
from flask_migrate import upgrade
from redis.exceptions import WatchError
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import scoped_session, sessionmaker

from portal import create_app
from portal.config import TestConfig
from portal.extensions import db as _db
from portal.foundation.redis_conn import redis_from_url
from portal.migrations_cli import bind_migrations

from . import factories

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def pytest_addoption(parser):
    parser.addoption(
        "--database-tests-only",
        action="store_true",
        help="run only the tests that reach the database (use the `app` fixture); for the "
        "second run of the suite on another database, the others having run in the first",
    )


def pytest_collection_modifyitems(config, items):
    """`--database-tests-only` leaves out the tests that never reach a database: without the
    `app` fixture a test has no database to talk to (the engine, the architecture contracts,
    the catalogs, formatting), so it gives the same answer on PostgreSQL and SQLite."""
    if not config.getoption("--database-tests-only"):
        return
    agnostic = [item for item in items if "app" not in getattr(item, "fixturenames", ())]
    if agnostic:
        config.hook.pytest_deselected(items=agnostic)
        items[:] = [item for item in items if "app" in getattr(item, "fixturenames", ())]


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _private_database(base_url: str) -> str:
    """Each test session works in its own database beside the configured one, so concurrent
    sessions never drop each other's schema; databases of dead sessions are removed."""
    url = make_url(base_url)
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "portal-test.db")
        private = path.with_name(f"{path.stem}_{os.getpid()}{path.suffix}")
        private.unlink(missing_ok=True)
        return url.set(database=str(private)).render_as_string(hide_password=False)
    name = f"{url.database}_{os.getpid()}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        stale = conn.execute(
            text("SELECT datname FROM pg_database WHERE datname ~ :pattern"),
            {"pattern": f"^{url.database}_[0-9]+$"},
        ).scalars()
        for old in stale:
            if old == name or not _pid_alive(int(old.rsplit("_", 1)[1])):
                conn.execute(text(f'DROP DATABASE IF EXISTS "{old}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def _drop_private_database(private_url: str) -> None:
    url = make_url(private_url)
    if url.get_backend_name() == "sqlite":
        Path(url.database).unlink(missing_ok=True)
        return
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    admin.dispose()


REDIS_LOCK_KEY = "portal-test-session"


def _private_redis(base_url: str) -> str:
    """Claim a Redis database number no other running test session uses (1–15). The claim is
    one transaction watched on the lock key, so sessions starting together never share one."""
    parsed = urlsplit(base_url)
    for number in range(1, 16):
        candidate = urlunsplit((parsed.scheme, parsed.netloc, f"/{number}", "", ""))
        conn = redis_from_url(candidate)
        try:
            with conn.pipeline() as claim:
                claim.watch(REDIS_LOCK_KEY)
                owner = claim.get(REDIS_LOCK_KEY)
                if owner is not None and int(owner) != os.getpid() and _pid_alive(int(owner)):
                    continue
                claim.multi()
                claim.flushdb()
                claim.set(REDIS_LOCK_KEY, os.getpid())
                try:
                    claim.execute()
                except WatchError:
                    continue
            return candidate
        finally:
            conn.close()
    raise RuntimeError("no free Redis database for this test session (15 sessions running?)")


def commit_test_session() -> None:
    """What the test set up is committed before a request, as it would be in production (in
    the `db` fixture this only releases a savepoint of the outer transaction); it also expires
    the test's objects, so after the request they load what the request left."""
    if has_app_context():
        _db.session.commit()


class InContext:
    """A response body iterated, and closed, in the context its request ran in: a WSGI server
    sends the body right after the application returned, on the same thread."""

    def __init__(self, context: contextvars.Context, body):
        self.context, self.body = context, body

    def __iter__(self):
        return self

    def __next__(self):
        return self.context.run(next, self.body)

    def close(self) -> None:
        if hasattr(self.body, "close"):
            self.context.run(self.body.close)


def in_own_context(open_request, *args, **kwargs):
    """Send one request the way a server does: in a fresh, empty context, so it pushes its own
    app context and pops it, with the app's teardown (the database session removed, `g`
    forgotten), when it ends. Nothing of the test's own context is visible to it."""
    commit_test_session()
    context = contextvars.Context()
    response = context.run(open_request, *args, **kwargs)
    if not response.is_sequence:
        response.response = InContext(context, response.response)
    return response


class Client(FlaskClient):
    """Each request runs in its own context, like a request under gunicorn (`in_own_context`).
    As a server does, the whole body is sent (read) and the response closed right after the
    application returned, in that context; `buffered=False` leaves that to the test, which
    must then read or close the response."""

    def open(self, *args, buffered: bool = True, **kwargs):
        return in_own_context(super().open, *args, buffered=buffered, **kwargs)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    class SessionConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = _private_database(TestConfig.SQLALCHEMY_DATABASE_URI)
        REDIS_URL = _private_redis(TestConfig.REDIS_URL)
        UPLOAD_DIR = str(tmp_path_factory.mktemp("uploads"))
        MAIL_OUTBOX_DIR = str(tmp_path_factory.mktemp("outbox"))

    app = create_app(SessionConfig)
    app.test_client_class = Client
    try:
        with app.app_context():
            bind_migrations(app)
            upgrade(directory=str(PROJECT_ROOT / "migrations"), revision="heads")
            yield app
            _db.session.remove()
            _db.engine.dispose()
    finally:
        _drop_private_database(SessionConfig.SQLALCHEMY_DATABASE_URI)
        cleanup = redis_from_url(SessionConfig.REDIS_URL)
        cleanup.flushdb()
        cleanup.close()


@pytest.fixture(scope="session")
def is_postgres(app) -> bool:
    return _db.engine.dialect.name == "postgresql"


def _app_context_id() -> int:
    """Sessions are scoped to the app context, as Flask-SQLAlchemy scopes them."""
    return id(app_ctx._get_current_object())


@pytest.fixture
def test_context(app):
    """The test's own app context (its `g`, its database session), popped after the test.
    Requests never run in it: the client sends each one in a context of its own."""
    with app.app_context():
        yield


@pytest.fixture
def db(app, test_context, request):
    """Sessions bound to one outer transaction that is rolled back after the test.

    As in the app, each app context has its own session: the test's, and one per request,
    which the request's teardown removes. They share the connection, so a request sees what the
    test wrote and the test sees what a request committed (each commit releases a savepoint).

    In a test that also uses `committed_db`, data must really be committed, so this yields the
    plain session instead (and `committed_db` empties the tables afterwards).
    """
    if "committed_db" in request.fixturenames:
        yield _db
        return
    connection = _db.engine.connect()
    outer = connection.begin()
    # Plain Sessions: Flask-SQLAlchemy's own Session picks the engine per mapper and would
    # bypass this connection (and its transaction).
    session = scoped_session(
        sessionmaker(bind=connection, join_transaction_mode="create_savepoint"),
        scopefunc=_app_context_id,
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
def committed_db(app, test_context):
    """Real commits, for work done by other processes (RQ workers); tables emptied afterwards."""
    try:
        yield _db
    finally:
        _db.session.remove()
        truncate_all()


def truncate_all() -> None:
    """Empty every table (what committed tests leave behind)."""
    # sale_lines first: its partner and product ids carry no foreign key to order it by, and
    # deleting a partner or product that lines still name is refused (migration 0024)
    tables = ["sale_lines"] + [t.name for t in reversed(_db.metadata.sorted_tables)]
    tables.append("audit_head")
    with _db.engine.begin() as conn:
        if _db.engine.dialect.name == "postgresql":
            # A connection the test leaked (open transaction, held lock) fails the teardown
            # loudly instead of hanging the whole suite.
            conn.execute(text("SET LOCAL lock_timeout = '60s'"))
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
    connection.set(REDIS_LOCK_KEY, os.getpid())
    yield connection
    connection.flushdb()
    connection.set(REDIS_LOCK_KEY, os.getpid())
    connection.close()


@pytest.fixture
def client(app, db, redis):
    return app.test_client()


@pytest.fixture
def request_context(app, test_context):
    """A request context around the test body, for code that renders text for a request
    (lazy strings, the request's language) called directly. Client requests never see it."""
    with app.test_request_context("/"):
        yield


@pytest.fixture
def cheap_password_hashes(monkeypatch):
    """Users the product creates in the test (the demo's logins) get a cheap hash: the product's
    scrypt costs ~0.1–0.3 s per user and as much per sign-in. Hashing itself is tested apart."""
    monkeypatch.setattr("portal.models.users.PASSWORD_METHOD", factories.TEST_HASH_METHOD)


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


def worker_env(app) -> dict[str, str]:
    """The environment of a `portal` process (worker, command, gunicorn) started by a test: this
    session's database, Redis, upload and mail folders."""
    return dict(
        os.environ,
        PORTAL_ENV="test",
        TEST_DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        TEST_REDIS_URL=app.config["REDIS_URL"],
        TEST_UPLOAD_DIR=app.config["UPLOAD_DIR"],
        TEST_MAIL_OUTBOX_DIR=app.config["MAIL_OUTBOX_DIR"],
    )


def run_python(app, *args: str) -> str:
    """Run the interpreter with `args` as a `portal` process of this session would run; returns
    what it printed (a failure fails the test)."""
    done = subprocess.run(  # noqa: S603
        [sys.executable, *args],
        env=worker_env(app),
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout


def run_worker_burst(app, timeout: int = 120) -> subprocess.CompletedProcess:
    """Run a real `portal worker --burst` process against the test database and Redis."""
    env = worker_env(app)
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


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LiveServer:
    """The portal under gunicorn in its own processes, as in production."""

    def __init__(self, url: str, process: subprocess.Popen, log: Path):
        self.url, self.process, self.log = url, process, log

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture(scope="session")
def live_gunicorn(app, tmp_path_factory):
    """gunicorn (two sync workers) on a free local port, against this session's database,
    Redis and upload folder. Fails the tests that need it when it does not start."""
    port = _free_port()
    log = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    env = worker_env(app)
    command = [sys.executable, "-m", "gunicorn", "--no-control-socket", "--workers", "2"]
    command += ["--bind", f"127.0.0.1:{port}", "--timeout", "120", "--access-logfile", "-"]
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603
            [*command, "wsgi:app"], cwd=PROJECT_ROOT, env=env, stdout=output, stderr=output
        )
    server = LiveServer(f"http://127.0.0.1:{port}", process, log)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"gunicorn exited with {process.returncode}:\n{server.log_text()}")
            try:
                with urlopen(f"{server.url}/login", timeout=5) as answer:  # noqa: S310
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"gunicorn did not answer on {server.url}:\n{server.log_text()}")
            time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
