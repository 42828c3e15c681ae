"""The request's states and transitions as data, and what each transition does.

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
from workflows.engine import N_

from . import checks, ledger
from .errors import MdfError, OverApproved, OverBudget, PastDeadline, SecondApproverRequired
from .funds import ensure_open, shown
from .transitions import Transition, Workflow, no_effect, table

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
    """The fund row, then the request row, locked and read afresh."""
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


def _second_approve(request: MdfRequest, actor, amount: Decimal | None = None, on=None) -> dict:
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


PARTNER, DECIDER = Perm.REQUEST_MDF, Perm.APPROVE_MDF
OPEN = frozenset({"submitted", "first_approved"})
REQUESTS = Workflow(
    transitions=table(
        Transition(
            "approve",
            sources=frozenset({"submitted"}),
            target="approved",
            perm=DECIDER,
            maker_checker=True,
            effect=_approve,
            action="mdf.request.approve",
            done=N_("approved"),
        ),
        Transition(
            "first_approve",
            sources=frozenset({"submitted"}),
            target="first_approved",
            perm=DECIDER,
            maker_checker=True,
            effect=_first_approve,
            action="mdf.request.first_approve",
            done=N_("approved"),
        ),
        Transition(
            "second_approve",
            sources=frozenset({"first_approved"}),
            target="approved",
            perm=Perm.MANAGE_FUNDS,
            maker_checker=True,
            effect=_second_approve,
            action="mdf.request.second_approve",
            done=N_("approved"),
        ),
        Transition(
            "reject",
            sources=OPEN,
            target="rejected",
            perm=DECIDER,
            maker_checker=True,
            effect=_decide,
            action="mdf.request.reject",
            done=N_("rejected"),
        ),
        Transition(
            "return",
            sources=OPEN,
            target="returned",
            perm=DECIDER,
            maker_checker=True,
            effect=_return,
            action="mdf.request.return",
            done=N_("returned for more information"),
        ),
        Transition(
            "resubmit",
            sources=frozenset({"returned"}),
            target="submitted",
            perm=PARTNER,
            maker_checker=False,
            effect=_resubmit,
            action="mdf.request.resubmit",
            done=N_("resubmitted"),
        ),
        Transition(
            "close_claimed",
            sources=frozenset({"approved"}),
            target="claimed",
            perm=DECIDER,
            maker_checker=False,
            effect=no_effect,
            action="mdf.request.claimed",
            done=N_("claimed"),
        ),
        Transition(
            "lapse",
            sources=frozenset({"approved"}),
            target="lapsed",
            perm=None,
            maker_checker=False,
            effect=_lapse,
            action="mdf.request.lapse",
            done=N_("lapsed"),
        ),
    ),
    lock=lock_request,
    maker=lambda request: request.requested_by_id,
    words=STATE_WORDS,
    wrong_state=N_("Request %(id)s is %(state)s, so it cannot be %(action)s."),
)


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
