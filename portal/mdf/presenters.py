"""What the partner and manager MDF pages show: the funds a partner may draw on, the decisions
a reader may take (asked of the workflows' own state machines, maker–checker included), the
next step of each request, the history and the queue's ageing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask import abort, current_app, flash, redirect
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from workflows.engine.i18n import Refusal
from workflows.mdf import ledger
from workflows.mdf.claims import CLAIMS, refuse_unclaimable
from workflows.mdf.funds import shown
from workflows.mdf.request_states import REQUESTS, refuse_first_approver

from ..changes import refusal_message
from ..extensions import db
from ..labels import label
from ..models import (
    AuditEvent,
    MdfActivityType,
    MdfClaim,
    MdfEntry,
    MdfFund,
    MdfRequest,
    utcnow,
)
from ..security import Forbidden, Perm, can, visible_to
from .forms import ClaimForm

OPEN_REQUESTS = ("submitted", "first_approved", "returned", "approved")


# -- the proposal form ---------------------------------------------------------------------


@dataclass(frozen=True)
class FundChoice:
    fund: MdfFund
    available: Decimal


def open_funds(partner_id: int, today: date) -> list[FundChoice]:
    """Funds taking requests today in which the partner has money available: one GROUP BY."""
    available = func.sum(MdfEntry.amount)
    rows = db.session.execute(
        select(MdfFund, available)
        .join(MdfEntry, MdfEntry.fund_id == MdfFund.id)
        .where(
            MdfFund.state == "open",
            MdfFund.starts_on <= today,
            MdfFund.ends_on >= today,
            MdfEntry.partner_id == partner_id,
            MdfEntry.kind.in_(ledger.MOVING_KINDS),
        )
        .group_by(MdfFund.id)
        .having(available > 0)
        .order_by(MdfFund.ends_on, MdfFund.code)
    ).all()
    return [FundChoice(fund, amount) for fund, amount in rows]


def activity_types(user) -> list[MdfActivityType]:
    """The activity types finance offers now (retired ones are not offered)."""
    stmt = select(MdfActivityType).order_by(MdfActivityType.name)
    return list(db.session.scalars(visible_to(stmt, user, MdfActivityType)))


# -- what a reader may do -------------------------------------------------------------------


def may(machine, obj, event: str, user) -> bool:
    """Whether the machine would let `user` fire `event` on `obj` now: the state, the party's
    permission in scope and maker–checker, asked of the machine itself."""
    rule = machine.rule(obj, event)
    if rule is None:
        return False
    try:
        machine.authorise(rule, obj, user)
        if rule.check is not None:
            rule.check(obj, user)
    except (Forbidden, Refusal):
        return False
    return True


@dataclass(frozen=True)
class RequestActions:
    approve: bool = False  # the (first or only) approval, of the requested amount or less
    second_approve: bool = False  # finance's approval above the fund's threshold
    reject: bool = False
    send_back: bool = False
    resubmit: bool = False
    claim: bool = False
    claim_refusal: str | None = None  # why no claim can be filed now, when one is expected
    decide_claims: frozenset[int] = frozenset()

    @property
    def decides(self) -> bool:
        return self.approve or self.second_approve or self.reject or self.send_back


def request_actions(request: MdfRequest, claims: list[MdfClaim], user, today: date):
    """The forms the detail page offers `user` on `request` and its claims."""
    second = may(REQUESTS, request, "second_approve", user)
    if second:
        try:
            refuse_first_approver(request, user)
        except Refusal:
            second = False
    claim, claim_refusal = False, None
    if request.state == "approved" and can(user, Perm.REQUEST_MDF):
        try:
            refuse_unclaimable(request, today)
            claim = True
        except Refusal as refused:
            claim_refusal = refusal_message(refused)
    return RequestActions(
        approve=may(REQUESTS, request, "approve", user),
        second_approve=second,
        reject=may(REQUESTS, request, "reject", user),
        send_back=may(REQUESTS, request, "return", user),
        resubmit=may(REQUESTS, request, "resubmit", user),
        claim=claim,
        claim_refusal=claim_refusal,
        decide_claims=frozenset(c.id for c in claims if may(CLAIMS, c, "approve", user)),
    )


def needs_second_approval(request: MdfRequest, amount: Decimal | None = None) -> bool:
    threshold = request.fund.second_approval_above
    decided = request.requested_amount if amount is None else amount
    return threshold is not None and decided > threshold


# -- the list -------------------------------------------------------------------------------

NEXT_STEPS = {
    "claim": _l("File claim"),
    "resubmit": _l("Resubmit"),
    "decide": _l("Decide"),
    "second_approve": _l("Give second approval"),
}


def requests_query(user, *, state: str | None, fund_id: int | None):
    stmt = (
        select(MdfRequest)
        .options(
            selectinload(MdfRequest.fund),
            selectinload(MdfRequest.partner),
            selectinload(MdfRequest.activity_type),
        )
        .order_by(MdfRequest.id.desc())
    )
    if state is not None:
        stmt = stmt.where(MdfRequest.state == state)
    if fund_id is not None:
        stmt = stmt.where(MdfRequest.fund_id == fund_id)
    return visible_to(stmt, user, MdfRequest)


def visible_funds(user) -> list[MdfFund]:
    return list(db.session.scalars(visible_to(select(MdfFund).order_by(MdfFund.code), user)))


def waiting_claims(request_ids: list[int]) -> set[int]:
    """Which of these requests have a claim waiting for a decision (one query)."""
    if not request_ids:
        return set()
    return set(
        db.session.scalars(
            select(MdfClaim.request_id).where(
                MdfClaim.request_id.in_(request_ids), MdfClaim.state == "submitted"
            )
        )
    )


def next_steps(requests: list[MdfRequest], user, today: date) -> dict[int, str]:
    """Per request, the step the reader takes next, if any: the partner files the claim of an
    approved activity that has ended or resubmits a returned one; a decider decides."""
    waiting = waiting_claims([r.id for r in requests])
    partner = can(user, Perm.REQUEST_MDF)
    decider, finance = can(user, Perm.APPROVE_MDF), can(user, Perm.MANAGE_FUNDS)
    steps = {}
    for r in requests:
        if partner and r.state == "approved" and r.id not in waiting and r.ends_on <= today:
            steps[r.id] = "claim"
        elif partner and r.state == "returned":
            steps[r.id] = "resubmit"
        elif decider and (r.state == "submitted" or r.id in waiting):
            steps[r.id] = "decide"
        elif finance and r.state == "first_approved" and r.first_approver_id != user.id:
            steps[r.id] = "second_approve"
    return steps


def days_left(due: date, today: date) -> int:
    return (due - today).days


# -- the detail page ------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryEntry:
    action: str
    occurred_at: datetime
    actor_email: str | None
    amount: Decimal | None
    reason: str | None


def history(request: MdfRequest, claims: list[MdfClaim]) -> list[HistoryEntry]:
    """The request's audit events and those of its claims, in the order they happened, with
    the amount each decided (as the audit trail recorded it) and the reason given."""
    claim_ids = [str(c.id) for c in claims]
    events = db.session.scalars(
        select(AuditEvent)
        .where(
            or_(
                and_(
                    AuditEvent.object_type == MdfRequest.__tablename__,
                    AuditEvent.object_id == str(request.id),
                ),
                and_(
                    AuditEvent.object_type == MdfClaim.__tablename__,
                    AuditEvent.object_id.in_(claim_ids),
                ),
            )
        )
        .order_by(AuditEvent.id)
    )
    entries = []
    for event in events:
        after = event.after if isinstance(event.after, dict) else {}
        amount = after.get("amount")
        entries.append(
            HistoryEntry(
                event.action,
                event.occurred_at,
                event.actor_email,
                Decimal(amount) if isinstance(amount, str) else None,
                after.get("reason"),
            )
        )
    return entries


def claims_of(request: MdfRequest, user) -> list[MdfClaim]:
    stmt = (
        select(MdfClaim)
        .options(selectinload(MdfClaim.proofs))
        .where(MdfClaim.request_id == request.id)
        .order_by(MdfClaim.id)
    )
    return list(db.session.scalars(visible_to(stmt, user, MdfClaim)))


def partner_figures(request: MdfRequest) -> ledger.Figures:
    """The partner's money in the request's fund (whoever sees the request sees its partner)."""
    return ledger.partner_figures(request.fund, request.partner)


def claim_form(request: MdfRequest) -> ClaimForm:
    """The claim form, offering the approved amount."""
    form = ClaimForm(prefix="claim")
    if not form.is_submitted() and request.approved_amount is not None:
        form.amount.data = shown(request.approved_amount, request.fund.currency)
    return form


def uploads(files) -> list:
    """The files actually chosen in a multiple file field (browsers send one empty part)."""
    return [f for f in files or () if getattr(f, "filename", "")]


def confirmed_or_flash(form, back: str):
    """A valid submitted decision form, or back to the page with what is wrong flashed."""
    if form.validate_on_submit():
        return form
    for field in form:
        for error in field.errors:
            flash(_("%(field)s: %(error)s", field=field.label.text, error=error), "danger")
    abort(redirect(back))


def decided_message(request: MdfRequest) -> str:
    return _(
        "Request %(id)s: %(state)s.",
        id=request.id,
        state=label(request.state, "mdf_request_state"),
    )


# -- the queue ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ageing:
    hours: int
    state: str  # overdue, due_soon or on_track (labels and colours: portal.labels "review_age")


def ageing(since: datetime, now: datetime | None = None) -> Ageing:
    """Age against the review target (REVIEW_TARGET_HOURS): green in the first half, amber,
    then red."""
    target = timedelta(hours=current_app.config["REVIEW_TARGET_HOURS"])
    waited = (now or utcnow()) - since
    hours = int(waited.total_seconds() // 3600)
    if waited >= target:
        return Ageing(hours, "overdue")
    return Ageing(hours, "due_soon" if waited >= target / 2 else "on_track")


def request_queue(user):
    """Requests waiting for this reader's decision, oldest first: submitted ones for deciders,
    first-approved ones for finance (never the first approver: the second approval's rule)."""
    waiting = []
    if can(user, Perm.APPROVE_MDF):
        waiting.append(MdfRequest.state == "submitted")
    if can(user, Perm.MANAGE_FUNDS):
        waiting.append(
            and_(MdfRequest.state == "first_approved", MdfRequest.first_approver_id != user.id)
        )
    since = func.coalesce(MdfRequest.first_approved_at, MdfRequest.updated_at)
    stmt = (
        select(MdfRequest)
        .options(selectinload(MdfRequest.fund), selectinload(MdfRequest.partner))
        .options(selectinload(MdfRequest.activity_type))
        .where(or_(*waiting) if waiting else db.false())
        .order_by(since, MdfRequest.id)
    )
    return visible_to(stmt, user, MdfRequest)


def claim_queue(user) -> list[MdfClaim]:
    """Claims waiting for a decision in the reader's scope, oldest first."""
    if not can(user, Perm.APPROVE_MDF):
        return []
    stmt = (
        select(MdfClaim)
        .options(selectinload(MdfClaim.request).selectinload(MdfRequest.activity_type))
        .options(selectinload(MdfClaim.fund), selectinload(MdfClaim.partner))
        .options(selectinload(MdfClaim.proofs))
        .where(MdfClaim.state == "submitted")
        .order_by(MdfClaim.created_at, MdfClaim.id)
    )
    return list(db.session.scalars(visible_to(stmt, user, MdfClaim)))


def waiting_since(request: MdfRequest) -> datetime:
    return request.first_approved_at if request.state == "first_approved" else request.updated_at
