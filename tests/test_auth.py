"""Sign-in, sign-out, CSRF, rate limiting, cookie flags and safe redirects."""

import pytest

from .conftest import csrf_token
from .factories import PASSWORD


@pytest.fixture
def partner_user(make):
    t = make.territory("WORLD")
    return make.user("partner_user", partner=make.partner("P1", t))


def _post_login(client, email, password, **extra):
    data = {"email": email, "password": password, "csrf_token": csrf_token(client)}
    return client.post("/login", data=data, **extra)


def test_sign_in_and_out(client, partner_user):
    response = _post_login(client, partner_user.email, PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"
    assert client.get("/dashboard").status_code == 200
    token = csrf_token(client, "/dashboard")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/dashboard").status_code == 302


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(client, partner_user):
    response = _post_login(client, partner_user.email, "wrong password")
    assert response.status_code == 401
    body = response.get_data(as_text=True)
    assert "e-mail address or password is not correct" in body
    unknown = _post_login(client, "nobody@example.com", "wrong password")
    assert "e-mail address or password is not correct" in unknown.get_data(as_text=True)


def test_inactive_user_cannot_sign_in(client, db, partner_user):
    partner_user.active = False
    db.session.flush()
    assert _post_login(client, partner_user.email, PASSWORD).status_code == 401


def test_login_without_csrf_token_is_refused(client, partner_user):
    response = client.post("/login", data={"email": partner_user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/dashboard").status_code == 302


def test_logout_needs_post_with_csrf(login, partner_user):
    client = login(partner_user)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert client.get("/dashboard").status_code == 200


def test_failed_attempts_are_rate_limited_in_redis(app, client, partner_user, redis):
    limit = app.config["LOGIN_RATE_LIMIT"]
    for _ in range(limit):
        assert _post_login(client, partner_user.email, "wrong").status_code == 401
    blocked = _post_login(client, partner_user.email, PASSWORD)
    assert blocked.status_code == 429
    assert "Too many failed sign-in attempts" in blocked.get_data(as_text=True)
    assert any(key.startswith(b"portal:login-fail:") for key in redis.keys("*"))


def test_open_redirect_after_login_is_refused(client, partner_user):
    data = {"email": partner_user.email, "password": PASSWORD, "csrf_token": csrf_token(client)}
    response = client.post("/login?next=//evil.example/x", data=data)
    assert response.headers["Location"] == "/dashboard"


def test_session_cookie_is_httponly_and_samesite(client, partner_user):
    response = _post_login(client, partner_user.email, PASSWORD)
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_config_requires_secure_cookies_and_a_secret():
    from portal.config import Config, ConfigError

    assert Config.SESSION_COOKIE_SECURE is True or Config.SESSION_COOKIE_SECURE is False
    original = Config.SECRET_KEY
    Config.SECRET_KEY = None
    try:
        with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
            Config.check()
    finally:
        Config.SECRET_KEY = original


def test_passwords_are_hashed_with_scrypt(partner_user):
    partner_user.set_password(PASSWORD)
    assert partner_user.password_hash.startswith("scrypt:")
    assert PASSWORD not in partner_user.password_hash


def test_anonymous_user_is_sent_to_login(client):
    response = client.get("/partners")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_security_headers(client):
    response = client.get("/login")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_the_csrf_token_changes_at_sign_in(client, partner_user):
    before = csrf_token(client)
    data = {"email": partner_user.email, "password": PASSWORD, "csrf_token": before}
    assert client.post("/login", data=data).status_code == 302
    assert client.post("/logout", data={"csrf_token": before}).status_code == 400
    assert client.get("/dashboard").status_code == 200


def test_the_csrf_token_changes_at_sign_out(client, partner_user):
    _post_login(client, partner_user.email, PASSWORD)
    signed_in_token = csrf_token(client, "/dashboard")
    assert client.post("/logout", data={"csrf_token": signed_in_token}).status_code == 302
    data = {"email": partner_user.email, "password": PASSWORD, "csrf_token": signed_in_token}
    assert client.post("/login", data=data).status_code == 400


def test_signed_in_pages_and_the_login_page_are_never_stored(client, partner_user):
    assert client.get("/login").headers["Cache-Control"] == "no-store"
    _post_login(client, partner_user.email, PASSWORD)
    for path in ("/dashboard", "/deals", "/account"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path


def test_static_files_stay_cacheable_for_signed_in_users(client, partner_user):
    _post_login(client, partner_user.email, PASSWORD)
    response = client.get("/static/css/portal.css")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")
    response.close()


def test_hsts_only_in_production(app, client):
    from portal.config import Config, DevelopmentConfig, TestConfig

    assert Config.HSTS_SECONDS >= 180 * 24 * 3600
    assert DevelopmentConfig.HSTS_SECONDS == 0 and TestConfig.HSTS_SECONDS == 0
    assert "Strict-Transport-Security" not in client.get("/login").headers
    app.config["HSTS_SECONDS"] = Config.HSTS_SECONDS
    try:
        header = client.get("/login").headers["Strict-Transport-Security"]
    finally:
        app.config["HSTS_SECONDS"] = 0
    assert header == f"max-age={Config.HSTS_SECONDS}; includeSubDomains"
