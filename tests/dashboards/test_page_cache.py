"""Whole dashboard pages kept in Redis: per user and language, fresh after every audited change,
served with the asking session's own CSRF token, never with a message meant for another request."""

from __future__ import annotations

import pytest

from portal.foundation import data_version
from portal.foundation.audit import record_event
from tests.conftest import CSRF_RE, csrf_token
from tests.factories import PASSWORD


@pytest.fixture
def page_cache(app):
    app.config["DASHBOARD_CACHE_SECONDS"] = 60
    yield
    app.config["DASHBOARD_CACHE_SECONDS"] = 0


def sign_in(client, user):
    token = csrf_token(client)
    data = {"email": user.email, "password": PASSWORD, "csrf_token": token}
    assert client.post("/login", data=data).status_code == 302
    client.get("/dashboard")  # shows (and so consumes) the welcome message
    return client


def test_the_page_is_kept_until_an_audited_change(world, app, client, page_cache, redis, db):
    sign_in(client, world.ann)
    assert "ACME Ltd" in client.get("/dashboard").get_data(as_text=True)
    assert len(redis.keys("portal:pages:dashboard:*")) == 1

    world.acme.name = "Acme Renamed GmbH"
    db.session.commit()
    # Not audited (nothing in the portal changes data this way): the kept page is served.
    assert "ACME Ltd" in client.get("/dashboard").get_data(as_text=True)

    version = redis.get(data_version.KEY)
    record_event(world.fiona, "partner.update", world.acme, after={"name": world.acme.name})
    db.session.flush()
    assert redis.get(data_version.KEY) == version  # not committed yet: kept pages still hold
    db.session.commit()
    assert redis.get(data_version.KEY) != version
    body = client.get("/dashboard").get_data(as_text=True)
    assert "Acme Renamed GmbH" in body and "ACME Ltd" not in body


def test_each_session_gets_its_own_csrf_token(world, app, client, page_cache, redis):
    first = sign_in(client, world.ann)
    second = sign_in(app.test_client(), world.ann)
    redis.delete(*redis.keys("portal:pages:*"))  # start with nothing kept
    tokens = []
    for browser in (first, second, first, second):
        body = browser.get("/dashboard").get_data(as_text=True)
        tokens.append(CSRF_RE.search(body).group(1))
    assert len(redis.keys("portal:pages:dashboard:*")) == 1  # one kept page for both sessions
    assert tokens[0] != tokens[1]
    assert "\x00" not in "".join(tokens)
    # The other session's token is refused; each session's own token signs it out.
    assert first.post("/logout", data={"csrf_token": tokens[1]}).status_code == 400
    assert first.post("/logout", data={"csrf_token": tokens[2]}).status_code == 302
    assert second.post("/logout", data={"csrf_token": tokens[3]}).status_code == 302


def test_users_and_languages_never_share_a_page(world, app, client, page_cache, redis, make):
    bob = make.user("partner_user", partner=world.beta, email="bob@beta.example")
    ann_page = sign_in(client, world.ann).get("/dashboard").get_data(as_text=True)
    bob_page = sign_in(app.test_client(), bob).get("/dashboard").get_data(as_text=True)
    assert "ACME Ltd" in ann_page and "BETA Ltd" not in ann_page
    assert "BETA Ltd" in bob_page and "ACME Ltd" not in bob_page
    token = CSRF_RE.search(ann_page).group(1)
    client.post("/language", data={"locale": "fr", "csrf_token": token})
    french = client.get("/dashboard").get_data(as_text=True)
    assert 'lang="fr"' in french
    assert len(redis.keys("portal:pages:dashboard:*")) == 3


def test_a_waiting_message_is_shown_once_and_never_kept(world, client, page_cache, redis):
    sign_in(client, world.ann)
    assert len(redis.keys("portal:pages:dashboard:*")) == 1
    with client.session_transaction() as session:  # what a redirect after a form leaves behind
        session["_flashes"] = [("success", "Claim submitted.")]
    assert "Claim submitted." in client.get("/dashboard").get_data(as_text=True)
    assert "Claim submitted." not in client.get("/dashboard").get_data(as_text=True)
    [key] = redis.keys("portal:pages:dashboard:*")
    assert b"Claim submitted." not in redis.get(key)


def test_a_what_if_is_computed_not_kept(world, client, page_cache, redis, db):
    from portal.models import Program

    program = db.session.query(Program).one()
    sign_in(client, world.ann)
    [key] = redis.keys("portal:pages:dashboard:*")
    body = client.get(f"/dashboard?program={program.id}&extra=100000").get_data(as_text=True)
    assert "With $100,000.00 more" in body
    assert redis.keys("portal:pages:dashboard:*") == [key]
    assert b"With $100,000.00 more" not in redis.get(key)


def test_territory_roll_up_is_kept_per_node(world, client, page_cache, redis):
    sign_in(client, world.emma)
    for node in ("EMEA", "DACH", "EMEA"):
        assert client.get(f"/dashboards/territories/{world.t[node].id}").status_code == 200
    assert len(redis.keys("portal:pages:territory-*")) == 2
    for _ in range(2):  # outside the manager's subtree: refused every time, never kept
        assert client.get(f"/dashboards/territories/{world.t['US'].id}").status_code == 404
    assert len(redis.keys("portal:pages:territory-*")) == 2
