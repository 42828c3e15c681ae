"""The managers' pages: queue order and ageing, duplicates, decisions, scoping; country rules;
the onboarding checklist on a new partner's dashboard."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.models import (
    CountryTerritoryRule,
    DealRegistration,
    Invitation,
    PartnerApplication,
    utcnow,
)
from portal.onboarding import services
from workflows.onboarding.states import transition

from ..conftest import csrf_token
from .helpers import REGISTRATION


def decide(client, application, event, **data):
    url = f"/applications/{application.id}/{event}"
    token = csrf_token(client, f"/applications/{application.id}")
    return client.post(url, data={"csrf_token": token, **data})


def test_queue_shows_the_managers_applications_oldest_first_with_age(
    db, world, submitted, login, client
):
    late = submitted(
        email="late@a.example", company_name="Late Co", website="late.example", tax_id="1"
    )
    early = submitted(
        email="early@a.example", company_name="Early Co", website="early.example", tax_id="2"
    )
    early.waiting_since = utcnow() - timedelta(hours=50)
    late.waiting_since = utcnow() - timedelta(hours=3)
    submitted(
        email="us@a.example",
        company_name="Yankee Co",
        country="US",
        website="y.example",
        tax_id="3",
    )
    db.session.flush()
    login(world["dach_manager"])
    page = client.get("/applications").get_data(as_text=True)
    assert page.index("Early Co") < page.index("Late Co")
    assert "Yankee Co" not in page
    assert "50 hours" in page and "overdue" in page and "3 hours" in page


def test_queue_tabs(db, world, submitted, register, login, client):
    asked = submitted()
    transition(asked, "request_info", world["dach_manager"], question="?")
    register(email="draft@a.example", company_name="Drafty")
    login(world["dach_manager"])
    assert "Nordlicht" not in client.get("/applications").get_data(as_text=True)
    assert "Nordlicht" in client.get("/applications?tab=needs_info").get_data(as_text=True)
    assert "Drafty" in client.get("/applications?tab=unsubmitted").get_data(as_text=True)
    assert client.get("/applications?tab=bogus").status_code == 200


def test_detail_shows_duplicates_with_reasons_but_nothing_outside_scope(
    db, make, world, submitted, login, client
):
    insider = make.partner("NORD", world["t"]["DACH"])
    insider.name = "Nordlicht Systems AG"
    outsider = make.partner("SECRET", world["t"]["AMER"], country="US")
    outsider.name = "Nordlicht Systems Inc."
    db.session.flush()
    application = submitted()
    login(world["dach_manager"])
    page = client.get(f"/applications/{application.id}").get_data(as_text=True)
    assert "Nordlicht Systems AG (NORD)" in page
    assert "very similar company name “Nordlicht Systems AG” (similarity 1.00)" in page
    assert "SECRET" not in page and "Nordlicht Systems Inc." not in page
    assert "A partner or application outside your territories" in page


def test_approve_through_the_page(db, world, submitted, login, client):
    application = submitted()
    login(world["dach_manager"])
    page = client.get(f"/applications/{application.id}").get_data(as_text=True)
    assert f'<option selected value="{world["t"]["DACH"].id}">' in page
    assert 'value="EUR"' in page
    assert f'value="{world["t"]["FR"].id}"' not in page  # only the manager's subtree
    bad = decide(
        client, application, "approve", territory=world["t"]["FR"].id, tier="gold", currency="EUR"
    )
    assert bad.status_code == 400 and "Not a valid choice" in bad.get_data(as_text=True)
    bad = decide(
        client, application, "approve", territory=world["t"]["DACH"].id, tier="gold", currency="EU"
    )
    assert bad.status_code == 400 and "Choose a valid currency." in bad.get_data(as_text=True)
    bad = decide(
        client, application, "approve", territory=world["t"]["DACH"].id, tier="gold", currency="QQQ"
    )
    message = "QQQ is not a currency: use an ISO 4217 code such as EUR."
    assert bad.status_code == 400 and message in bad.get_data(as_text=True)
    bad = decide(
        client, application, "approve", territory=world["t"]["DACH"].id, tier="gold", currency="XTS"
    )
    message = "XTS is not a currency: use an ISO 4217 code such as EUR."
    assert bad.status_code == 400 and message in bad.get_data(as_text=True)
    ok = decide(
        client, application, "approve", territory=world["t"]["DACH"].id, tier="gold", currency="chf"
    )
    assert ok.status_code == 302
    application = db.session.get(PartnerApplication, application.id)
    assert application.state == "approved" and application.partner.currency == "CHF"
    again = decide(
        client, application, "approve", territory=world["t"]["DACH"].id, tier="gold", currency="EUR"
    )
    assert again.status_code == 400
    assert "“Approve” is not possible while the application is approved." in again.get_data(
        as_text=True
    )


def test_request_info_and_reject_need_text(db, world, submitted, login, client):
    application = submitted()
    login(world["emea_manager"])
    empty = decide(client, application, "request_info", question="  ")
    assert empty.status_code == 400 and "Write the question for the applicant." in empty.get_data(
        as_text=True
    )
    assert decide(client, application, "request_info", question="Turnover?").status_code == 302
    empty = decide(client, application, "reject", reason="")
    assert "Give the reason for the rejection." in empty.get_data(as_text=True)
    assert decide(client, application, "reject", reason="No turnover.").status_code == 302
    assert db.session.get(PartnerApplication, application.id).state == "rejected"


def test_guessed_ids_outside_the_territory_are_not_found(db, world, submitted, login, client):
    application = submitted()
    login(world["amer_manager"])
    assert client.get(f"/applications/{application.id}").status_code == 404
    token = csrf_token(client, "/applications")
    for event in ("approve", "reject", "request_info"):
        response = client.post(
            f"/applications/{application.id}/{event}",
            data={
                "csrf_token": token,
                "reason": "x",
                "question": "x",
                "tier": "gold",
                "territory": world["t"]["AMER"].id,
                "currency": "USD",
            },
        )
        assert response.status_code == 404
    assert client.get("/applications/999999").status_code == 404
    assert client.post("/applications/1/delete", data={"csrf_token": token}).status_code == 404
    assert db.session.get(PartnerApplication, application.id).state == "submitted"


def test_decisions_need_the_manager_role(db, world, submitted, login, client):
    application = submitted()
    login(world["admin"])
    assert client.get(f"/applications/{application.id}").status_code == 200  # admins may look
    page = client.get(f"/applications/{application.id}").get_data(as_text=True)
    assert "Approve and create the partner" not in page
    assert decide(client, application, "reject", reason="x").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client, "/applications")})
    login(world["finance"])
    assert client.get("/applications").status_code == 403


def test_decisions_without_csrf_are_refused(db, world, submitted, login, client):
    application = submitted()
    login(world["dach_manager"])
    assert (
        client.post(f"/applications/{application.id}/reject", data={"reason": "x"}).status_code
        == 400
    )
    assert db.session.get(PartnerApplication, application.id).state == "submitted"


def test_country_rules_page(db, world, register, login, client):
    application = register(verified=False, country="CH")
    assert application.territory.code == "WORLD"
    login(world["admin"])
    page = client.get("/admin/country-rules").get_data(as_text=True)
    assert "Germany (DE)" in page and "go to WORLD" in page
    token = csrf_token(client, "/admin/country-rules")
    saved = client.post(
        "/admin/country-rules",
        data={"csrf_token": token, "country": "CH", "territory": world["t"]["DACH"].id},
    )
    assert saved.status_code == 302
    assert db.session.get(PartnerApplication, application.id).territory.code == "DACH"
    bad = client.post(
        "/admin/country-rules",
        data={"csrf_token": token, "country": "ZZ", "territory": world["t"]["DACH"].id},
    )
    assert bad.status_code == 400
    rule = db.session.scalar(
        select(CountryTerritoryRule).where(CountryTerritoryRule.country == "CH")
    )
    assert (
        client.post(
            f"/admin/country-rules/{rule.id}/delete", data={"csrf_token": token}
        ).status_code
        == 302
    )
    assert db.session.get(PartnerApplication, application.id).territory.code == "WORLD"
    client.post("/logout", data={"csrf_token": token})
    login(world["dach_manager"])
    assert client.get("/admin/country-rules").status_code == 403


@pytest.mark.parametrize("with_agreement", [False, True])
def test_checklist_on_the_new_partners_dashboard(
    db, make, world, submitted, login, client, request, with_agreement
):
    if with_agreement:
        request.getfixturevalue("agreement")
    application = submitted() if not with_agreement else None
    if with_agreement:
        application = request.getfixturevalue("register")()
        services.submit_application(application, actor=application.applicant, accept=True, ip=None)
    transition(
        application,
        "approve",
        world["dach_manager"],
        territory=world["t"]["DACH"],
        tier="registered",
        currency="EUR",
    )
    admin = application.applicant
    login(admin, REGISTRATION.password)
    page = client.get("/dashboard").get_data(as_text=True)
    items = re.findall(r'data-done="(yes|no)"', page)
    assert ("Accept the partner agreement" in page) is with_agreement
    assert items == (["yes", "yes", "no", "no"] if with_agreement else ["yes", "no", "no"])
    db.session.add(
        Invitation(
            partner_id=admin.partner_id,
            email="c@x.example",
            role="partner_user",
            invited_by_id=admin.id,
            expires_at=utcnow(),
        )
    )
    db.session.add(
        DealRegistration(
            partner_id=admin.partner_id,
            submitted_by_id=admin.id,
            state="submitted",
            customer_name="C",
            customer_key="c",
            country="DE",
            estimated_value=Decimal("1"),
            currency="EUR",
            expected_close_on=utcnow().date(),
            notes="",
            submitted_at=utcnow(),
        )
    )
    db.session.flush()
    assert "Getting started" not in client.get("/dashboard").get_data(as_text=True)


def test_the_reviewer_sees_which_agreement_version_the_applicant_accepted(
    db, world, agreement, register, login, client
):
    unsigned = register(email="nosign@a.example", website="no.example", tax_id="8")
    signed = register()
    services.submit_application(signed, actor=signed.applicant, accept=True, ip=None)
    db.session.flush()
    login(world["dach_manager"])

    page = client.get(f"/applications/{signed.id}").get_data(as_text=True)
    shown = page.split('id="agreement-acceptance">')[1].split("</dd>")[0]
    assert shown.startswith(f"Version {agreement.version} accepted ")
    page = client.get(f"/applications/{unsigned.id}").get_data(as_text=True)
    assert 'id="agreement-acceptance">not accepted</dd>' in page
