"""The profile page where people create and revoke their API tokens."""

from __future__ import annotations

import hashlib
import re

from sqlalchemy import select

from portal.extensions import db
from portal.models import ApiToken, AuditEvent

from ..conftest import csrf_token

SECRET_RE = re.compile(r'id="new-token">(cpp_[^<]+)</code>')


def test_create_shows_the_secret_once_and_stores_only_its_hash(client, world, login):
    db.session.commit()
    login(world["acme_user"])
    page = client.get("/profile/tokens")
    assert page.status_code == 200 and "You have no API tokens yet." in page.get_data(as_text=True)
    response = client.post(
        "/profile/tokens",
        data={
            "name": "CRM sync",
            "scope": "read-write",
            "csrf_token": csrf_token(client, "/profile/tokens"),
        },
    )
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    secret = SECRET_RE.search(response.get_data(as_text=True))[1]
    token = db.session.scalar(select(ApiToken).where(ApiToken.name == "CRM sync"))
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in {token.token_hash, token.prefix} and secret.startswith(
        f"cpp_{token.prefix}_"
    )
    again = client.get("/profile/tokens").get_data(as_text=True)
    assert secret not in again and "CRM sync" in again
    api = client.get("/api/v1/deals", headers={"Authorization": f"Bearer {secret}"})
    assert api.status_code == 200
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "api_token.create"))


def test_bad_input_is_refused_with_a_message(client, world, login):
    db.session.commit()
    login(world["acme_user"])
    token = csrf_token(client, "/profile/tokens")
    response = client.post(
        "/profile/tokens",
        data={"name": "", "scope": "read", "expires_on": "2000-01-01", "csrf_token": token},
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Give the token a name" in html and "cannot be in the past" in html
    no_csrf = client.post("/profile/tokens", data={"name": "x", "scope": "read"})
    assert no_csrf.status_code == 400
    assert db.session.scalar(select(ApiToken)) is None


def test_revoke_from_the_page(client, world, login):
    db.session.commit()
    login(world["acme_user"])
    csrf = csrf_token(client, "/profile/tokens")
    client.post("/profile/tokens", data={"name": "ERP", "scope": "read", "csrf_token": csrf})
    token = db.session.scalar(select(ApiToken))
    response = client.post(f"/profile/tokens/{token.id}/revoke", data={"csrf_token": csrf})
    assert response.status_code == 200
    db.session.refresh(token)
    assert token.revoked_at is not None
    assert "revoked" in response.get_data(as_text=True)


def test_nobody_revokes_someone_elses_token(client, world, login, tokens):
    db.session.commit()
    theirs = db.session.scalar(select(ApiToken).where(ApiToken.user_id == world["beta_user"].id))
    login(world["acme_user"])
    csrf = csrf_token(client, "/profile/tokens")
    response = client.post(f"/profile/tokens/{theirs.id}/revoke", data={"csrf_token": csrf})
    assert response.status_code == 404
    db.session.refresh(theirs)
    assert theirs.revoked_at is None


def test_applicants_have_no_api_access(client, world, login):
    db.session.commit()
    login(world["applicant"])
    response = client.get("/profile/tokens")
    assert response.status_code in (302, 403)
    assert "/profile/tokens" not in response.headers.get("Location", "")
