"""The request's states and transitions as data (a `workflows.states.Machine`), and what each
transition does.

    submitted ──approve──▶ approved ──(claim approved)──▶ claimed
      │  ▲  └──first_approve──▶ first_approved ──second_approve (finance)──▶ approved
      │  └──resubmit── returned ◀──return── submitted / first_approved
      └──reject──▶ rejected ◀──reject── first_approved
    approved ──lapse (system: no claim by its due date)──▶ lapsed

Approving writes the commitment, taking money from the partner's allocation, never more than it
has available. Above the fund's second-approval amount the first approval only sets the amount,
and finance — never the first approver — gives the second one that commits it.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from portal.extensions import db
from portal.models import MdfActivityType, MdfFund, MdfRequest, utcnow
from portal.security import Perm
from workflows.engine import N_, Term
from workflows.states import Machine, Transition

from . import checks, ledger
from .errors import (
    AlreadyDecided,
    MdfError,
    OverApproved,
    OverBudget,
    PastDeadline,
    SecondApproverRequired,
)
from .funds import ensure_open, shown

STATE_WORDS = {
    "submitted": N_("submitted"),
    "first_approved": N_("awaiting second approval"),
    "returned": N_("returned for more information"),
    "approved": N_("approved"),
    "rejected": N_("rejected"),
    "claimed": N_("claimed"),
    "lapsed": N_("lapsed"),
}
MAX_LEADS = 10**9


def _today() -> date:
    return utcnow().date()


def lock_request(request: MdfRequest) -> MdfRequest:
    """The fund row, then the request row, locked and read afresh (the machine's lock: every
    event holds the fund before it looks at what is available)."""
    ledger.lock_fund(request.fund_id)
    return db.session.scalars(
        select(MdfRequest)
        .where(MdfRequest.id == request.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def claim_due_on(fund: MdfFund, ends_on: date) -> date:
    """Claims are due the fund's number of days after the activity ends, and never after the
    fund's claim deadline."""
    return min(ends_on + timedelta(days=fund.claim_days), fund.claim_deadline)


def _decided_amount(request: MdfRequest, amount: Decimal | None) -> Decimal:
    if amount is None:
        return request.requested_amount
    amount = checks.amount(amount, request.fund.currency)
    if amount > request.requested_amount:
        raise OverApproved(
            N_("Request %(id)s asked for %(requested)s %(currency)s; approve that or less."),
            id=request.id,
            requested=shown(request.requested_amount, request.fund.currency),
            currency=request.fund.currency,
            field="amount",
        )
    return amount


def _refuse_over_budget(request: MdfRequest, amount: Decimal) -> None:
    fund = request.fund
    available = ledger.available(fund.id, ledger.partner_holder(request.partner_id))
    if amount > available:
        raise OverBudget(
            N_(
                "%(partner)s has %(available)s %(currency)s available in %(fund)s; "
                "approving %(amount)s %(currency)s would overspend it."
            ),
            partner=request.partner.code,
            available=shown(available, fund.currency),
            amount=shown(amount, fund.currency),
            currency=fund.currency,
            fund=fund.code,
        )


def _commit(request: MdfRequest, actor, amount: Decimal, on: date | None) -> dict:
    ensure_open(request.fund, on or _today())
    _refuse_over_budget(request, amount)
    ledger.post(
        request.fund,
        ledger.partner_holder(request.partner_id),
        "commitment",
        -amount,
        actor=actor,
        request=request,
    )
    request.approved_amount = amount
    request.approved_by_id, request.approved_at = actor.id, utcnow()
    return {"amount": format(amount, "f")}


def _approve(request: MdfRequest, actor, amount: Decimal | None = None, on=None) -> dict:
    return _commit(request, actor, _decided_amount(request, amount), on)


def _first_approve(request: MdfRequest, actor, amount: Decimal | None = None, on=None) -> dict:
    amount = _decided_amount(request, amount)
    ensure_open(request.fund, on or _today())
    _refuse_over_budget(request, amount)  # no commitment yet, but no point passing it on
    request.approved_amount = amount
    request.first_approver_id, request.first_approved_at = actor.id, utcnow()
    return {"amount": format(amount, "f"), "second_approval": "finance"}


def refuse_first_approver(request: MdfRequest, actor) -> None:
    """Maker–checker for the second approval: never the person who gave the first."""
    fund = request.fund
    if actor.id == request.first_approver_id:
        raise SecondApproverRequired(
            N_(
                "Request %(id)s is above %(threshold)s %(currency)s: someone other than its "
                "first approver gives the second approval."
            ),
            id=request.id,
            threshold=shown(fund.second_approval_above, fund.currency),
            currency=fund.currency,
        )


def _second_approve(request: MdfRequest, actor, amount: Decimal | None = None, on=None) -> dict:
    fund = request.fund
    refuse_first_approver(request, actor)
    if amount is not None and amount != request.approved_amount:
        raise MdfError(
            N_(
                "The first approval set %(amount)s %(currency)s; return the request if that "
                "should change."
            ),
            amount=shown(request.approved_amount, fund.currency),
            currency=fund.currency,
            field="amount",
        )
    return _commit(request, actor, request.approved_amount, on)


def _decide(request: MdfRequest, actor, reason: str) -> dict:
    request.reason = checks.reason(reason)
    request.decided_by_id, request.decided_at = actor.id, utcnow()
    return {"reason": request.reason}


