"""Sign-in sessions kept on the server: signing out, a password change, sign out everywhere and
deactivation end them, and a copied cookie dies with its session."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from click.testing import CliRunner
from flask_login.utils import encode_cookie
from sqlalchemy import func, select

from portal.admin.commands import users as users_cli
from portal.admin.services import set_active
from portal.auth.sessions import digest
from portal.auth.sessions import with_last_seen as sessions_with_last_seen
from portal.models import ApiToken, AuditEvent, UserSession, utcnow

from .conftest import CSRF_RE, csrf_token
from .factories import PASSWORD

REMEMBER = "portal_remember"


@pytest.fixture
def ann(make):
    partner = make.partner("ACME", make.territory("EMEA"))
    return make.user("partner_admin", partner=partner, email="ann@acme.example")


def sign_in(client, user, *, remember=False, password=PASSWORD):
    data = {"email": user.email, "password": password, "csrf_token": csrf_token(client)}
    if remember:
        data["remember"] = "y"
    response = client.post("/login", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def post(client, path, page="/account", **data):
    token = CSRF_RE.search(client.get(page).get_data(as_text=True)).group(1)
    return client.post(path, data={"csrf_token": token, **data})


def copy_of(app, client, *names):
    """Another browser holding copies of `client`'s cookies."""
    thief = app.test_client()
    for name in names:
        thief.set_cookie(name, client.get_cookie(name).value)
    return thief


def count_sessions(db, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(UserSession).where(*where))


def signed_in(client) -> bool:
    return client.get("/deals").status_code == 200


def test_a_sign_in_is_a_session_row_holding_only_hashes(client, db, ann):
    sign_in(client, ann, remember=True)
    row = db.session.scalar(select(UserSession).where(UserSession.user_id == ann.id))
    remember_secret = client.get_cookie(REMEMBER).value
    assert row.remembered and row.revoked_at is None and row.expires_at > row.created_at
    assert row.remember_hash == digest(remember_secret)
    assert remember_secret not in (row.token_hash, row.remember_hash)
    assert row.ip == "127.0.0.1"


def test_a_copied_session_cookie_is_dead_after_sign_out(app, client, db, ann):
    sign_in(client, ann)
    thief = copy_of(app, client, "session")
    assert signed_in(thief)
    assert post(client, "/logout", page="/deals").status_code == 302
    db.session.expire_all()
    assert not signed_in(client)
    assert not signed_in(thief)
    row = db.session.scalar(select(UserSession).where(UserSession.user_id == ann.id))
    assert row.revoked_at is not None and row.revoked_reason == "sign_out"
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.logout"))


def test_a_copied_remember_cookie_is_dead_after_sign_out(app, client, db, ann):
    response = sign_in(client, ann, remember=True)
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith(REMEMBER))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie
    secret = client.get_cookie(REMEMBER).value
    thief = copy_of(app, client, REMEMBER)  # the remember cookie alone, as after a restart
    assert signed_in(thief)
    post(client, "/logout", page="/deals")
    db.session.expire_all()
    assert not signed_in(thief)  # nor the session the remember cookie had opened
    thief_again = app.test_client()
    thief_again.set_cookie(REMEMBER, secret)
    response = thief_again.get("/deals")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert thief_again.get_cookie(REMEMBER) is None  # the dead cookie is removed


def test_sign_out_removes_the_remember_cookie(client, ann):
    sign_in(client, ann, remember=True)
    response = post(client, "/logout", page="/deals")
    cleared = [c for c in response.headers.getlist("Set-Cookie") if c.startswith(REMEMBER)]
    assert cleared and "Expires=Thu, 01 Jan 1970" in cleared[0]


def test_remember_tokens_differ_on_every_sign_in(app, client, db, ann):
    sign_in(client, ann, remember=True)
    first = client.get_cookie(REMEMBER).value
    other = app.test_client()
    sign_in(other, ann, remember=True)
    assert other.get_cookie(REMEMBER).value != first
    assert count_sessions(db, UserSession.user_id == ann.id) == 2


