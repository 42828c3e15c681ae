"""A request that only read ends its transaction with COMMIT, so the connection keeps the
statements the driver prepared on it; a request that wrote, failed or left changes pending is
rolled back as always."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.extensions import db as _db
from portal.models import Territory

pytestmark = pytest.mark.postgres


def _prepared(driver) -> int:
    return driver.execute("SELECT count(*) FROM pg_prepared_statements").fetchone()[0]


def _read_often(session) -> object:
    """Read one statement more often than the driver waits before preparing it; returns the
    driver connection it ran on."""
    for _ in range(8):
        session.execute(select(func.count(Territory.id)).where(Territory.code == "NOWHERE"))
    return session.connection().connection.dbapi_connection


def test_a_request_that_only_read_keeps_the_prepared_statements(app, committed_db):
    with app.test_request_context("/"):
        driver = _read_often(committed_db.session)
        assert _prepared(driver) >= 1
    # the request's teardown ended the transaction: with a rollback, psycopg would have
    # deallocated every prepared statement of the connection
    assert driver.info.transaction_status == driver.info.transaction_status.IDLE
    assert _prepared(driver) >= 1
    driver.rollback()


def test_a_request_that_wrote_is_rolled_back(app, committed_db):
    with app.test_request_context("/"):
        _read_often(committed_db.session)
        committed_db.session.add(Territory(code="UNSAVED", name="Unsaved"))
        committed_db.session.flush()  # written, never committed by the request
    with app.app_context():
        kept = _db.session.scalar(select(func.count()).where(Territory.code == "UNSAVED"))
    assert kept == 0


def test_pending_changes_are_not_committed_by_the_end_of_a_request(app, committed_db):
    with app.test_request_context("/"):
        _read_often(committed_db.session)
        committed_db.session.add(Territory(code="PENDING", name="Pending"))  # not flushed
    with app.app_context():
        kept = _db.session.scalar(select(func.count()).where(Territory.code == "PENDING"))
    assert kept == 0


def test_a_request_that_failed_is_rolled_back(app, committed_db):
    with pytest.raises(RuntimeError), app.test_request_context("/"):
        _read_often(committed_db.session)
        committed_db.session.add(Territory(code="FAILED", name="Failed"))
        committed_db.session.flush()
        raise RuntimeError("the view failed")
    with app.app_context():
        kept = _db.session.scalar(select(func.count()).where(Territory.code == "FAILED"))
    assert kept == 0


def test_a_request_that_ran_no_statement_takes_no_connection(app, committed_db):
    from sqlalchemy import event

    taken = []

    def checkout(*_args):
        taken.append(1)

    engine = committed_db.engine
    event.listen(engine, "checkout", checkout)
    try:
        with app.test_request_context("/"):
            committed_db.session.begin()  # a transaction of the session, no statement in it
    finally:
        event.remove(engine, "checkout", checkout)
    assert taken == []
