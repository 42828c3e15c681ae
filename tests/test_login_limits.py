"""Failed sign-ins: an attacker elsewhere cannot lock the owner out, and an unknown address
costs the same password work as a real account."""

from __future__ import annotations

import time

import pytest

from portal.auth import services
from portal.models.users import PASSWORD_METHOD

from .conftest import csrf_token
from .factories import PASSWORD


@pytest.fixture
def owner(make):
    user = make.user("partner_user", partner=make.partner("P1", make.territory("WORLD")))
    user.set_password(PASSWORD)  # the product's hash: its cost is what the tests compare
    return user


def attempt(app, email, password, address, client=None):
    client = client or app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    data = {"email": email, "password": password, "csrf_token": csrf_token(client)}
    return client.post("/login", data=data)


def test_an_attacker_elsewhere_does_not_lock_the_owner_out(app, client, owner, redis):
    limit = app.config["LOGIN_RATE_LIMIT"]
    attacker = app.test_client()
    for _ in range(limit):
        assert attempt(app, owner.email, "guess", "203.0.113.9", attacker).status_code == 401
    blocked = attempt(app, owner.email, PASSWORD, "203.0.113.9", attacker)
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
    assert attempt(app, owner.email, PASSWORD, "198.51.100.7", client).status_code == 302


def test_failures_from_everywhere_only_slow_the_account_down(app, owner, redis):
    app.config["LOGIN_MAX_DELAY_SECONDS"], original = 2, app.config["LOGIN_MAX_DELAY_SECONDS"]
    try:
        after = app.config["LOGIN_ACCOUNT_DELAY_AFTER"]
        for n in range(after + 1):  # one or two tries per address, never a blocked pair
            assert attempt(app, owner.email, "guess", f"203.0.113.{n // 2}").status_code == 401
            redis.delete(f"portal:login-wait:email:{_account_key(owner.email)}")
        attempt(app, owner.email, "guess", "203.0.113.200")
        waiting = attempt(app, owner.email, PASSWORD, "198.51.100.7")
        assert waiting.status_code == 429
        assert 0 < int(waiting.headers["Retry-After"]) <= 2
        assert "Please try again in" in waiting.get_data(as_text=True)
        time.sleep(int(waiting.headers["Retry-After"]) + 0.1)
        assert attempt(app, owner.email, PASSWORD, "198.51.100.7").status_code == 302
    finally:
        app.config["LOGIN_MAX_DELAY_SECONDS"] = original


def test_the_delay_grows_with_the_failures_and_is_capped(app, owner, redis):
    key = f"portal:login-wait:email:{_account_key(owner.email)}"
    after = app.config["LOGIN_ACCOUNT_DELAY_AFTER"]
    with app.test_request_context("/"):
        waits = []
        for n in range(after + 9):
            services.count_failure(owner.email, f"192.0.2.{n}")
            waits.append(redis.ttl(key))
    assert all(w < 0 for w in waits[: after - 1])
    assert waits[after - 1 : after + 3] == [1, 2, 4, 8]
    assert max(waits) == app.config["LOGIN_MAX_DELAY_SECONDS"]


def test_one_address_failing_across_many_accounts_is_blocked(app, make, redis):
    limit = app.config["LOGIN_ADDRESS_LIMIT"]
    for n in range(limit):
        assert attempt(app, f"nobody{n}@example.com", "guess", "203.0.113.50").status_code == 401
    someone = make.user("finance")
    assert attempt(app, someone.email, PASSWORD, "203.0.113.50").status_code == 429
    assert attempt(app, someone.email, PASSWORD, "203.0.113.51").status_code == 302


def _account_key(email: str) -> str:
    import hashlib

    return hashlib.sha256(email.lower().encode()).hexdigest()[:32]


@pytest.fixture
def verifier_calls(monkeypatch):
    """Every password check made, by the hash's method and cost (the real check still runs)."""
    calls = []
    real = services.verify_password

    def counting(password_hash, password):
        calls.append(password_hash.split("$", 1)[0])
        return real(password_hash, password)

    monkeypatch.setattr(services, "verify_password", counting)
    return calls


def test_unknown_and_known_addresses_do_the_same_password_work(
    app, db, owner, verifier_calls, redis
):
    assert attempt(app, owner.email, "wrong", "192.0.2.1").status_code == 401
    assert attempt(app, "nobody@example.com", "wrong", "192.0.2.2").status_code == 401
    owner.active = False
    db.session.flush()
    assert attempt(app, owner.email, PASSWORD, "192.0.2.3").status_code == 401
    assert len(verifier_calls) == 3
    assert len(set(verifier_calls)) == 1  # the same method and cost every time
    assert verifier_calls[0] == owner.password_hash.split("$", 1)[0]
    assert verifier_calls[0].startswith(f"{PASSWORD_METHOD}:")
    assert services.dummy_hash() != owner.password_hash
