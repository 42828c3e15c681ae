"""The application state machine: every transition, every guard, what approval creates."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal.agreements.services import publish_version
from portal.models import AgreementAcceptance, AuditEvent, Partner, PartnerProfile, Role
from portal.onboarding import queue, services
from portal.security import Forbidden
from workflows.onboarding.effects import generate_partner_code
from workflows.onboarding.errors import AgreementNotAccepted, NotVerified, OnboardingError
from workflows.onboarding.states import TRANSITIONS, transition
from workflows.states import IllegalTransition, MakerCheckerRefused

from .helpers import outbox

pytestmark = pytest.mark.usefixtures("rctx")


def approve(application, actor, territory, tier="registered", currency="EUR"):
    return queue.approve(
        application, actor=actor, territory_id=territory.id, tier=tier, currency=currency
    )


def events(db, application) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEvent.action)
            .where(
                AuditEvent.object_type == "partner_applications",
                AuditEvent.object_id == str(application.id),
            )
            .order_by(AuditEvent.id)
        )
    )


def test_the_whole_happy_path_is_audited_and_mailed(db, world, submitted):
    application = submitted()
    manager = world["dach_manager"]
    transition(application, "request_info", manager, question="Which vendors do you sell?")
    assert (application.state, application.question) == ("needs_info", "Which vendors do you sell?")
    services.answer_question(application, actor=application.applicant, answer="Only yours.")
    assert (application.state, application.answer) == ("resubmitted", "Only yours.")
    approve(application, manager, world["t"]["DACH"], tier="silver")
    assert application.state == "approved"
    assert events(db, application) == [
        "application.register",
        "application.verify_email",
        "application.submit",
        "application.request_info",
        "application.resubmit",
        "application.approve",
    ]
    to_applicant = [m.template for m in outbox(db, to="nora@nordlicht.example")]
    assert to_applicant == [
        "verify_email",
        "application_submitted",
        "application_needs_info",
        "application_resubmitted",
        "application_approved",
    ]
    reviewers = {(m.template, m.to_address) for m in outbox(db, "application_to_review")}
    assert reviewers == {
        ("application_to_review", "dora@v.example"),
        ("application_to_review", "emil@v.example"),
    }
    [question] = outbox(db, "application_needs_info")
    assert "Which vendors do you sell?" in question.body_text


def test_approval_creates_the_partner_and_makes_the_applicant_its_admin(db, world, submitted):
    application = submitted()
    approve(application, world["emea_manager"], world["t"]["FR"], tier="gold", currency="EUR")
    partner = application.partner
    today = date.today()
    assert (partner.code, partner.name, partner.country, partner.currency) == (
        "NORDLICHTSYS",
        "Nordlicht Systems GmbH",
        "DE",
        "EUR",
    )
    assert partner.path == f"/{partner.id}/" and partner.root_id == partner.id
    assert partner.territory_on(today).code == "FR" and partner.tier_on(today) == "gold"
    assert [(a.valid_from, a.valid_to) for a in partner.territories] == [(today, None)]
    assert partner.tier_on(date(2000, 1, 1)) is None
    user = application.applicant
    assert (user.role, user.partner_id) == (Role.PARTNER_ADMIN.value, partner.id)
    profile = db.session.get(PartnerProfile, partner.id)
    assert (profile.tax_key, profile.domain_root) == ("DE:123456789", "nordlicht.example")
    assert application.decided_by_id == world["emea_manager"].id
    [event] = [
        e for e in db.session.scalars(select(AuditEvent)) if e.action == "application.approve"
    ]
    assert event.after["partner_code"] == "NORDLICHTSYS" and event.after["state"] == "approved"
    assert event.before["state"] == "submitted"


def test_partner_codes_stay_unique(db, make, world):
    make.partner("ACME", world["t"]["DACH"])
    make.partner("ACME-2", world["t"]["DACH"])
    assert generate_partner_code("Acme GmbH") == "ACME-3"
    assert generate_partner_code("Bêta & Co, Ltd.") == "BETA"
    assert generate_partner_code("!!!") == "PARTNER"


def test_reject_keeps_the_reason_for_the_applicant(db, world, submitted):
    application = submitted()
    transition(application, "reject", world["dach_manager"], reason="Not in our market.")
    assert (application.state, application.rejection_reason) == ("rejected", "Not in our market.")
    [mail] = outbox(db, "application_rejected")
    assert "Not in our market." in mail.body_text
    assert application.applicant.role == Role.APPLICANT.value


def test_needs_info_can_be_rejected_but_not_approved(db, world, submitted):
    application = submitted()
    transition(application, "request_info", world["dach_manager"], question="Proof?")
    with pytest.raises(IllegalTransition):
        approve(application, world["dach_manager"], world["t"]["DACH"])
    transition(application, "reject", world["dach_manager"], reason="No answer.")
    assert application.state == "rejected"


@pytest.mark.parametrize(
    ("setup", "event", "data"),
    [
        ("rejected", "approve", {}),
        ("approved", "approve", {}),
        ("approved", "reject", {"reason": "x"}),
        ("draft", "approve", {}),
        ("draft", "request_info", {"question": "x"}),
        ("submitted", "resubmit", {"answer": "x"}),
        ("submitted", "submit", {}),
        ("rejected", "request_info", {"question": "x"}),
    ],
)
def test_illegal_transitions_change_nothing(db, world, register, setup, event, data):
    application = register()
    manager = world["dach_manager"]
    if setup != "draft":
        transition(application, "submit", application.applicant)
    if setup == "rejected":
        transition(application, "reject", manager, reason="No.")
    if setup == "approved":
        approve(application, manager, world["t"]["DACH"])
    if event == "approve":
        data = {"territory": world["t"]["DACH"], "tier": "registered", "currency": "EUR"}
    actor = application.applicant if TRANSITIONS[event].by == "applicant" else manager
    before = len(events(db, application))
    with pytest.raises(IllegalTransition) as caught:
        transition(application, event, actor, **data)
    assert application.state == setup
    assert len(events(db, application)) == before
    assert "is not possible while the application is" in str(caught.value)


def test_approving_a_rejected_application_says_why(db, world, submitted):
    application = submitted()
    transition(application, "reject", world["dach_manager"], reason="No.")
    with pytest.raises(IllegalTransition) as caught:
        approve(application, world["dach_manager"], world["t"]["DACH"])
    assert str(caught.value) == "“Approve” is not possible while the application is rejected."


def test_a_manager_outside_the_territory_cannot_act(db, world, submitted):
    application = submitted()
    for event, data in [
        ("approve", {"territory": world["t"]["AMER"], "tier": "gold", "currency": "USD"}),
        ("reject", {"reason": "x"}),
        ("request_info", {"question": "x"}),
    ]:
        with pytest.raises(Forbidden):
            transition(application, event, world["amer_manager"], **data)
    assert application.state == "submitted"


def test_a_manager_cannot_assign_a_territory_outside_their_subtree(db, world, submitted):
    application = submitted()
    with pytest.raises(OnboardingError) as caught:
        approve(application, world["dach_manager"], world["t"]["FR"])
    assert caught.value.field == "territory"
    with pytest.raises(OnboardingError) as caught:
        approve(application, world["dach_manager"], world["t"]["DACH"], tier="diamond")
    assert caught.value.field == "tier"
    with pytest.raises(OnboardingError) as caught:
        approve(application, world["dach_manager"], world["t"]["DACH"], currency="XYZ")
    assert caught.value.field == "currency"
    assert application.state == "submitted"


def test_an_applicant_cannot_act_on_someone_elses_application(db, world, submitted, register):
    mine = submitted()
    theirs = register(email="x@other.example", company_name="Other Co")
    with pytest.raises(Forbidden):
        transition(theirs, "submit", mine.applicant)
    transition(mine, "request_info", world["dach_manager"], question="?")
    other = submitted(email="y@other.example", company_name="Third Co")
    with pytest.raises(Forbidden):
        services.answer_question(mine, actor=other.applicant, answer="hijack")
    with pytest.raises(Forbidden):
        transition(mine, "approve", mine.applicant)


def test_finance_and_partners_cannot_review(db, make, world, submitted):
    application = submitted()
    partner_admin = make.user("partner_admin", partner=make.partner("P", world["t"]["DACH"]))
    for actor in (world["finance"], world["admin"], partner_admin):
        with pytest.raises(Forbidden):
            transition(application, "reject", actor, reason="x")


def test_maker_checker_refuses_deciding_your_own_application(db, world, register):
    application = register()
    transition(application, "submit", application.applicant)
    manager = world["dach_manager"]
    application.applicant_id = manager.id  # a manager who filed an application themselves
    db.session.flush()
    with pytest.raises(MakerCheckerRefused):
        transition(application, "reject", manager, reason="x")


def test_submission_needs_a_verified_address(db, world, register):
    application = register(verified=False)
    with pytest.raises(NotVerified):
        transition(application, "submit", application.applicant)
    with pytest.raises(NotVerified):
        services.submit_application(application, actor=application.applicant, accept=True, ip=None)
    assert application.state == "draft"


def test_submission_needs_the_current_agreement(db, world, register, agreement):
    application = register()
    applicant = application.applicant
    with pytest.raises(AgreementNotAccepted):
        services.submit_application(application, actor=applicant, accept=False, ip="192.0.2.3")
    services.submit_application(application, actor=applicant, accept=True, ip="192.0.2.3")
    assert application.state == "submitted"
    acceptance = db.session.scalar(select(AgreementAcceptance))
    assert (acceptance.user_id, acceptance.version_id, acceptance.ip) == (
        applicant.id,
        agreement.id,
        "192.0.2.3",
    )
    assert acceptance.application_id == application.id and acceptance.accepted_at is not None


def test_a_future_agreement_does_not_block_submission(db, world, register):
    publish_version(
        title="Later",
        body="Text",
        effective_on=date(2999, 1, 1),
        actor=world["finance"],
    )
    application = register()
    services.submit_application(application, actor=application.applicant, accept=False, ip=None)
    assert application.state == "submitted"


@pytest.mark.parametrize(
    ("event", "data", "field"),
    [
        ("request_info", {"question": "   "}, "question"),
        ("reject", {"reason": ""}, "reason"),
        ("reject", {"reason": "x" * 4001}, "reason"),
    ],
)
def test_decisions_need_their_text(db, world, submitted, event, data, field):
    application = submitted()
    with pytest.raises(OnboardingError) as caught:
        transition(application, event, world["dach_manager"], **data)
    assert caught.value.field == field
    assert application.state == "submitted"


def test_resubmission_needs_an_answer(db, world, submitted):
    application = submitted()
    transition(application, "request_info", world["dach_manager"], question="?")
    with pytest.raises(OnboardingError) as caught:
        services.answer_question(application, actor=application.applicant, answer=" ")
    assert caught.value.field == "answer"


def test_inactive_applicant_cannot_be_approved(db, world, submitted):
    application = submitted()
    application.applicant.active = False
    db.session.flush()
    with pytest.raises(OnboardingError, match="deactivated"):
        approve(application, world["dach_manager"], world["t"]["DACH"])
    application.applicant.active = True
    db.session.flush()
    approve(application, world["dach_manager"], world["t"]["DACH"])
    assert db.session.scalar(select(Partner).where(Partner.code == "NORDLICHTSYS")) is not None
