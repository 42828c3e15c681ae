"""One rate-limit helper (portal/foundation/ratelimit.py) for every limit: failed sign-ins,
registration and the other onboarding limits, and the API. Refusals say when to try again:
Retry-After on every refused answer, the RateLimit-* headers on the API, and the time in
words, in the reader's language, on pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask_babel import force_locale, gettext, refresh

from portal.foundation import ratelimit
from portal.foundation.ratelimit import Counter, RateLimited, Usage, wait_in_words
from portal.onboarding import services as onboarding
from portal.tokens.services import create_token

from .conftest import csrf_token
from .factories import PASSWORD
from .onboarding.helpers import registration

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def rctx(app, redis):
    with app.test_request_context():
        yield


def test_hit_refuses_at_the_limit_and_does_not_count_the_refusal(rctx, redis):
    counter = Counter("portal:test:hit", 2, 60)
    ratelimit.hit([counter])
    ratelimit.hit([counter])
    with pytest.raises(RateLimited) as refused:
        ratelimit.hit([counter])
    assert redis.get(counter.key) == b"2"
    wait = refused.value.retry_after
    assert 55 <= wait <= 60 and refused.value.counter == counter
    assert refused.value.headers == {
        "Retry-After": str(wait),
        "RateLimit-Limit": "2",
        "RateLimit-Remaining": "0",
        "RateLimit-Reset": str(wait),
    }


def test_take_counts_every_request_and_refuses_beyond_the_limit(rctx, redis):
    counter = Counter("portal:test:take", 2, 60)
    assert [ratelimit.take(counter).remaining for _ in range(2)] == [1, 0]
    with pytest.raises(RateLimited) as refused:
        ratelimit.take(counter)
    assert refused.value.usage.used == 3 and redis.get(counter.key) == b"3"
    assert 0 < redis.ttl(counter.key) <= 60  # refused requests do not extend the window


def test_the_longest_wait_among_the_counters_over_their_limit_is_told(rctx):
    short, long, free = (
        Counter("portal:test:short", 1, 5),
        Counter("portal:test:long", 1, 100),
        Counter("portal:test:free", 10, 1000),
    )
    ratelimit.count([short, long, free])
    with pytest.raises(RateLimited) as refused:
        ratelimit.refuse_while_over([short, long, free])
    assert refused.value.counter == long and 95 <= refused.value.retry_after <= 100


def test_a_block_refuses_until_it_ends(rctx):
    ratelimit.block("portal:test:wait", 7)
    with pytest.raises(RateLimited) as refused:
        ratelimit.refuse_while_over([Counter("portal:test:wait", 1, 60)])
    assert 1 <= refused.value.retry_after <= 7


def test_the_wait_is_written_in_words_never_sooner_than_it_is():
    assert [wait_in_words(s) for s in (1, 45, 60, 61, 900)] == [
        "1 second",
        "45 seconds",
        "1 minute",
        "2 minutes",
        "15 minutes",
    ]
    assert wait_in_words(900, "de") == "15 Minuten"
    refused = RateLimited(Counter("k", 5, 900), Usage(5, 5, 900))
    assert str(refused) == "Too many attempts. Please try again in 15 minutes."


def test_pages_write_the_wait_in_the_readers_language(app):
    refused = RateLimited(Counter("k", 5, 900), Usage(5, 5, 90))
    with app.test_request_context(headers={"Accept-Language": "de"}):
        refresh()  # the locale the app context may have kept from another request
        assert "2 Minuten" in refused.render(gettext)
        with force_locale("ja"):
            assert "2 分" in refused.render(gettext)


def attempt(app, email, password, address):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client.post(
        "/login", data={"email": email, "password": password, "csrf_token": csrf_token(client)}
    )


def test_a_refused_sign_in_tells_how_long_to_wait(app, make, redis):
    owner = make.user("finance", email="owner@v.example")
    for _ in range(app.config["LOGIN_RATE_LIMIT"]):
        assert attempt(app, owner.email, "guess", "203.0.113.9").status_code == 401
    refused = attempt(app, owner.email, PASSWORD, "203.0.113.9")
    assert refused.status_code == 429
    window = app.config["LOGIN_RATE_WINDOW_SECONDS"]
    assert window - 10 <= int(refused.headers["Retry-After"]) <= window
    page = refused.get_data(as_text=True)
    assert "Too many failed sign-in attempts. Please try again in 15 minutes." in page


def test_a_refused_password_change_tells_how_long_to_wait(app, make, redis, login, client):
    owner = make.user("finance", email="owner@v.example")
    login(owner)
    for _ in range(app.config["LOGIN_RATE_LIMIT"]):
        wrong = {"current": "not it", "new": "x" * 12, "confirm": "x" * 12}
        token = csrf_token(client, "/account")
        assert client.post("/account/password", data={**wrong, "csrf_token": token}).status_code
    token = csrf_token(client, "/account")
    data = {"current": PASSWORD, "new": "y" * 12, "confirm": "y" * 12, "csrf_token": token}
    refused = client.post("/account/password", data=data)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "Please try again in 15 minutes." in refused.get_data(as_text=True)


def test_a_refused_reset_link_request_tells_how_long_to_wait(app, client, redis):
    for n in range(app.config["PASSWORD_RESET_RATE_LIMIT"]):
        ask = {"email": f"n{n}@x.example", "csrf_token": csrf_token(client, "/forgot-password")}
        client.post("/forgot-password", data=ask, environ_base={"REMOTE_ADDR": "192.0.2.5"})
    ask = {"email": "late@x.example", "csrf_token": csrf_token(client, "/forgot-password")}
    refused = client.post("/forgot-password", data=ask, environ_base={"REMOTE_ADDR": "192.0.2.5"})
    assert refused.status_code == 429
    window = app.config["PASSWORD_RESET_RATE_WINDOW_SECONDS"]
    assert window - 10 <= int(refused.headers["Retry-After"]) <= window
    assert "Please try again in 60 minutes." in refused.get_data(as_text=True)
    assert refused.headers["Cache-Control"] == "no-store"


def test_every_limit_counts_through_the_one_helper(app, client, db, make, redis, monkeypatch):
    counted: list[str] = []
    checked: list[str] = []
    real_count, real_refuse = ratelimit.count, ratelimit.refuse_while_over

    def count(counters):
        counters = list(counters)
        counted.extend(c.key for c in counters)
        return real_count(counters)

    def refuse_while_over(counters, *args):
        counters = list(counters)
        checked.extend(c.key for c in counters)
        return real_refuse(counters, *args)

    monkeypatch.setattr(ratelimit, "count", count)
    monkeypatch.setattr(ratelimit, "refuse_while_over", refuse_while_over)
    make.tree({"WORLD": None})
    user = make.user("finance", email="fin@v.example")
    secret = create_token(actor=user, name="integration", scope="read").secret
    db.session.commit()

    attempt(app, user.email, "guess", "192.0.2.1")  # a failed sign-in
    with app.test_request_context():
        onboarding.register(registration(email="new@v.example"), ip="192.0.2.2")
    client.get("/api/v1/deals", headers={"Authorization": f"Bearer {secret}"})
    client.get("/api/v1/deals", headers={"Authorization": "Bearer cpp_guess_secret"})

    def kinds(keys):  # the keys without their accounts, addresses and ids
        variable = re.compile(r"[0-9a-f]{32}|[0-9.]+")
        return {":".join(p for p in key.split(":") if not variable.fullmatch(p)) for key in keys}

    assert kinds(counted) == {
        "portal:login-fail:pair",
        "portal:login-fail:ip",
        "portal:login-fail:email",
        "portal:rate:register",
        "portal:api-rate",
        "portal:api-auth-fail",
    }
    assert {"portal:login-fail:pair", "portal:login-wait:email", "portal:api-auth-fail"} <= kinds(
        checked
    )


def test_nothing_else_counts_in_redis_on_its_own():
    """Only the helper calls count_in_window; nothing else keeps a counter of its own."""
    users = [
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "portal").rglob("*.py")
        if "count_in_window(" in path.read_text()
    ]
    assert sorted(users) == ["portal/foundation/ratelimit.py", "portal/foundation/redis_conn.py"]