def _return(request: MdfRequest, actor, reason: str) -> dict:
    details = _decide(request, actor, reason)
    request.approved_amount, request.first_approver_id, request.first_approved_at = None, None, None
    return details


def _resubmit(request: MdfRequest, actor, **changes) -> dict:
    refuse_closed_for_requests(request.fund, _today())
    check_and_set(request, request.fund, request.activity_type, **changes)
    request.updated_at = utcnow()
    return {"amount": format(request.requested_amount, "f")}


def _lapse(request: MdfRequest, actor) -> dict:
    """The claim was not made in time: the whole commitment comes back."""
    ledger.post(
        request.fund,
        ledger.partner_holder(request.partner_id),
        "release",
        request.approved_amount,
        actor=None,
        request=request,
    )
    request.decided_at = utcnow()
    return {"released": format(request.approved_amount, "f")}


def named(record, actor) -> None:
    """A decision is made by a named user (maker–checker has someone to compare)."""
    if actor.id is None:
        raise MdfError(N_("A decision must be made by a named user."))


def _lock(request: MdfRequest) -> None:
    lock_request(request)


PARTNER, DECIDER, FINANCE, SYSTEM = "partner", "decider", "finance", "system"
OPEN = ("submitted", "first_approved")
REQUESTER = ("requested_by_id",)
REQUESTS = Machine(
    "mdf.request",
    (
        Transition("approve", ("submitted",), "approved", DECIDER, Term(N_("approved")),
                   makers=REQUESTER, check=named, effect=_approve),
        Transition("first_approve", ("submitted",), "first_approved", DECIDER,
                   Term(N_("approved")), makers=REQUESTER, check=named, effect=_first_approve),
        Transition("second_approve", ("first_approved",), "approved", FINANCE,
                   Term(N_("approved")), makers=REQUESTER, check=named, effect=_second_approve),
        Transition("reject", OPEN, "rejected", DECIDER, Term(N_("rejected")),
                   makers=REQUESTER, check=named, effect=_decide),
        Transition("return", OPEN, "returned", DECIDER, Term(N_("returned for more information")),
                   makers=REQUESTER, check=named, effect=_return),
        Transition("resubmit", ("returned",), "submitted", PARTNER, Term(N_("resubmitted")),
                   effect=_resubmit),
        # Its ledger rows are the claim's: the request only changes state.
        Transition("close_claimed", ("approved",), "claimed", DECIDER, Term(N_("claimed")),
                   audit="mdf.request.claimed"),
        Transition("lapse", ("approved",), "lapsed", SYSTEM, Term(N_("lapsed")), effect=_lapse),
    ),
    parties={
        PARTNER: Perm.REQUEST_MDF,
        DECIDER: Perm.APPROVE_MDF,
        FINANCE: Perm.MANAGE_FUNDS,
        SYSTEM: None,
    },
    refused=N_("Request %(id)s is %(state)s, so it cannot be %(action)s."),
    illegal=AlreadyDecided,
    state_label=lambda request: Term(STATE_WORDS[request.state]),
    lock=_lock,
)  # fmt: skip


def check_and_set(
    request: MdfRequest,
    fund: MdfFund,
    activity_type: MdfActivityType,
    *,
    starts_on: date,
    ends_on: date,
    amount: Decimal,
    description: str,
    expected_leads: int | None = None,
    expected_pipeline: Decimal | None = None,
) -> None:
    """Check a proposal's values against the fund and write them on the request."""
    if not activity_type.active:
        raise MdfError(
            N_("The activity type %(code)s is no longer offered."),
            code=activity_type.code,
            field="activity_type",
        )
    if ends_on < starts_on:
        raise MdfError(
            N_("The activity ends on %(end)s, before it starts on %(start)s."),
            start=starts_on,
            end=ends_on,
            field="ends_on",
        )
    if starts_on < fund.starts_on or ends_on > fund.ends_on:
        raise MdfError(
            N_("Activities of %(fund)s take place between %(start)s and %(end)s."),
            fund=fund.code,
            start=fund.starts_on,
            end=fund.ends_on,
            field="starts_on",
        )
    if expected_leads is not None and not 0 <= expected_leads <= MAX_LEADS:
        raise MdfError(
            N_("Expect between 0 and %(count)s leads."), count=MAX_LEADS, field="expected_leads"
        )
    if expected_pipeline is not None:
        expected_pipeline = checks.amount(
            expected_pipeline, fund.currency, field="expected_pipeline", zero=True
        )
    request.activity_type_id = activity_type.id
    request.starts_on, request.ends_on = starts_on, ends_on
    request.requested_amount = checks.amount(amount, fund.currency)
    request.description = checks.text(
        description,
        field="description",
        limit=checks.DESCRIPTION_LENGTH,
        missing=N_("Describe the activity."),
    )
    request.expected_leads, request.expected_pipeline = expected_leads, expected_pipeline
    request.claim_due_on = claim_due_on(fund, ends_on)


def refuse_closed_for_requests(fund: MdfFund, day: date) -> None:
    ensure_open(fund, day)
    if day > fund.ends_on:
        raise PastDeadline(
            N_("%(fund)s took requests until %(date)s."), fund=fund.code, date=fund.ends_on
        )
