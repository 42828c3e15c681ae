"""Signing in through a real OpenID Connect provider: just-in-time staff with mapped role and
territories, role removal, partners in their organisation, password sign-in off, and the
protocol checks (tampered token, wrong audience, expiry, replayed state, unknown domain)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from portal.auth.sso import client as sso_client
from portal.models import AuditEvent, User, UserSession

from ..conftest import csrf_token
from ..factories import PASSWORD
from .conftest import authorize, onward, sso_sign_in, start


def _user(db, email):
    return db.session.scalar(select(User).where(User.email == email))


def _events(db, action):
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def _signed_in(client) -> bool:
    return client.get("/dashboard").status_code == 200


def test_staff_member_is_created_with_mapped_role_and_territories(client, db, world, oidc):
    answer = sso_sign_in(
        client,
        oidc,
        "ines@vendor.example",
        "sub-ines",
        name="Ines Vogel",
        groups=["channel", "channel-dach", "channel-amer", "unrelated"],
    )
    assert answer.status_code == 302 and urlsplit(answer.headers["Location"]).path == "/dashboard"
    assert _signed_in(client)
    user = _user(db, "ines@vendor.example")
    assert (user.role, user.name, user.active) == ("channel_manager", "Ines Vogel", True)
    assert sorted(t.code for t in user.territories) == ["AMER", "DACH"]
    # the same kind of server-side session as a password sign-in: revocable
    assert db.session.scalar(select(UserSession).where(UserSession.user_id == user.id))
    login = _events(db, "user.sso_login")[-1]
    assert login.after == {
        "provider": "Vendor login",
        "provider_id": world["staff"].id,
        "subject": "sub-ines",
    }
    assert _events(db, "user.sso_create")[-1].after["role"] == "channel_manager"


def test_highest_mapped_role_wins_and_changes_follow_the_groups(client, db, world, oidc):
    sso_sign_in(
        client, oidc, "max@vendor.example", "sub-max", groups=["channel", "money", "channel-emea"]
    )
    assert _user(db, "max@vendor.example").role == "finance"
    client.post("/logout", data={"csrf_token": _csrf(client)})
    sso_sign_in(client, oidc, "max@vendor.example", "sub-max", groups=["portal-admins"])
    user = _user(db, "max@vendor.example")
    assert user.role == "admin" and user.territories == []
    assert _events(db, "user.sso_update")[-1].before["role"] == "finance"


def test_removing_the_group_removes_the_role_at_the_next_sign_in(client, app, db, world, oidc):
    sso_sign_in(client, oidc, "otto@vendor.example", "sub-otto", groups=["money"])
    other_browser = app.test_client()
    assert _signed_in(client)
    answer = sso_sign_in(other_browser, oidc, "otto@vendor.example", "sub-otto", groups=[])
    assert answer.status_code == 302
    page = other_browser.get(answer.headers["Location"]).get_data(as_text=True)
    assert "gives you no role in the partner portal" in page
    user = _user(db, "otto@vendor.example")
    db.session.refresh(user)
    assert user.active is False
    assert not _signed_in(client)  # the earlier session ended too
    assert _events(db, "user.sso_role_removed")
    refused = _events(db, "user.sso_refused")[-1]
    assert refused.after["reason"] == "no_role" and refused.after["subject"] == "sub-otto"
    # back in the group: the account comes back
    sso_sign_in(other_browser, oidc, "otto@vendor.example", "sub-otto", groups=["money"])
    assert _signed_in(other_browser)
    db.session.refresh(user)
    assert user.active and user.role == "finance"


def test_staff_with_no_mapped_role_is_never_created(client, db, world, oidc):
    answer = sso_sign_in(client, oidc, "eve@vendor.example", "sub-eve", groups=["staff"])
    assert "gives you no role" in client.get(answer.headers["Location"]).get_data(as_text=True)
    assert _user(db, "eve@vendor.example") is None and not _signed_in(client)


def test_existing_staff_account_without_mapped_group_is_refused_not_deactivated(
    client, db, make, world, oidc
):
    user = make.user("finance", email="pia@vendor.example")
    answer = sso_sign_in(client, oidc, "pia@vendor.example", "sub-pia", groups=["staff"])
    assert "gives you no role" in client.get(answer.headers["Location"]).get_data(as_text=True)
    db.session.refresh(user)
    assert user.active and user.role == "finance" and not _signed_in(client)
    # once mapped, the same account is linked to the subject and follows the groups
    sso_sign_in(client, oidc, "pia@vendor.example", "sub-pia", groups=["portal-admins"])
    db.session.refresh(user)
    assert user.role == "admin" and _signed_in(client)


def test_partner_person_lands_in_their_organisation(client, db, world, oidc):
    answer = sso_sign_in(client, oidc, "anna@alpen.example", "sub-anna", groups=["sales"])
    assert answer.status_code == 302 and _signed_in(client)
    user = _user(db, "anna@alpen.example")
    assert (user.role, user.partner_id) == ("partner_user", world["partner"].id)
    client.post("/logout", data={"csrf_token": _csrf(client)})
    sso_sign_in(client, oidc, "anna@alpen.example", "sub-anna", groups=["portal-owners"])
    db.session.refresh(user)
    assert user.role == "partner_admin"


def test_existing_account_of_another_organisation_is_refused(client, db, make, world, oidc):
    other = make.partner("OTHER", world["tree"]["AMER"])
    make.user("partner_user", partner=other, email="bob@alpen.example")
    answer = sso_sign_in(client, oidc, "bob@alpen.example", "sub-bob")
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "another organisation" in page and not _signed_in(client)
    assert _events(db, "user.sso_refused")[-1].after["reason"] == "other_organisation"


def test_password_sign_in_is_refused_when_off_for_the_organisation(client, db, make, world):
    make.user("partner_user", partner=world["partner"], email="carl@alpen.example")
    token = _csrf(client)
    for password in (PASSWORD, "wrong-password"):  # same answer: nothing learnt about accounts
        answer = client.post(
            "/login",
            data={"email": "carl@alpen.example", "password": password, "csrf_token": token},
        )
        assert answer.status_code == 403
        assert "signs in with its company account only" in answer.get_data(as_text=True)
    unknown = client.post(
        "/login", data={"email": "nobody@alpen.example", "password": "x", "csrf_token": token}
    )
    assert unknown.status_code == 403
    assert not _signed_in(client)


def test_password_sign_in_is_refused_for_the_organisation_s_people_on_other_domains(
    client, make, world
):
    make.user("partner_admin", partner=world["partner"], email="dora@gmail.example")
    token = _csrf(client)
    wrong = client.post(
        "/login", data={"email": "dora@gmail.example", "password": "nope", "csrf_token": token}
    )
    assert wrong.status_code == 401  # a wrong password says what it always says
    right = client.post(
        "/login", data={"email": "dora@gmail.example", "password": PASSWORD, "csrf_token": token}
    )
    assert right.status_code == 403 and not _signed_in(client)


def test_password_sign_in_still_works_for_staff(client, make, world):
    make.user("finance", email="fred@vendor.example")
    token = _csrf(client)
    answer = client.post(
        "/login", data={"email": "fred@vendor.example", "password": PASSWORD, "csrf_token": token}
    )
    assert answer.status_code == 302 and _signed_in(client)


def test_unknown_domain_is_offered_the_password_instead(client, db, world):
    answer = start(client, "someone@unknown.example")
    assert answer.status_code == 404
    assert "No company sign-in is set up for this e-mail domain" in answer.get_data(as_text=True)


def test_company_sign_ins_started_from_one_address_are_limited(app, client, world, monkeypatch):
    monkeypatch.setitem(app.config, "SSO_START_RATE_LIMIT", 2)
    assert start(client, "a@unknown.example").status_code == 404
    assert start(client, "b@unknown.example").status_code == 404
    refused = start(client, "c@vendor.example")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "Too many attempts" in refused.get_data(as_text=True)


def _refused_journey(client, db, oidc, email, subject):
    oidc.set_user(subject, email=email, email_verified=True, groups=["money"])
    location = onward(start(client, email))
    answer = client.get(authorize(location, subject))
    assert answer.status_code == 302 and urlsplit(answer.headers["Location"]).path == "/login"
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "could not be completed" in page
    assert not _signed_in(client) and _user(db, email) is None
    return _events(db, "user.sso_refused")[-1]


def test_tampered_id_token_is_refused(client, db, world, oidc):
    oidc.next_token("tampered")
    refused = _refused_journey(client, db, oidc, "tom@vendor.example", "sub-tom")
    assert refused.after["provider"] == "Vendor login"
    assert refused.after["reason"] == "protocol: BadSignatureError"


@pytest.mark.parametrize("mode", ["wrong_audience", "wrong_audience_with_azp"])
def test_id_token_for_another_audience_is_refused(client, db, world, oidc, mode):
    oidc.next_token(mode)
    refused = _refused_journey(client, db, oidc, "tina@vendor.example", "sub-tina")
    assert refused.after["reason"] == "protocol: InvalidClaimError"


def test_expired_id_token_is_refused(client, db, world, oidc, monkeypatch):
    # the provider's tokens live an hour; our clock is past that and the allowed skew
    later = sso_client.clock() + 3600 + 120 + 30
    monkeypatch.setattr(sso_client, "clock", lambda: later)
    refused = _refused_journey(client, db, oidc, "tim@vendor.example", "sub-tim")
    assert refused.after["reason"] == "protocol: ExpiredTokenError"


def test_clock_skew_within_the_leeway_is_accepted(client, db, world, oidc, monkeypatch):
    later = sso_client.clock() + 3600 + 60  # expired a minute ago by our clock: within 120 s
    monkeypatch.setattr(sso_client, "clock", lambda: later)
    sso_sign_in(client, oidc, "tara@vendor.example", "sub-tara", groups=["money"])
    assert _signed_in(client)


def test_replayed_state_is_refused(client, app, db, world, oidc):
    oidc.set_user("sub-rex", email="rex@vendor.example", email_verified=True, groups=["money"])
    callback = authorize(onward(start(client, "rex@vendor.example")), "sub-rex")
    assert client.get(callback).status_code == 302 and _signed_in(client)
    client.post("/logout", data={"csrf_token": _csrf(client)})
    assert client.get(callback).headers["Location"].endswith("/login")
    assert not _signed_in(client)
    stranger = app.test_client()  # another browser replaying the same answer
    assert stranger.get(callback).headers["Location"].endswith("/login")
    assert not _signed_in(stranger)
    assert len(_events(db, "user.sso_login")) == 1
    # answers to no sign-in started in that browser are logged, not written to the audit trail
    # (anyone could otherwise fill it); a browser whose own sign-in fails is audited
    assert _events(db, "user.sso_refused") == []


def test_provider_asserting_an_address_outside_its_domains_is_refused(client, db, world, oidc):
    oidc.set_user("sub-mal", email="mal@alpen.example", email_verified=True)
    location = onward(start(client, "mal@vendor.example"))
    answer = client.get(authorize(location, "sub-mal"))
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "does not sign in addresses of alpen.example" in page
    assert _user(db, "mal@alpen.example") is None


def test_sign_out_ends_the_provider_session(client, db, world, oidc):
    sso_sign_in(client, oidc, "sam@vendor.example", "sub-sam", groups=["money"])
    answer = client.post("/logout", data={"csrf_token": _csrf(client)})
    assert "Signing you out of your company account" in answer.get_data(as_text=True)
    assert answer.headers["Cache-Control"] == "no-store"
    target = urlsplit(onward(answer))
    assert f"{target.scheme}://{target.netloc}" == oidc.url
    assert target.path == "/oauth2/end_session"
    query = parse_qs(target.query)
    assert query["post_logout_redirect_uri"] == ["http://localhost/login"]
    assert query["id_token_hint"] and query["client_id"] == ["portal-staff"]
    assert not _signed_in(client)


def test_sign_out_without_the_provider_ends_the_portal_session_only(client, db, world, oidc):
    sso_sign_in(client, oidc, "sue@vendor.example", "sub-sue", groups=["money"])
    world["staff"].issuer = "http://127.0.0.1:9"  # the provider no longer answers
    db.session.flush()
    answer = client.post("/logout", data={"csrf_token": _csrf(client)})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/login")
    assert not _signed_in(client)


def test_requests_to_the_provider_carry_a_time_limit(app, db, world):
    with app.test_request_context("/"):
        session = sso_client.client_for(world["staff"])._get_oauth_client()
    assert session.default_timeout == app.config["SSO_HTTP_TIMEOUT_SECONDS"]


def test_unreachable_provider_is_a_clear_message(client, db, world):
    world["staff"].issuer = "http://127.0.0.1:9"  # nothing listens there
    db.session.flush()
    answer = start(client, "una@vendor.example")
    assert answer.status_code == 302
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "does not answer" in page


def _csrf(client) -> str:
    """A CSRF token of the client's session, signed in or not."""
    account = client.get("/account")
    return csrf_token(client, "/account" if account.status_code == 200 else "/login")
