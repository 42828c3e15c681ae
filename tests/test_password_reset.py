"""Forgot password: a link on the sign-in page, the same answer for every address, a reset link
e-mailed (through the outbox) only to active accounts, single use, expiring, throttled like
sign-ins, and a reset that signs out every other session."""

from __future__ import annotations

import time

import pytest
from rq import Queue
from sqlalchemy import inspect, select

from portal.admin.services import set_active
from portal.auth import passwords
from portal.foundation.signed_links import InvalidToken
from portal.models import AuditEvent, User, UserSession

from .conftest import CSRF_RE, csrf_token
from .factories import PASSWORD
from .onboarding.helpers import link_in, outbox, path_of

NEW_PASSWORD = "a brand new password"  # noqa: S105


@pytest.fixture
def rctx(app):
    with app.test_request_context():
        yield


@pytest.fixture
def ann(make):
    partner = make.partner("ACME", make.territory("EMEA"))
    user = make.user("partner_admin", partner=partner, email="ann@acme.example")
    user.locale = "fr"
    return user


def reload(db, user):
    """The user again after a job ended the session it was loaded in."""
    return db.session.get(User, inspect(user).identity[0])


def ask(client, email, ip="192.0.2.1"):
    token = csrf_token(client, "/forgot-password")
    return client.post(
        "/forgot-password",
        data={"email": email, "csrf_token": token},
        environ_base={"REMOTE_ADDR": ip},
    )


def run_reset_jobs(app, redis) -> int:
    """Run the queued reset-link jobs in this process, as a worker would."""
    queue = Queue("default", connection=redis)
    jobs = [j for j in queue.get_jobs() if j.func_name == "portal.auth.jobs.send_password_reset"]
    for job in jobs:
        job.perform()
        queue.remove(job)
    return len(jobs)


def reset_path(db, email) -> str:
    [mail] = outbox(db, "password_reset", to=email)
    return path_of(link_in(mail))


def sign_in(client, email, password):
    token = csrf_token(client)
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def choose(client, path, password=NEW_PASSWORD, confirm=None):
    token = CSRF_RE.search(client.get(path).get_data(as_text=True)).group(1)
    return client.post(
        path, data={"password": password, "confirm": confirm or password, "csrf_token": token}
    )


def test_the_sign_in_page_links_to_the_forgotten_password_form(client):
    html = client.get("/login").get_data(as_text=True)
    assert 'href="/forgot-password"' in html and "Forgot your password?" in html


def test_the_answer_is_the_same_whether_or_not_the_address_exists(app, client, db, redis, ann):
    known = ask(client, "Ann@Acme.example")
    unknown = ask(client, "nobody@acme.example")
    assert known.status_code == unknown.status_code == 302
    assert known.location == unknown.location == "/forgot-password/sent"
    page = client.get("/forgot-password/sent").get_data(as_text=True)
    assert "If an account exists for that address" in page
    # Both requests did the same work: one queued job each, nothing written yet.
    assert outbox(db) == []
    assert run_reset_jobs(app, redis) == 2
    [mail] = outbox(db, "password_reset")
    assert mail.to_address == "ann@acme.example"
    assert mail.locale == "fr"  # the recipient's language
    assert "/reset-password/" in link_in(mail)


def test_reset_end_to_end_signs_out_every_other_session(app, client, db, redis, ann):
    other = app.test_client()
    assert sign_in(other, ann.email, PASSWORD).status_code == 302
    ask(client, ann.email)
    run_reset_jobs(app, redis)
    ann = reload(db, ann)
    path = reset_path(db, ann.email)
    form = client.get(path)
    assert form.status_code == 200 and "ann@acme.example" in form.get_data(as_text=True)
    assert form.headers["Cache-Control"] == "no-store"
    assert form.headers["Referrer-Policy"] == "no-referrer"
    done = choose(client, path)
    assert done.status_code == 302 and done.location == "/dashboard"
    db.session.expire_all()
    assert client.get("/deals").status_code == 200  # this browser is signed in, afresh
    assert other.get("/deals").status_code == 302  # the other session ended
    rows = db.session.scalars(select(UserSession).where(UserSession.user_id == ann.id)).all()
    assert sorted(r.revoked_reason or "live" for r in rows) == ["live", "password_reset"]
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.object_id == str(ann.id))
    ).all()
    assert "user.password_reset_request" in actions and "user.password_reset" in actions
    fresh = app.test_client()
    assert sign_in(fresh, ann.email, PASSWORD).status_code == 401
    assert sign_in(fresh, ann.email, NEW_PASSWORD).status_code == 302


