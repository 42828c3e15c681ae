"""The state machine: every transition, every guard, and the audit trail it leaves."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.deals.services import update_deal
from portal.models import AuditEvent, DealClaim, OutboxMessage
from portal.models.deals import DEAL_STATES
from portal.security import Forbidden
from workflows.deals.errors import DealError
from workflows.deals.states import SYSTEM, TRANSITIONS, transition
from workflows.states import IllegalTransition, MakerCheckerRefused

from .conftest import deal_input


def actions(db, deal):
    return db.session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.object_type == "deal_registrations", AuditEvent.object_id == str(deal.id))
        .order_by(AuditEvent.id)
    ).all()


def mails(db, deal):
    return db.session.execute(
        select(OutboxMessage.template, OutboxMessage.to_address)
        .where(OutboxMessage.related_id == str(deal.id))
        .order_by(OutboxMessage.id)
    ).all()


def test_draft_gets_a_reference_and_is_audited(db, register, world):
    deal = register(world["acme_user"], submit=False)
    assert deal.state == "draft"
    assert deal.reference == f"DR-{date.today().year}-{deal.id:06d}"
    assert deal.customer_key == "acme" and deal.domain_root == "acme.com"
    assert actions(db, deal) == ["deal.create"]
    assert mails(db, deal) == []


def test_submit_notifies_the_managers_of_the_partner_territory(db, register, world):
    deal = register(world["acme_user"])
    assert deal.state == "submitted" and deal.submitted_at is not None
    assert actions(db, deal) == ["deal.create", "deal.submit"]
    assert {to for _, to in mails(db, deal)} == {"dora@v.example", "emil@v.example"}
    assert {template for template, _ in mails(db, deal)} == {"deal_submitted"}


def test_approve_starts_protection_and_tells_the_partner(app, db, register, world):
    deal = register(world["acme_user"])
    transition(deal, "approve", world["dach_manager"], note="Go for it")
    assert deal.state == "approved"
    days = app.config["DEAL_PROTECTION_DAYS"]
    assert days == 90
    assert deal.protection_ends_on == date.today() + timedelta(days=days)
    assert deal.decided_by_id == world["dach_manager"].id and deal.decision_note == "Go for it"
    assert ("deal_approved", "ann@acme.example") in mails(db, deal)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "deal.approve"))
    assert event.before["state"] == "submitted" and event.after["state"] == "approved"
    assert event.actor_email == "dora@v.example"
    claims = db.session.scalars(select(DealClaim.customer_key).where(DealClaim.deal_id == deal.id))
    assert sorted(claims) == ["domain:acme.com", "name:acme"]


def test_reject_needs_a_listed_reason_and_a_text_for_other(db, register, world):
    deal = register(world["acme_user"])
    manager = world["dach_manager"]
    with pytest.raises(DealError) as bad_reason:
        transition(deal, "reject", manager, reason="because")
    assert bad_reason.value.field == "reason"
    with pytest.raises(DealError) as no_text:
        transition(deal, "reject", manager, reason="other", note="  ")
    assert no_text.value.field == "note"
    assert deal.state == "submitted"
    transition(deal, "reject", manager, reason="direct_sales", note="Our team is on it")
    assert (deal.state, deal.rejection_reason) == ("rejected", "direct_sales")
    assert ("deal_rejected", "ann@acme.example") in mails(db, deal)


def test_return_then_change_and_resubmit(db, register, world):
    deal = register(world["acme_user"])
    with pytest.raises(DealError):
        transition(deal, "return", world["dach_manager"], note="")
    transition(deal, "return", world["dach_manager"], note="Which products?")
    assert deal.state == "returned"
    assert ("deal_returned", "ann@acme.example") in mails(db, deal)
    update_deal(deal, deal_input(products=(world["router"],)), actor=world["acme_user"])
    transition(deal, "resubmit", world["acme_user"])
    assert deal.state == "submitted" and deal.decision_note is None
    assert actions(db, deal)[-3:] == ["deal.return", "deal.update", "deal.resubmit"]


def test_only_drafts_and_returned_deals_can_be_changed(register, world):
    deal = register(world["acme_user"])
    with pytest.raises(DealError):
        update_deal(deal, deal_input("Other"), actor=world["acme_user"])


@pytest.mark.parametrize("state_after", ["draft", "submitted", "returned", "approved"])
def test_withdraw_with_a_reason_from_every_open_state(db, register, world, state_after):
    deal = register(world["acme_user"], submit=state_after != "draft")
    if state_after == "returned":
        transition(deal, "return", world["dach_manager"], note="More please")
    if state_after == "approved":
        transition(deal, "approve", world["dach_manager"])
    with pytest.raises(DealError):
        transition(deal, "withdraw", world["acme_user"], reason="")
    transition(deal, "withdraw", world["acme_user"], reason="Customer postponed")
    assert (deal.state, deal.withdrawn_reason) == ("withdrawn", "Customer postponed")
    assert db.session.scalars(select(DealClaim).where(DealClaim.deal_id == deal.id)).all() == []


def test_report_won_validates_amount_and_date(approved, world):
    deal = approved()
    user = world["acme_user"]
    for amount, won_on in [
        ("-5", date.today()),
        ("0", date.today()),
        ("12.345", date.today()),
        ("abc", date.today()),
        ("100", date.today() + timedelta(days=1)),
        ("100", date(1900, 1, 1)),
        ("100", None),
    ]:
        with pytest.raises(DealError):
            transition(deal, "report_won", user, amount=amount, won_on=won_on)
        assert deal.state == "approved"
    transition(deal, "report_won", user, amount=Decimal("31000.50"), won_on=date.today())
    assert (deal.state, deal.won_amount) == ("won", Decimal("31000.50"))


def test_report_lost_needs_a_reason(approved, world):
    deal = approved()
    with pytest.raises(DealError):
        transition(deal, "report_lost", world["acme_user"])
    transition(deal, "report_lost", world["acme_user"], reason="Price")
    assert (deal.state, deal.lost_reason) == ("lost", "Price")


def test_one_extension_request_granted_with_a_later_date(db, approved, world):
    deal = approved()
    end = deal.protection_ends_on
    transition(deal, "request_extension", world["acme_user"], note="Board meets in Q3")
    assert deal.extension_state == "requested"
    assert ("deal_extension_requested", "dora@v.example") in mails(db, deal)
    with pytest.raises(DealError) as too_early:
        transition(deal, "grant_extension", world["dach_manager"], new_date=end)
    assert too_early.value.field == "new_date"
    with pytest.raises(DealError) as too_late:
        transition(deal, "grant_extension", world["dach_manager"], new_date=date(2099, 1, 1))
    assert too_late.value.field == "new_date" and "is too late" in str(too_late.value)
    transition(deal, "grant_extension", world["dach_manager"], new_date=end + timedelta(days=30))
    assert (deal.state, deal.extension_state) == ("approved", "granted")
    assert deal.protection_ends_on == end + timedelta(days=30)
    assert ("deal_extension_decided", "ann@acme.example") in mails(db, deal)
    with pytest.raises(IllegalTransition):
        transition(deal, "request_extension", world["acme_user"], note="Again")


def test_refused_extension_cannot_be_asked_again(approved, world):
    deal = approved()
    transition(deal, "request_extension", world["acme_user"], note="Please")
    transition(deal, "refuse_extension", world["emea_manager"], note="No")
    assert deal.extension_state == "refused"
    with pytest.raises(IllegalTransition):
        transition(deal, "request_extension", world["acme_admin"], note="Please!")


def test_extension_is_decided_by_someone_else_than_the_requester(db, approved, world):
    deal = approved()
    transition(deal, "request_extension", world["acme_user"], note="Please")
    deal.extension_requested_by_id = world["emea_manager"].id  # a user whose role changed
    db.session.flush()
    with pytest.raises(MakerCheckerRefused):
        transition(deal, "grant_extension", world["emea_manager"], new_date=date(2099, 1, 1))


def test_approving_a_rejected_deal_is_illegal(register, world):
    deal = register(world["acme_user"])
    transition(deal, "reject", world["dach_manager"], reason="not_qualified")
    with pytest.raises(IllegalTransition):
        transition(deal, "approve", world["dach_manager"])
    assert deal.state == "rejected"


def test_partner_cannot_approve_and_manager_cannot_act_for_the_partner(register, world):
    deal = register(world["acme_user"])
    with pytest.raises(Forbidden):
        transition(deal, "approve", world["acme_admin"])
    with pytest.raises(Forbidden):
        transition(deal, "withdraw", world["dach_manager"], reason="x")
    with pytest.raises(Forbidden):
        transition(deal, "approve", world["finance"])
    assert deal.state == "submitted"


def test_manager_outside_the_territory_is_forbidden(register, world):
    deal = register(world["acme_user"])
    for outsider in (world["fr_manager"], world["amer_manager"]):
        with pytest.raises(Forbidden):
            transition(deal, "approve", outsider)
    transition(deal, "approve", world["emea_manager"])  # EMEA contains DACH
    assert deal.state == "approved"


def test_partner_cannot_act_on_another_partners_deal(register, world):
    deal = register(world["acme_user"])
    with pytest.raises(Forbidden):
        transition(deal, "withdraw", world["beta_user"], reason="mine now")
    with pytest.raises(Forbidden):
        update_deal(deal, deal_input("Hijack"), actor=world["beta_user"])


def test_manager_may_not_decide_a_deal_they_submitted(db, register, world):
    deal = register(world["acme_user"])
    deal.submitted_by_id = world["dach_manager"].id  # e.g. a partner user promoted to manager
    db.session.flush()
    with pytest.raises(MakerCheckerRefused):
        transition(deal, "approve", world["dach_manager"])
    with pytest.raises(MakerCheckerRefused):
        transition(deal, "reject", world["dach_manager"], reason="duplicate")
    transition(deal, "approve", world["emea_manager"])
    assert deal.state == "approved"


def test_only_the_system_expires_and_users_cannot(approved, world):
    deal = approved()
    with pytest.raises(Forbidden):
        transition(deal, "expire", world["dach_manager"])
    transition(deal, "expire", None)
    assert deal.state == "expired"
    with pytest.raises(Forbidden):
        transition(deal, "withdraw", None, reason="x")


def test_unknown_event_is_refused(register, world):
    with pytest.raises(DealError):
        transition(register(world["acme_user"]), "teleport", world["acme_user"])


def _actor(world, event):
    by = TRANSITIONS[event].by
    return None if by == SYSTEM else world["acme_user" if by == "partner" else "emea_manager"]


@pytest.mark.parametrize("event", sorted(TRANSITIONS))
def test_every_event_is_refused_from_every_state_outside_the_table(db, register, world, event):
    deal = register(world["acme_user"], submit=False)
    deal.extension_state = "requested" if event.endswith("e_extension") else None
    for state in DEAL_STATES:
        if state in TRANSITIONS[event].sources:
            continue
        deal.state = state
        db.session.flush()
        with pytest.raises(IllegalTransition):
            transition(deal, event, _actor(world, event))
        assert deal.state == state
