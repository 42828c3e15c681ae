"""Invitations (invite, resend, revoke, expire, accept) and partner admins managing their team."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.foundation import signed_links
from portal.foundation.signed_links import InvalidToken
from portal.models import Invitation, Role, User, utcnow
from portal.security import Forbidden
from portal.team import services
from workflows.onboarding.errors import OnboardingError

from ..conftest import csrf_token
from .helpers import link_in, outbox, path_of


@pytest.fixture
def org(make, world):
    partner = make.partner("ORG", world["t"]["DACH"])
    other = make.partner("OTHER", world["t"]["FR"])
    return {
        "partner": partner,
        "admin": make.user("partner_admin", partner=partner, email="ada@org.example"),
        "user": make.user("partner_user", partner=partner, email="ulf@org.example"),
        "other_admin": make.user("partner_admin", partner=other, email="oz@other.example"),
        "other_user": make.user("partner_user", partner=other, email="ole@other.example"),
    }


def token_of(db, invitation) -> str:
    return signed_links.make_token(services.INVITE, invitation.id, invitation.nonce)


NEW_PASSWORD = "another long password"


def accept(token, name="Cole League"):
    return services.accept_invitation(
        token, name=name, password=NEW_PASSWORD, locale="fr", ip="192.0.2.4"
    )


def test_invite_and_accept(db, org, rctx):
    invitation = services.invite(email="Cole@Org.example", role="partner_user", actor=org["admin"])
    assert (invitation.email, invitation.role, invitation.partner_id) == (
        "cole@org.example",
        "partner_user",
        org["partner"].id,
    )
    [mail] = outbox(db, "invitation")
    assert mail.to_address == "cole@org.example"
    assert "ORG Ltd" in mail.subject
    token = path_of(link_in(mail)).rsplit("/", 1)[1]
    assert services.check_invitation_token(token) is invitation
    user = accept(token)
    assert (user.email, user.role, user.partner_id, user.name, user.locale) == (
        "cole@org.example",
        Role.PARTNER_USER.value,
        org["partner"].id,
        "Cole League",
        "fr",
    )
    assert user.check_password(NEW_PASSWORD)
    assert invitation.accepted_user_id == user.id and invitation.nonce is None
    with pytest.raises(InvalidToken):
        accept(token)


def test_partner_admins_can_invite_admins(db, org, rctx):
    invitation = services.invite(email="boss@org.example", role="partner_admin", actor=org["admin"])
    assert accept(token_of(db, invitation)).role == Role.PARTNER_ADMIN.value


@pytest.mark.parametrize(
    ("email", "role", "field"),
    [
        ("not an address", "partner_user", "email"),
        ("ulf@org.example", "partner_user", "email"),  # already has an account
        ("oz@other.example", "partner_user", "email"),
        ("new@org.example", "admin", "role"),
        ("new@org.example", "channel_manager", "role"),
    ],
)
def test_bad_invitations_are_refused(db, org, rctx, email, role, field):
    with pytest.raises(OnboardingError) as caught:
        services.invite(email=email, role=role, actor=org["admin"])
    assert caught.value.field == field


def test_one_open_invitation_per_address(db, org, rctx):
    services.invite(email="cole@org.example", role="partner_user", actor=org["admin"])
    with pytest.raises(OnboardingError, match="already invited"):
        services.invite(email="cole@org.example", role="partner_user", actor=org["admin"])


def test_only_partner_admins_invite(db, org, world, rctx):
    for actor in (org["user"], world["dach_manager"], world["admin"]):
        with pytest.raises(Forbidden):
            services.invite(email="x@org.example", role="partner_user", actor=actor)


def test_resend_replaces_the_link_and_extends_the_expiry(db, org, rctx):
    invitation = services.invite(email="cole@org.example", role="partner_user", actor=org["admin"])
    old_token = token_of(db, invitation)
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    db.session.flush()
    with pytest.raises(InvalidToken):
        services.check_invitation_token(old_token)
    services.resend(invitation, actor=org["admin"])
    assert invitation.sent_count == 2 and invitation.expires_at > utcnow() + timedelta(days=13)
    assert len(outbox(db, "invitation")) == 2
    with pytest.raises(InvalidToken):
        services.check_invitation_token(old_token)
    accept(token_of(db, invitation))


def test_revoked_and_expired_invitations_cannot_be_accepted(app, db, org, rctx, monkeypatch):
    revoked = services.invite(email="r@org.example", role="partner_user", actor=org["admin"])
    token = token_of(db, revoked)
    services.revoke(revoked, actor=org["admin"])
    with pytest.raises(InvalidToken):
        accept(token)
    with pytest.raises(OnboardingError):
        services.resend(revoked, actor=org["admin"])
    late = services.invite(email="late@org.example", role="partner_user", actor=org["admin"])
    late.expires_at = utcnow() - timedelta(seconds=1)
    db.session.flush()
    with pytest.raises(InvalidToken):
        services.check_invitation_token(token_of(db, late))
    old = services.invite(email="old@org.example", role="partner_user", actor=org["admin"])
    monkeypatch.setitem(app.config, "INVITATION_VALID_DAYS", -1)  # the signature is too old
    with pytest.raises(InvalidToken):
        services.check_invitation_token(token_of(db, old))
    assert db.session.scalar(select(User).where(User.email.like("%@org.example"))).email == (
        "ada@org.example"
    )


def test_forged_invitation_links_are_refused(db, org, rctx):
    invitation = services.invite(email="cole@org.example", role="partner_user", actor=org["admin"])
    for forged in (
        token_of(db, invitation) + "x",
        signed_links.make_token("verify-email", invitation.id, invitation.nonce),
        signed_links.make_token(services.INVITE, invitation.id, "f" * 32),
    ):
        with pytest.raises(InvalidToken):
            accept(forged)


def test_admins_of_other_partners_cannot_touch_an_invitation(db, org, rctx):
    invitation = services.invite(email="cole@org.example", role="partner_user", actor=org["admin"])
    for action in (services.resend, services.revoke):
        with pytest.raises(Forbidden):
            action(invitation, actor=org["other_admin"])


def test_partner_admins_deactivate_their_own_users_only(db, org, rctx):
    services.set_member_active(org["user"], False, actor=org["admin"])
    assert not org["user"].active
    services.set_member_active(org["user"], True, actor=org["admin"])
    with pytest.raises(Forbidden):
        services.set_member_active(org["other_user"], False, actor=org["admin"])
    with pytest.raises(OnboardingError):
        services.set_member_active(org["admin"], False, actor=org["admin"])
    assert org["other_user"].active and org["admin"].active


def test_team_page_lifecycle(db, org, login, client):
    login(org["admin"])
    page = client.get("/team").get_data(as_text=True)
    assert "ulf@org.example" in page and "ole@other.example" not in page
    token = csrf_token(client, "/team")
    bad = client.post("/team/invitations", data={"csrf_token": token, "email": "nope"})
    assert bad.status_code == 400 and "Enter a valid e-mail address." in bad.get_data(as_text=True)
    assert 'value="nope"' in bad.get_data(as_text=True)
    sent = client.post(
        "/team/invitations",
        data={"csrf_token": token, "email": "cole@org.example", "role": "partner_user"},
    )
    assert sent.status_code == 302
    invitation = db.session.scalar(select(Invitation))
    assert (
        client.post(
            f"/team/invitations/{invitation.id}/resend", data={"csrf_token": token}
        ).status_code
        == 302
    )
    assert len(outbox(db, "invitation")) == 2
    assert (
        client.post(
            f"/team/members/{org['user'].id}/deactivate", data={"csrf_token": token}
        ).status_code
        == 302
    )
    db.session.refresh(org["user"])
    assert not org["user"].active


def test_team_routes_are_scoped_by_guessed_ids(db, org, login, client, rctx):
    foreign = services.invite(
        email="f@other.example", role="partner_user", actor=org["other_admin"]
    )
    login(org["admin"])
    token = csrf_token(client, "/team")
    for url in (
        f"/team/invitations/{foreign.id}/resend",
        f"/team/invitations/{foreign.id}/revoke",
        f"/team/members/{org['other_user'].id}/deactivate",
        "/team/members/999999/deactivate",
    ):
        assert client.post(url, data={"csrf_token": token}).status_code == 404, url
    db.session.refresh(org["other_user"])
    assert org["other_user"].active and foreign.revoked_at is None


def test_partner_users_have_no_team_page(db, org, login, client):
    login(org["user"])
    assert client.get("/team").status_code == 403
    assert client.get("/team/profile").status_code == 403


def test_accepting_through_the_page_signs_the_colleague_in(db, org, client, rctx):
    invitation = services.invite(email="cole@org.example", role="partner_user", actor=org["admin"])
    url = f"/invitations/{token_of(db, invitation)}"
    page = client.get(url)
    assert page.status_code == 200 and "cole@org.example" in page.get_data(as_text=True)
    token = csrf_token(client, url)
    short = client.post(
        url, data={"csrf_token": token, "name": "Cole", "password": "short", "confirm": "short"}
    )
    assert short.status_code == 400 and "Use between 10 and 200 characters." in short.get_data(
        as_text=True
    )
    mismatch = client.post(
        url,
        data={
            "csrf_token": token,
            "name": "Cole",
            "password": "long enough 123",
            "confirm": "other 123456",
        },
    )
    assert "The two passwords are not the same." in mismatch.get_data(as_text=True)
    done = client.post(
        url,
        data={
            "csrf_token": token,
            "name": "Cole",
            "password": "long enough 123",
            "confirm": "long enough 123",
        },
    )
    assert done.headers["Location"] == "/dashboard"
    assert client.get("/dashboard").status_code == 200
    assert client.get(url).status_code == 409


def test_used_or_forged_invitation_page(db, client):
    response = client.get("/invitations/forged-token")
    assert response.status_code == 400
    assert "not valid any more" in response.get_data(as_text=True)
