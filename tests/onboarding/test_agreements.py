"""Versioned agreements: publishing, acceptance, and the gate partner admins meet at sign-in."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.agreements import services
from portal.models import AgreementAcceptance, AuditEvent
from portal.security import Forbidden
from workflows.onboarding.errors import OnboardingError

from ..conftest import csrf_token


def publish(world, title="Agreement", effective_on=None):
    return services.publish_version(
        title=title,
        body="Clause 1.",
        effective_on=effective_on or date.today(),
        actor=world["finance"],
    )


@pytest.fixture
def org(make, world):
    partner = make.partner("ORG", world["t"]["DACH"])
    return {
        "partner": partner,
        "admin": make.user("partner_admin", partner=partner, email="ada@org.example"),
        "admin2": make.user("partner_admin", partner=partner, email="abe@org.example"),
        "user": make.user("partner_user", partner=partner, email="ulf@org.example"),
        "other_admin": make.user(
            "partner_admin", partner=make.partner("OTHER", world["t"]["FR"]), email="o@o.example"
        ),
    }


def test_versions_number_themselves_and_the_current_one_is_in_effect(db, world, rctx):
    assert services.current_version() is None
    v1 = publish(world, "First")
    v2 = publish(world, "Second", date.today() + timedelta(days=10))
    assert (v1.version, v2.version) == (1, 2)
    assert services.current_version() == v1
    assert services.current_version(date.today() + timedelta(days=10)) == v2
    published = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "agreement.publish").order_by(AuditEvent.id)
    ).all()
    assert [e.after["version"] for e in published] == [1, 2]
    assert published[0].actor_email == "fin@v.example"


def test_publishing_rules(db, world, rctx):
    with pytest.raises(Forbidden):
        services.publish_version(
            title="x", body="y", effective_on=date.today(), actor=world["dach_manager"]
        )
    with pytest.raises(OnboardingError, match="past"):
        publish(world, effective_on=date.today() - timedelta(days=1))
    publish(world, effective_on=date.today() + timedelta(days=5))
    with pytest.raises(OnboardingError, match="cannot start earlier"):
        publish(world, effective_on=date.today() + timedelta(days=4))
    with pytest.raises(OnboardingError) as caught:
        services.publish_version(
            title=" ", body="y", effective_on=date.today(), actor=world["admin"]
        )
    assert caught.value.field == "title"


def test_acceptance_records_who_what_when_where_and_covers_the_organisation(db, world, org, rctx):
    version = publish(world)
    assert services.pending_version_for(org["admin2"]) == version
    first = services.accept_version(version, actor=org["admin"], ip="203.0.113.9")
    again = services.accept_version(version, actor=org["admin"], ip="203.0.113.9")
    assert first is again
    assert (first.user_id, first.partner_id, first.version_id, first.ip) == (
        org["admin"].id,
        org["partner"].id,
        version.id,
        "203.0.113.9",
    )
    assert services.pending_version_for(org["admin2"]) is None
    assert services.pending_version_for(org["other_admin"]) == version
    with pytest.raises(Forbidden):
        services.accept_version(version, actor=org["user"], ip=None)
    assert len(db.session.scalars(select(AgreementAcceptance)).all()) == 1


def test_only_the_current_version_can_be_accepted(db, world, org, rctx):
    current = publish(world)
    later = publish(world, effective_on=date.today() + timedelta(days=3))
    with pytest.raises(OnboardingError):
        services.accept_version(later, actor=org["admin"], ip=None)
    services.accept_version(current, actor=org["admin"], ip=None)


def test_a_new_version_gates_partner_admins_at_their_next_sign_in(db, world, org, login, client):
    publish(world)
    login(org["admin"])
    response = client.get("/dashboard")
    assert response.status_code == 302 and response.headers["Location"].startswith(
        "/agreement/accept?next=/dashboard"
    )
    assert client.get("/deals").status_code == 302
    page = client.get("/agreement/accept").get_data(as_text=True)
    assert "Clause 1." in page
    token = csrf_token(client, "/agreement/accept")
    refused = client.post("/agreement/accept?next=/deals", data={"csrf_token": token})
    assert refused.status_code == 200 and "Tick the box" in refused.get_data(as_text=True)
    accepted = client.post(
        "/agreement/accept?next=/deals", data={"csrf_token": token, "accept": "y"}
    )
    assert accepted.headers["Location"] == "/deals"
    assert client.get("/dashboard").status_code == 200
    acceptance = db.session.scalar(select(AgreementAcceptance))
    assert acceptance.user_id == org["admin"].id and acceptance.ip == "127.0.0.1"


def test_the_gate_waits_for_the_next_sign_in_and_skips_partner_users(db, world, org, login, client):
    client = login(org["admin"])
    assert client.get("/dashboard").status_code == 200
    publish(world, "v1")
    assert client.get("/dashboard").status_code == 200  # asked at the next sign-in
    client.post("/logout", data={"csrf_token": csrf_token(client, "/dashboard")})
    login(org["admin"])
    assert client.get("/dashboard").status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/agreement/accept")})
    login(org["user"])
    assert client.get("/dashboard").status_code == 200
    assert client.get("/agreement/accept").status_code == 403


def test_publishing_through_the_page(db, world, login, client):
    login(world["finance"])
    token = csrf_token(client, "/agreements")
    bad = client.post(
        "/agreements", data={"csrf_token": token, "title": "", "body": "", "effective_on": "soon"}
    )
    body = bad.get_data(as_text=True)
    assert bad.status_code == 200
    assert "Give the agreement a title." in body and "Write the text of the agreement." in body
    good = client.post(
        "/agreements",
        data={
            "csrf_token": token,
            "title": "Partner agreement <b>2026</b>",
            "body": "Be good.",
            "effective_on": date.today().isoformat(),
        },
    )
    assert good.status_code == 302
    listing = client.get("/agreements").get_data(as_text=True)
    assert "Partner agreement &lt;b&gt;2026&lt;/b&gt;" in listing
    assert client.get("/agreements", follow_redirects=False).status_code == 200


def test_agreement_pages_need_the_right_role(db, world, org, login, client):
    version = publish(world, effective_on=date.today() + timedelta(days=30))
    login(org["user"])
    assert client.get("/agreements").status_code == 403
    assert client.get(f"/agreements/{version.id}").status_code == 404  # not in effect yet