def test_the_remember_cookie_signs_a_browser_back_in_to_the_same_session(app, client, db, ann):
    sign_in(client, ann, remember=True)
    restarted = copy_of(app, client, REMEMBER)
    assert signed_in(restarted)
    assert signed_in(restarted)  # the restored session cookie now carries it
    assert count_sessions(db, UserSession.user_id == ann.id) == 1


def test_flask_logins_own_user_id_cookie_is_not_accepted(app, client, ann):
    legacy = app.test_client()
    legacy.set_cookie("remember_token", encode_cookie(str(ann.id)))
    response = legacy.get("/deals")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert any(c.startswith("remember_token=;") for c in response.headers.getlist("Set-Cookie"))


def test_a_session_cookie_of_the_old_kind_is_not_accepted(app, client, ann):
    with client.session_transaction() as session:
        session["_user_id"] = str(ann.id)  # what a cookie held before sessions were kept
    assert not signed_in(client)


def test_an_expired_session_is_refused_even_while_kept_in_redis(app, client, db, ann, redis):
    sign_in(client, ann)
    assert signed_in(client)
    (key,) = [k for k in redis.keys("portal:sessions:*") if not k.endswith(b":seen")]
    assert signed_in(client)
    row = db.session.scalar(select(UserSession).where(UserSession.user_id == ann.id))
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.flush()
    kept = json.loads(redis.get(key))
    redis.set(key, json.dumps({**kept, "expires_at": row.expires_at.timestamp()}))
    assert not signed_in(client)


def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(app, client, db, ann):
    sign_in(client, ann)
    elsewhere = app.test_client()
    sign_in(elsewhere, ann, remember=True)
    remembered = copy_of(app, elsewhere, REMEMBER)
    assert signed_in(elsewhere)
    new = "a much longer secret 42"
    response = post(client, "/account/password", current=PASSWORD, new=new, confirm=new)
    assert response.status_code == 302
    db.session.expire_all()
    assert signed_in(client)
    assert not signed_in(elsewhere)
    assert not signed_in(remembered)
    assert sign_in(app.test_client(), ann, password=new)
    reasons = db.session.scalars(select(UserSession.revoked_reason)).all()
    assert sorted(reasons, key=str) == sorted(["password_change", None, None], key=str)


def test_a_wrong_current_password_changes_nothing(client, db, ann):
    sign_in(client, ann)
    before = ann.password_hash
    response = post(
        client, "/account/password", current="not it at all", new="x" * 12, confirm="x" * 12
    )
    assert response.status_code == 400
    assert "The current password is not correct." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(type(ann), ann.id).password_hash == before
    assert signed_in(client)


def test_a_short_new_password_is_refused_with_a_message(client, db, ann):
    sign_in(client, ann)
    response = post(client, "/account/password", current=PASSWORD, new="short", confirm="short")
    assert response.status_code == 400
    assert "Use between 10 and 200 characters." in response.get_data(as_text=True)


def test_sign_out_everywhere_ends_every_session(app, client, db, ann):
    sign_in(client, ann)
    other = app.test_client()
    sign_in(other, ann, remember=True)
    remembered = copy_of(app, other, REMEMBER)
    page = client.get("/account").get_data(as_text=True)
    assert "Sign out everywhere" in page and page.count("this browser") == 1
    response = post(client, "/account/sessions/revoke-all")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    db.session.expire_all()
    assert not signed_in(client) and not signed_in(other) and not signed_in(remembered)
    assert count_sessions(db, UserSession.revoked_at.is_(None)) == 0


def test_one_other_session_can_be_signed_out_but_not_someone_elses(app, client, db, make, ann):
    sign_in(client, ann)
    other = app.test_client()
    sign_in(other, ann)
    bob = make.user("partner_user", partner=ann.partner, email="bob@acme.example")
    sign_in(app.test_client(), bob)
    rows = db.session.scalars(select(UserSession).order_by(UserSession.id)).all()
    mine, second, bobs = rows
    assert post(client, f"/account/sessions/{bobs.id}/revoke").status_code == 404
    assert post(client, f"/account/sessions/{mine.id}/revoke").status_code == 404
    assert post(client, f"/account/sessions/{second.id}/revoke").status_code == 302
    db.session.expire_all()
    assert signed_in(client) and not signed_in(other)


