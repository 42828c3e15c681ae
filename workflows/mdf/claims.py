"""Claims on approved activity requests: proof files, at most the approved amount, in time.

    submitted ──approve──▶ approved      (claim row, release of what the claim did not use,
        └─────reject──▶ rejected          a payable line; the request becomes claimed)

A claim is accepted from the activity's last day until the request's claim due date, one at a
time; after a rejection the partner may claim again while the due date allows. An approved
claim becomes a payable line (kind `mdf`) that payout batches pay like any other; exporting the
batch writes the payment row (workflows/mdf/payments.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask import current_app
from sqlalchemy import select

from portal.extensions import db
from portal.foundation.audit import record_event
from portal.models import MdfClaim, MdfClaimProof, MdfRequest, PayoutLine, utcnow
from portal.security import Perm, ensure, visible_to
from workflows.engine import N_, Period, Term
from workflows.states import Machine, Transition

from . import checks, ledger
from .errors import AlreadyDecided, MdfError, OverApproved, PastDeadline
from .funds import shown
from .request_states import MAX_LEADS, REQUESTS, STATE_WORDS, lock_request, named

CLAIM_WORDS = {
    "submitted": N_("submitted"),
    "approved": N_("approved"),
    "rejected": N_("rejected"),
}


@dataclass(frozen=True)
class Proof:
    """A checked upload already stored under UPLOAD_DIR (never under static/)."""

    name: str
    storage: str
    content_type: str
    size: int


def _today() -> date:
    return utcnow().date()


def _lock(claim: MdfClaim) -> None:
    """The machine's lock: the fund row, then the claim row, locked and read afresh."""
    ledger.lock_fund(claim.fund_id)
    db.session.scalars(
        select(MdfClaim)
        .where(MdfClaim.id == claim.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def _approve(claim: MdfClaim, actor) -> dict:
    """The claimed amount is recorded, the rest of the commitment comes back, and the partner
    is owed the claim on a payable line."""
    request = lock_request(claim.request)
    fund = request.fund
    holder = ledger.partner_holder(claim.partner_id)
    ledger.post(fund, holder, "claim", claim.amount, actor=actor, request=request, claim=claim)
    unclaimed = request.approved_amount - claim.amount
    if unclaimed > 0:
        ledger.post(fund, holder, "release", unclaimed, actor=actor, request=request, claim=claim)
    activity = Period(request.starts_on, request.ends_on)
    line = PayoutLine(
        program_id=None,
        fund_id=fund.id,
        period_start=activity.start,
        period_end=activity.end,
        period_label=activity.label,
        payee_id=claim.partner_id,
        currency=fund.currency,
        amount=claim.amount,
        kind="mdf",
        created_by_id=actor.id,
    )
    db.session.add(line)
    db.session.flush()
    claim.payout_line_id = line.id
    claim.decided_by_id, claim.decided_at = actor.id, utcnow()
    REQUESTS.fire(request, "close_claimed", actor)
    return {
        "amount": format(claim.amount, "f"),
        "released": format(unclaimed, "f"),
        "payout_line": line.id,
    }


def _reject(claim: MdfClaim, actor, reason: str) -> dict:
    claim.reason = checks.reason(reason)
    claim.decided_by_id, claim.decided_at = actor.id, utcnow()
    return {"reason": claim.reason}


DECIDER, SUBMITTER = "decider", ("submitted_by_id",)
CLAIMS = Machine(
    "mdf.claim",
    (
        Transition("approve", ("submitted",), "approved", DECIDER, Term(N_("approved")),
                   makers=SUBMITTER, check=named, effect=_approve),
        Transition("reject", ("submitted",), "rejected", DECIDER, Term(N_("rejected")),
                   makers=SUBMITTER, check=named, effect=_reject),
    ),
    parties={DECIDER: Perm.APPROVE_MDF},
    refused=N_("Claim %(id)s is %(state)s, so it cannot be %(action)s."),
    illegal=AlreadyDecided,
    state_label=lambda claim: Term(CLAIM_WORDS[claim.state]),
    lock=_lock,
)  # fmt: skip


def refuse_unclaimable(request: MdfRequest, day: date) -> None:
    """A claim is taken on an approved request with none waiting, from the activity's last day
    until its due date."""
    if request.state != "approved":
        raise MdfError(
            N_("Request %(id)s is %(state)s; only approved requests are claimed."),
            id=request.id,
            state=Term(STATE_WORDS[request.state]),
        )
    waiting = db.session.scalar(
        select(MdfClaim.id).where(MdfClaim.request_id == request.id, MdfClaim.state == "submitted")
    )
    if waiting is not None:
        raise MdfError(
            N_("Claim %(claim)s for request %(id)s is waiting for a decision."),
            claim=waiting,
            id=request.id,
        )
    if day < request.ends_on:
        raise MdfError(
            N_("Request %(id)s can be claimed once the activity has ended, from %(date)s."),
            id=request.id,
            date=request.ends_on,
        )
    if day > request.claim_due_on:
        raise PastDeadline(
            N_("The claim for request %(id)s was due by %(date)s."),
            id=request.id,
            date=request.claim_due_on,
        )


def submit_claim(
    request: MdfRequest,
    *,
    actor,
    amount: Decimal,
    proofs: Sequence[Proof],
    actual_leads: int | None = None,
    actual_pipeline: Decimal | None = None,
    on: date | None = None,
) -> MdfClaim:
    """Claim up to the approved amount of the partner's own approved request, with proof and,
    optionally, the leads and pipeline the activity brought."""
    ensure(actor, Perm.REQUEST_MDF, request)
    request = lock_request(request)
    fund = request.fund
    refuse_unclaimable(request, on or _today())
    amount = checks.amount(amount, fund.currency)
    if amount > request.approved_amount:
        raise OverApproved(
            N_("Request %(id)s was approved for %(approved)s %(currency)s; claim that or less."),
            id=request.id,
            approved=shown(request.approved_amount, fund.currency),
            currency=fund.currency,
            field="amount",
        )
    if actual_leads is not None and not 0 <= actual_leads <= MAX_LEADS:
        raise MdfError(
            N_("Report between 0 and %(count)s leads."), count=MAX_LEADS, field="actual_leads"
        )
    if actual_pipeline is not None:
        actual_pipeline = checks.amount(
            actual_pipeline, fund.currency, field="actual_pipeline", zero=True
        )
    most = current_app.config["MDF_MAX_PROOFS"]
    if not 1 <= len(proofs) <= most:
        raise MdfError(N_("Attach between 1 and %(count)s proof files."), count=most, field="proof")
    claim = MdfClaim(
        request_id=request.id,
        fund_id=fund.id,
        partner_id=request.partner_id,
        amount=amount,
        actual_leads=actual_leads,
        actual_pipeline=actual_pipeline,
        state="submitted",
        submitted_by_id=actor.id,
    )
    db.session.add(claim)
    db.session.flush()
    db.session.add_all(
        MdfClaimProof(
            claim_id=claim.id,
            name=proof.name,
            storage=proof.storage,
            content_type=proof.content_type,
            size=proof.size,
        )
        for proof in proofs
    )
    db.session.flush()
    record_event(
        actor,
        "mdf.claim.submit",
        claim,
        after={
            "request": request.id,
            "amount": format(amount, "f"),
            "actual_leads": actual_leads,
            "actual_pipeline": None if actual_pipeline is None else format(actual_pipeline, "f"),
            "proofs": [proof.name for proof in proofs],
        },
    )
    return claim


def approve_claim(claim: MdfClaim, *, actor) -> MdfClaim:
    return CLAIMS.fire(claim, "approve", actor)


def reject_claim(claim: MdfClaim, *, actor, reason: str) -> MdfClaim:
    """The request stays approved: the partner may claim again until its due date."""
    return CLAIMS.fire(claim, "reject", actor, reason=reason)


def visible_claims(actor, *, request: MdfRequest | None = None):
    ensure(actor, Perm.VIEW_MDF)
    stmt = select(MdfClaim).order_by(MdfClaim.id.desc())
    if request is not None:
        stmt = stmt.where(MdfClaim.request_id == request.id)
    return db.session.scalars(visible_to(stmt, actor, MdfClaim)).all()
