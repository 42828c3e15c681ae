"""Client addresses behind a reverse proxy: forwarded only from the proxies we were told about."""

from __future__ import annotations

import pytest

from portal.proxies import trust_proxies
from tests.conftest import csrf_token


@pytest.fixture
def behind_one_proxy(app):
    original = app.wsgi_app
    app.config["TRUSTED_PROXIES"] = 1
    trust_proxies(app)
    yield
    app.wsgi_app = original
    app.config["TRUSTED_PROXIES"] = 0


def failed_sign_in(client, forwarded_for: str) -> None:
    token = csrf_token(client)
    client.post(
        "/login",
        data={"email": "nobody@example.com", "password": "wrong", "csrf_token": token},
        headers={"X-Forwarded-For": forwarded_for},
    )


def test_without_trusted_proxies_a_forwarded_address_is_ignored(client, redis):
    failed_sign_in(client, "203.0.113.7")
    keys = {key.decode() for key in redis.keys("portal:login-fail:ip:*")}
    assert keys == {"portal:login-fail:ip:127.0.0.1"}


def test_behind_a_trusted_proxy_failures_count_for_the_real_client(client, redis, behind_one_proxy):
    failed_sign_in(client, "203.0.113.7")
    failed_sign_in(client, "198.51.100.1, 203.0.113.9")  # only the nearest hop is trusted
    keys = {key.decode() for key in redis.keys("portal:login-fail:ip:*")}
    assert keys == {"portal:login-fail:ip:203.0.113.7", "portal:login-fail:ip:203.0.113.9"}