def test_admin_deactivation_ends_the_sessions(app, client, db, make, ann):
    sign_in(client, ann, remember=True)
    remembered = copy_of(app, client, REMEMBER)
    admin = make.user("admin", email="root@vendor.example")
    set_active(ann, False, actor=admin)
    db.session.commit()
    db.session.expire_all()
    assert not signed_in(client) and not signed_in(remembered)
    assert db.session.scalar(select(UserSession.revoked_reason)) == "deactivated"
    set_active(db.session.get(type(ann), ann.id), True, actor=db.session.get(type(admin), admin.id))
    db.session.commit()
    assert not signed_in(client)  # reactivation does not bring old sessions back


def test_a_partner_admin_deactivating_a_colleague_ends_their_sessions(app, client, db, make, ann):
    bob = make.user("partner_user", partner=ann.partner, email="bob@acme.example")
    bobs_browser = app.test_client()
    sign_in(bobs_browser, bob)
    sign_in(client, ann)
    response = post(client, f"/team/members/{bob.id}/deactivate", page="/team")
    assert response.status_code == 302
    db.session.expire_all()
    assert not signed_in(bobs_browser)
    reason = select(UserSession.revoked_reason).where(UserSession.user_id == bob.id)
    assert db.session.scalar(reason) == "deactivated"


def test_deactivation_from_the_command_line_ends_the_sessions(app, client, db, make, ann):
    make.user("admin", email="root@vendor.example")
    sign_in(client, ann)
    runner = CliRunner()
    result = runner.invoke(
        users_cli, ["deactivate", ann.email, "--as", "root@vendor.example"], obj=None
    )
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert not signed_in(client)
    refused = runner.invoke(users_cli, ["deactivate", ann.email, "--as", ann.email])
    assert refused.exit_code == 1 and "no active user" in refused.output


def test_a_revoked_session_cannot_mint_an_api_token(app, client, db, make):
    manager = make.user("finance", email="fin@vendor.example")
    sign_in(client, manager)
    page = client.get("/profile/tokens")
    assert page.status_code == 200
    token = CSRF_RE.search(page.get_data(as_text=True)).group(1)
    thief = copy_of(app, client, "session")
    post(client, "/logout", page="/deals")
    db.session.expire_all()
    response = thief.post(
        "/profile/tokens", data={"csrf_token": token, "name": "stolen", "scope": "read"}
    )
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0


def test_the_account_page_lists_active_sessions(app, client, ann):
    sign_in(client, ann)
    sign_in(app.test_client(), ann, remember=True)
    page = client.get("/account").get_data(as_text=True)
    assert page.count("this browser") == 1 and "kept signed in" in page
    assert 'href="/account"' in page  # in the account menu


def test_the_last_use_of_a_session_is_noted_at_most_once_a_minute(app, client, db, ann, redis):
    sign_in(client, ann)
    assert signed_in(client)
    (seen_key,) = redis.keys("portal:sessions:*:seen")
    first = int(redis.get(seen_key))
    redis.set(seen_key, first - 3600, keepttl=True)  # as if the last use was an hour ago
    assert signed_in(client)
    assert int(redis.get(seen_key)) >= first
    row = db.session.scalar(select(UserSession))
    with app.test_request_context("/"):
        ((listed, last_active),) = sessions_with_last_seen([row])
    assert listed is row and int(last_active.timestamp()) == int(redis.get(seen_key))
    assert 0 < redis.ttl(seen_key) <= app.config["PERMANENT_SESSION_LIFETIME"].total_seconds()


def test_applicants_and_gated_partner_admins_reach_their_account(make, login, ann):
    from portal.agreements.services import publish_version

    publish_version(
        title="Terms", body="Be nice.", effective_on=utcnow().date(), actor=make.user("admin")
    )
    gated = login(ann)
    assert "/agreement/accept" in gated.get("/deals").headers["Location"]
    assert gated.get("/account").status_code == 200
    post(gated, "/logout", page="/account")
    applicant = login(make.user("applicant"))
    assert applicant.get("/deals").status_code == 302
    assert applicant.get("/account").status_code == 200