def test_a_used_link_says_so_and_offers_a_new_one(app, client, db, redis, ann):
    ask(client, ann.email)
    run_reset_jobs(app, redis)
    path = reset_path(db, "ann@acme.example")
    choose(client, path)
    again = app.test_client().get(path)
    html = again.get_data(as_text=True)
    assert again.status_code == 400
    assert "not valid any more" in html and 'href="/forgot-password"' in html


def test_an_expired_link_is_refused(app, db, rctx, ann, monkeypatch):
    with monkeypatch.context() as m:
        an_hour_ago = int(time.time()) - app.config["PASSWORD_RESET_MAX_AGE_SECONDS"] - 5
        m.setattr("itsdangerous.timed.TimestampSigner.get_timestamp", lambda self: an_hour_ago)
        token = path_of(passwords.new_link(ann, passwords.RESET)).rsplit("/", 1)[1]
    with pytest.raises(InvalidToken):
        passwords.user_for_link(passwords.RESET, token)
    fresh = path_of(passwords.new_link(ann, passwords.RESET)).rsplit("/", 1)[1]
    assert passwords.user_for_link(passwords.RESET, fresh) is ann


def test_a_new_link_kills_the_previous_one(db, rctx, ann):
    first = path_of(passwords.new_link(ann, passwords.RESET)).rsplit("/", 1)[1]
    second = path_of(passwords.new_link(ann, passwords.RESET)).rsplit("/", 1)[1]
    with pytest.raises(InvalidToken):
        passwords.user_for_link(passwords.RESET, first)
    assert passwords.user_for_link(passwords.RESET, second) is ann


def test_a_reset_link_is_not_a_first_password_link(db, rctx, ann):
    token = path_of(passwords.new_link(ann, passwords.RESET)).rsplit("/", 1)[1]
    with pytest.raises(InvalidToken):
        passwords.user_for_link(passwords.WELCOME, token)


def test_deactivated_users_get_no_link_and_cannot_use_one(db, rctx, make, ann):
    admin = make.user("admin")
    token = path_of(passwords.new_link(ann, passwords.RESET)).rsplit("/", 1)[1]
    set_active(ann, False, actor=admin)
    assert passwords.send_reset_link(ann.email) is False
    assert outbox(db, "password_reset") == []
    with pytest.raises(InvalidToken):
        passwords.user_for_link(passwords.RESET, token)
    assert passwords.send_reset_link("nobody@acme.example") is False


def test_password_rules_apply_and_a_refused_form_keeps_the_link(app, client, db, redis, ann):
    ask(client, ann.email)
    run_reset_jobs(app, redis)
    ann = reload(db, ann)
    path = reset_path(db, ann.email)
    short = choose(client, path, password="short")
    assert short.status_code == 400
    assert "Use between 10 and 200 characters." in short.get_data(as_text=True)
    typo = choose(client, path, confirm="another password entirely")
    assert typo.status_code == 400
    assert "The two passwords are not the same." in typo.get_data(as_text=True)
    db.session.expire_all()
    assert ann.check_password(PASSWORD) and ann.password_nonce is not None
    assert choose(client, path).status_code == 302


def test_requests_are_throttled_per_address_and_per_client(app, client, redis, ann):
    limit = app.config["PASSWORD_RESET_RATE_LIMIT"]
    for n in range(limit):
        assert ask(client, ann.email, ip=f"192.0.2.{n + 1}").status_code == 302
    refused = ask(client, ann.email, ip="192.0.2.99")
    assert refused.status_code == 429
    assert "Too many attempts" in refused.get_data(as_text=True)
    for n in range(limit):
        assert ask(client, f"someone{n}@x.example", ip="198.51.100.7").status_code == 302
    assert ask(client, "another@x.example", ip="198.51.100.7").status_code == 429
    assert ask(client, "another@x.example", ip="198.51.100.8").status_code == 302
    queue = Queue("default", connection=redis)
    assert len(queue.get_jobs()) == 2 * limit + 1  # refused requests queue nothing


def test_a_signed_in_browser_is_told_to_sign_out_first(app, client, db, rctx, login, ann):
    token = path_of(passwords.new_link(ann, passwords.RESET)).rsplit("/", 1)[1]
    login(ann)
    response = client.get(f"/reset-password/{token}")
    assert response.status_code == 409
    assert "Déconnectez-vous d’abord" in response.get_data(as_text=True)  # Ann reads French


def test_bad_input_is_a_clear_400(client, redis):
    assert ask(client, "not an address").status_code == 400
    assert client.get("/reset-password/forged-token").status_code == 400
    assert client.get("/set-password/forged-token").status_code == 400
