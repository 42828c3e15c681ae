"""The data version in Redis moves after commits that change what pages show, never before."""

from __future__ import annotations

import time

from redis import Redis

from portal.foundation import data_version
from portal.foundation.audit import record_event
from portal.foundation.redis_conn import get_redis
from workflows.rollups import refresh_sales_monthly


def test_an_audited_change_moves_the_version_after_its_commit(db, redis, make):
    before = data_version.current()
    partner = make.partner("ACME", make.territory("EMEA"))
    record_event(None, "partner.update", partner, after={"name": "Acme"})
    db.session.flush()
    assert data_version.current() == before
    db.session.commit()
    assert int(data_version.current()) == int(before) + 1


def test_signing_in_and_exports_leave_it_alone(db, redis, make):
    user = make.user("finance", email="fiona@example.com")
    db.session.commit()
    moved = data_version.current()
    for action in ("user.login", "statements.export", "calc.results.export", "payouts.export"):
        record_event(user, action, user)
        db.session.commit()
    assert data_version.current() == moved


def test_a_rolled_back_change_does_not_move_it(db, redis, make):
    before = data_version.current()
    db.session.begin_nested()
    record_event(None, "partner.update", ("partners", 1), after={})
    db.session.rollback()
    assert data_version.current() == before


def test_a_rebuilt_roll_up_moves_it(db, redis):
    before = data_version.current()
    refresh_sales_monthly()
    db.session.commit()
    assert int(data_version.current()) == int(before) + 1


def test_a_lost_counter_restarts_from_the_clock_not_from_one(db, redis):
    started = time.time_ns()
    redis.delete(data_version.KEY)
    assert int(data_version.current()) >= started
    redis.delete(data_version.KEY)
    data_version.bump()
    assert int(redis.get(data_version.KEY)) > started


def test_without_redis_the_version_is_unknown(app, db, redis):
    working = get_redis()
    app.extensions["portal.redis"] = Redis(port=1, socket_connect_timeout=0.2)  # nothing listens
    try:
        assert data_version.current() is None
    finally:
        app.extensions["portal.redis"].close()
        app.extensions["portal.redis"] = working


def test_a_commit_without_redis_configured_still_commits(app, db, make):
    """Commands run without REDIS_URL (imports on a server that has none) must not fail after
    their commit: the version is simply not moved."""
    working, url = get_redis(), app.config["REDIS_URL"]
    app.extensions.pop("portal.redis")
    app.config["REDIS_URL"] = None
    try:
        partner = make.partner("ACME", make.territory("EMEA"))
        record_event(None, "partner.update", partner, after={"name": "Acme"})
        db.session.commit()  # would raise RedisNotConfigured from the after-commit hook
        assert data_version.current() is None
    finally:
        app.config["REDIS_URL"] = url
        app.extensions["portal.redis"] = working
