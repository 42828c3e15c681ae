"""Funds, allocations, requests and claims through their services: who may do what, the second
approval above the fund's amount, reasons, returns, and an audit event for every change."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.models import AuditEvent, MdfEntry, MdfFund, MdfRequest
from portal.security import Forbidden
from workflows.mdf import claims, funds, ledger, requests
from workflows.mdf.claims import Proof
from workflows.mdf.errors import (
    AlreadyDecided,
    MdfError,
    PastDeadline,
    SecondApproverRequired,
    WrongTerritory,
)

from .conftest import TODAY, fund_acme, new_fund, propose

PROOF = Proof("booth.pdf", "0" * 32 + ".pdf", "application/pdf", 1234)
D = Decimal


def audit_actions(db) -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_only_finance_creates_funds_and_the_fund_holds_its_amount(world, db):
    with pytest.raises(Forbidden):
        funds.create_fund(
            actor=world.emea_manager,
            code="X",
            name="X",
            currency="EUR",
            amount=D("1"),
            starts_on=TODAY,
            ends_on=TODAY,
            claim_deadline=TODAY,
        )
    fund = new_fund(world)
    assert fund.state == "open" and fund.kind == "allocated"
    assert ledger.available(fund.id, ledger.FUND) == D("10000.00")
    assert audit_actions(db)[-1] == "mdf.fund.create"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"code": "bad code"}, "letters, digits"),
        ({"code": "MDF-1"}, "exists already"),
        ({"currency": "XAU"}, "is not a currency"),
        ({"amount": D("10.001")}, "at most 2 decimals"),
        ({"ends_on": TODAY - timedelta(days=1)}, "before it starts"),
        ({"claim_deadline": TODAY}, "claim deadline"),
        ({"claim_days": -1}, "between 0 and"),
        ({"name": " "}, "Give a name"),
    ],
)
def test_fund_settings_are_checked(world, db, changes, message):
    new_fund(world)
    values = {
        "code": "MDF-2",
        "name": "Second",
        "currency": "EUR",
        "amount": D("100"),
        "starts_on": TODAY,
        "ends_on": TODAY + timedelta(days=10),
        "claim_deadline": TODAY + timedelta(days=20),
        "claim_days": 10,
    }
    with pytest.raises(Exception, match=message):
        funds.create_fund(actor=world.finance, **{**values, **changes})
    assert db.session.scalar(select(func.count(MdfFund.id))) == 1


def test_allocations_follow_the_tree_and_the_managers_territories(world, db):
    fund = new_fund(world)
    with pytest.raises(WrongTerritory, match="only finance allocates to it from the fund"):
        funds.allocate(fund, actor=world.emea_manager, amount=D("1"), territory=world.t["EMEA"])
    funds.allocate(fund, actor=world.finance, amount=D("500"), territory=world.t["EMEA"])
    # The DACH manager cannot hand out EMEA's money (DACH's parent), the EMEA manager can.
    with pytest.raises(WrongTerritory, match="comes from EMEA, which you do not manage"):
        funds.allocate(fund, actor=world.dach_manager, amount=D("1"), territory=world.t["DACH"])
    with pytest.raises(WrongTerritory, match="comes from EMEA"):
        funds.allocate(fund, actor=world.amer_manager, amount=D("1"), territory=world.t["FR"])
    funds.allocate(fund, actor=world.emea_manager, amount=D("200"), territory=world.t["DACH"])
    funds.allocate(fund, actor=world.dach_manager, amount=D("150"), partner=world.acme)
    with pytest.raises(Forbidden):
        funds.allocate(fund, actor=world.acme_admin, amount=D("1"), partner=world.acme)
    with pytest.raises(MdfError, match="one territory or to one partner"):
        funds.allocate(fund, actor=world.finance, amount=D("1"))
    assert audit_actions(db).count("mdf.allocate") == 3


def test_a_request_at_the_threshold_is_approved_at_once(world, db):
    fund = new_fund(world, threshold="500.00")
    fund_acme(world, fund)
    request = requests.approve_request(propose(world, fund, "500.00"), actor=world.dach_manager)
    assert request.state == "approved" and request.approved_by_id == world.dach_manager.id
    assert ledger.partner_figures(fund, world.acme).committed == D("500.00")


def test_above_the_threshold_finance_gives_a_second_approval_never_the_same_person(world, db):
    fund = new_fund(world, threshold="500.00")
    fund_acme(world, fund)
    request = propose(world, fund, "500.01")
    first = requests.approve_request(request, actor=world.finance)
    assert first.state == "first_approved"
    assert ledger.partner_figures(fund, world.acme).committed == 0  # not committed yet
    with pytest.raises(SecondApproverRequired, match="someone other than its first approver"):
        requests.approve_request(first, actor=world.finance)
    with pytest.raises(SecondApproverRequired, match="which finance gives"):
        requests.approve_request(first, actor=world.emea_manager)
    with pytest.raises(MdfError, match="The first approval set 500.01 EUR"):
        requests.approve_request(first, actor=world.finance_2, amount=D("400"))
    done = requests.approve_request(first, actor=world.finance_2)
    assert done.state == "approved" and done.approved_by_id == world.finance_2.id
    assert ledger.partner_figures(fund, world.acme).committed == D("500.01")
    assert audit_actions(db)[-2:] == ["mdf.request.first_approve", "mdf.request.second_approve"]


def test_a_manager_may_lower_a_request_below_the_threshold_to_approve_it_alone(world, db):
    fund = new_fund(world, threshold="500.00")
    fund_acme(world, fund)
    request = requests.approve_request(
        propose(world, fund, "900.00"), actor=world.dach_manager, amount=D("450.00")
    )
    assert (request.state, request.approved_amount) == ("approved", D("450.00"))


def test_nobody_decides_their_own_request_and_partners_never_decide(world, db):
    fund = new_fund(world)
    fund_acme(world, fund)
    request = propose(world, fund)
    with pytest.raises(Forbidden):
        requests.approve_request(request, actor=world.acme_admin)
    with pytest.raises(Forbidden):
        requests.approve_request(request, actor=world.amer_manager)  # outside AMER
    # A finance user who somehow made the request (a scripted import) cannot approve it.
    request.requested_by_id = world.finance.id
    with pytest.raises(Forbidden, match="maker_checker"):
        requests.approve_request(request, actor=world.finance)


def test_reject_needs_a_reason_and_decided_requests_stay_decided(world, db):
    fund = new_fund(world)
    fund_acme(world, fund)
    request = propose(world, fund)
    with pytest.raises(MdfError, match="Give a reason"):
        requests.reject_request(request, actor=world.dach_manager, reason="  ")
    rejected = requests.reject_request(request, actor=world.dach_manager, reason="No budget")
    assert (rejected.state, rejected.reason) == ("rejected", "No budget")
    with pytest.raises(AlreadyDecided, match="is rejected, so it cannot be approved"):
        requests.approve_request(rejected, actor=world.dach_manager)
    assert (
        db.session.scalar(select(func.count(MdfEntry.id)).where(MdfEntry.request_id.is_not(None)))
        == 0
    )


def test_return_for_information_and_resubmit(world, db):
    fund = new_fund(world, threshold="100")
    fund_acme(world, fund)
    request = requests.approve_request(propose(world, fund, "300"), actor=world.dach_manager)
    assert request.state == "first_approved"
    returned = requests.return_request(request, actor=world.finance, reason="Which venue?")
    assert (returned.state, returned.first_approver_id, returned.approved_amount) == (
        "returned",
        None,
        None,
    )
    with pytest.raises(Forbidden):
        requests.resubmit_request(returned, actor=world.beta_user)
    again = requests.resubmit_request(
        returned, actor=world.acme_admin, amount=D("90"), description="Messe Berlin, hall 4"
    )
    assert (again.state, again.requested_amount, again.description) == (
        "submitted",
        D("90"),
        "Messe Berlin, hall 4",
    )
    assert requests.approve_request(again, actor=world.dach_manager).state == "approved"
    assert audit_actions(db)[-3:] == [
        "mdf.request.return",
        "mdf.request.resubmit",
        "mdf.request.approve",
    ]


def test_requests_check_their_activity(world, db):
    fund = new_fund(world)
    with pytest.raises(MdfError, match="before it starts"):
        propose(world, fund, start=TODAY, end=TODAY - timedelta(days=1))
    with pytest.raises(MdfError, match="take place between"):
        propose(world, fund, start=fund.starts_on - timedelta(days=1), end=TODAY)
    with pytest.raises(Forbidden):
        propose(world, fund, partner=world.other)  # ACME's user for another partner
    funds.retire_activity_type(world.event, actor=world.finance)
    with pytest.raises(MdfError, match="no longer offered"):
        propose(world, fund)
    assert db.session.scalar(select(func.count(MdfRequest.id))) == 0


def test_claims_one_at_a_time_and_again_after_a_rejection(world, db):
    fund = new_fund(world)
    fund_acme(world, fund)
    request = requests.approve_request(propose(world, fund, "400"), actor=world.dach_manager)
    with pytest.raises(MdfError, match="Attach between 1 and 10 proof files"):
        claims.submit_claim(request, actor=world.acme_user, amount=D("10"), proofs=[])
    first = claims.submit_claim(request, actor=world.acme_user, amount=D("400"), proofs=[PROOF])
    with pytest.raises(MdfError, match="is waiting for a decision"):
        claims.submit_claim(request, actor=world.acme_admin, amount=D("10"), proofs=[PROOF])
    with pytest.raises(Forbidden):
        claims.approve_claim(first, actor=world.acme_admin)
    with pytest.raises(MdfError, match="Give a reason"):
        claims.reject_claim(first, actor=world.dach_manager, reason="")
    claims.reject_claim(first, actor=world.dach_manager, reason="Invoice unreadable")
    assert first.request.state == "approved"
    assert ledger.partner_figures(fund, world.acme).committed == D("400")
    second = claims.submit_claim(request, actor=world.acme_user, amount=D("380"), proofs=[PROOF])
    approved = claims.approve_claim(second, actor=world.emea_manager)
    assert approved.state == "approved" and approved.payout_line_id is not None
    assert approved.request.state == "claimed"
    with pytest.raises(AlreadyDecided, match="Claim .* is approved, so it cannot be approved"):
        claims.approve_claim(approved, actor=world.dach_manager)
    with pytest.raises(MdfError, match="only approved requests are claimed"):
        claims.submit_claim(request, actor=world.acme_user, amount=D("1"), proofs=[PROOF])
    assert audit_actions(db)[-2:] == ["mdf.request.claimed", "mdf.claim.approve"]


def test_a_fund_past_its_deadline_takes_no_more_allocations_or_approvals(world, db):
    fund = new_fund(world, end=TODAY - timedelta(days=10), deadline=TODAY - timedelta(days=1))
    with pytest.raises(PastDeadline, match="closed on its claim deadline"):
        funds.allocate(fund, actor=world.finance, amount=D("1"), territory=world.t["EMEA"])
