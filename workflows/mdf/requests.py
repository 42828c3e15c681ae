"""Activity requests: a partner proposes, managers of its territory decide (the states and
transitions are in request_states.py).

A manager approves the requested amount or less, rejects with a reason, or returns the request
for more information; above the fund's second-approval amount finance approves a second time.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from portal.extensions import db
from portal.foundation.audit import record_event
from portal.models import MdfActivityType, MdfFund, MdfRequest, Partner, utcnow
from portal.security import Perm, can, ensure, visible_to
from workflows.engine import N_

from . import checks
from .errors import SecondApproverRequired
from .request_states import REQUESTS, check_and_set, lock_request, refuse_closed_for_requests


def _today() -> date:
    return utcnow().date()


def propose_request(
    partner: Partner,
    fund: MdfFund,
    activity_type: MdfActivityType,
    *,
    actor,
    starts_on: date,
    ends_on: date,
    amount: Decimal,
    description: str,
    expected_leads: int | None = None,
    expected_pipeline: Decimal | None = None,
    on: date | None = None,
) -> MdfRequest:
    """A partner user's proposal for its own organisation, while the fund takes requests."""
    ensure(actor, Perm.REQUEST_MDF, partner)
    refuse_closed_for_requests(fund, on or _today())
    request = MdfRequest(
        fund_id=fund.id, partner_id=partner.id, state="submitted", requested_by_id=actor.id
    )
    check_and_set(
        request,
        fund,
        activity_type,
        starts_on=starts_on,
        ends_on=ends_on,
        amount=amount,
        description=description,
        expected_leads=expected_leads,
        expected_pipeline=expected_pipeline,
    )
    db.session.add(request)
    db.session.flush()
    record_event(
        actor,
        "mdf.request.submit",
        request,
        after={
            "fund": fund.code,
            "partner": partner.code,
            "activity_type": activity_type.code,
            "amount": format(request.requested_amount, "f"),
            "starts_on": starts_on.isoformat(),
            "ends_on": ends_on.isoformat(),
        },
    )
    return request


def approve_request(
    request: MdfRequest, *, actor, amount: Decimal | None = None, on: date | None = None
) -> MdfRequest:
    """Approve the requested amount or less: at once up to the fund's second-approval amount,
    above it first by a manager (or finance) and then by finance, two different people."""
    ensure(actor, Perm.APPROVE_MDF, request)
    request = lock_request(request)
    fund = request.fund
    if request.state == "first_approved":
        if not can(actor, Perm.MANAGE_FUNDS):
            raise SecondApproverRequired(
                N_("Request %(id)s waits for its second approval, which finance gives."),
                id=request.id,
            )
        return REQUESTS.fire(request, "second_approve", actor, amount=amount, on=on)
    if amount is not None:
        amount = checks.amount(amount, fund.currency)
    decided = request.requested_amount if amount is None else amount
    threshold = fund.second_approval_above
    event = "first_approve" if threshold is not None and decided > threshold else "approve"
    return REQUESTS.fire(request, event, actor, amount=amount, on=on)


def reject_request(request: MdfRequest, *, actor, reason: str) -> MdfRequest:
    return REQUESTS.fire(request, "reject", actor, reason=reason)


def return_request(request: MdfRequest, *, actor, reason: str) -> MdfRequest:
    """Back to the partner for more information (a first approval is undone)."""
    return REQUESTS.fire(request, "return", actor, reason=reason)


def resubmit_request(
    request: MdfRequest,
    *,
    actor,
    amount: Decimal | None = None,
    description: str | None = None,
    starts_on: date | None = None,
    ends_on: date | None = None,
) -> MdfRequest:
    """The partner answers a return, changing what needs changing."""
    return REQUESTS.fire(
        request,
        "resubmit",
        actor,
        starts_on=request.starts_on if starts_on is None else starts_on,
        ends_on=request.ends_on if ends_on is None else ends_on,
        amount=request.requested_amount if amount is None else amount,
        description=request.description if description is None else description,
        expected_leads=request.expected_leads,
        expected_pipeline=request.expected_pipeline,
    )


def visible_requests(actor, *, fund: MdfFund | None = None, state: str | None = None):
    """The requests the actor may see (a partner its own, a manager its territories'), newest
    first."""
    ensure(actor, Perm.VIEW_MDF)
    stmt = select(MdfRequest).order_by(MdfRequest.id.desc())
    if fund is not None:
        stmt = stmt.where(MdfRequest.fund_id == fund.id)
    if state is not None:
        stmt = stmt.where(MdfRequest.state == state)
    return db.session.scalars(visible_to(stmt, actor, MdfRequest)).all()
