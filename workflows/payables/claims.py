"""SPIF claims: partner users submit with an invoice; managers of the partner's territory decide.

Above the program's claim_approval_threshold two different approvers are needed; nobody approves
their own claim; an approved claim becomes a payable line (kind `claim`) of its period, unless
the period is closed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.foundation.audit import record_event
from portal.models import Claim, Partner, PayoutLine, Program, utcnow
from portal.security import Perm, ensure
from workflows import validators
from workflows.calc.runs import refuse_if_closed, version_of
from workflows.engine import N_, Period, minor_unit, parse_period, spec_from_dict
from workflows.states import Machine, Transition
from workflows.validators import claimed_sale_window

from .errors import ClaimAlreadyDecided, PayablesError, SecondApproverRequired

MAX_CLAIM = Decimal("999999999")


@dataclass(frozen=True)
class Invoice:
    """A checked upload already stored under UPLOAD_DIR/claims (never under static/)."""

    name: str
    storage: str
    content_type: str
    size: int


def _quarter(day: date) -> Period:
    return parse_period(f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}")


def claim_period(spec, sold_on: date) -> Period:
    """The program's fixed period (the sale must fall in it), or the sale's calendar quarter."""
    if spec.period is None:
        return _quarter(sold_on)
    if not spec.period.contains(sold_on):
        raise PayablesError(
            N_("The sale date %(date)s is outside the program's period %(period)s."),
            date=sold_on,
            period=spec.period.label,
        )
    return spec.period


def claimable_programs():
    """SPIF programs whose current version requires a claim."""
    programs = db.session.scalars(
        select(Program).where(Program.kind == "spif").order_by(Program.code)
    ).all()
    return [p for p in programs if spec_from_dict(version_of(p).spec).claim_required]


def _refuse_duplicate(program: Program, partner: Partner, reference: str) -> None:
    duplicate = db.session.scalar(
        select(Claim.id).where(
            Claim.program_id == program.id,
            Claim.partner_id == partner.id,
            Claim.sale_reference == reference,
        )
    )
    if duplicate is not None:
        raise PayablesError(
            N_("Sale %(reference)s was already claimed (claim %(id)s)."),
            reference=reference,
            id=duplicate,
        )


def submit_claim(
    partner: Partner,
    program: Program,
    *,
    actor,
    sale_reference: str,
    sold_on: date,
    amount: Decimal,
    invoice: Invoice,
) -> Claim:
    """Record a claim with its checked, stored invoice."""
    ensure(actor, Perm.SUBMIT_CLAIMS, partner)
    spec = spec_from_dict(version_of(program).spec)
    if program.kind != "spif" or not spec.claim_required:
        raise PayablesError(N_("%(program)s does not take claims."), program=program.code)
    places = minor_unit(spec.currency)
    if (
        not amount.is_finite()
        or amount <= 0
        or amount > MAX_CLAIM
        or amount.as_tuple().exponent < -places
    ):
        raise PayablesError(
            N_("The amount must be positive with at most %(places)s decimals."), places=places
        )
    try:
        reference = validators.name(sale_reference or "")
        claimed_sale_window(current_app.config, utcnow().date()).check(sold_on)
    except validators.InvalidValue as exc:
        raise PayablesError(exc.template, **exc.params) from None
    if not reference:
        raise PayablesError(N_("Give the sale reference."))
    period = claim_period(spec, sold_on)
    refuse_if_closed(program, period)
    _refuse_duplicate(program, partner, reference)
    claim = Claim(
        partner_id=partner.id,
        program_id=program.id,
        period_start=period.start,
        period_end=period.end,
        period_label=period.label,
        sale_reference=reference,
        sold_on=sold_on,
        amount=amount,
        currency=spec.currency,
        invoice_name=invoice.name,
        invoice_storage=invoice.storage,
        invoice_type=invoice.content_type,
        invoice_size=invoice.size,
        submitted_by_id=actor.id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(claim)
    except IntegrityError:
        # The same sale was claimed a moment ago by a request that committed after the check
        # above: its unique (program, partner, reference) refused this one.
        _refuse_duplicate(program, partner, reference)
        raise
    record_event(
        actor,
        "claims.submit",
        claim,
        after={"program": program.code, "amount": format(amount, "f"), "reference": reference},
    )
    return claim


def _threshold(claim: Claim) -> Decimal | None:
    return spec_from_dict(version_of(claim.program).spec).claim_approval_threshold


def _above_threshold(claim: Claim) -> bool:
    threshold = _threshold(claim)
    return threshold is not None and claim.amount > threshold


def _approvable(claim: Claim, actor) -> None:
    if actor.id is None:
        raise PayablesError(N_("An approval must be made by a named user."))
    refuse_if_closed(claim.program, Period(claim.period_start, claim.period_end))


def _first_approval(claim: Claim, actor) -> None:
    claim.first_approver_id, claim.first_approved_at = actor.id, utcnow()


def _final_approval(claim: Claim, actor) -> None:
    """The claim becomes a payable line; after a first approval, only by someone else."""
    if claim.status == "first_approved" and actor.id == claim.first_approver_id:
        raise SecondApproverRequired(
            N_("Claims above %(threshold)s %(currency)s need a second, different approver."),
            threshold=format(_threshold(claim), "f"),
            currency=claim.currency,
        )
    line = PayoutLine(
        program_id=claim.program_id,
        period_start=claim.period_start,
        period_end=claim.period_end,
        period_label=claim.period_label,
        payee_id=claim.partner_id,
        currency=claim.currency,
        amount=claim.amount,
        kind="claim",
        run_id=None,
        created_by_id=actor.id,
    )
    db.session.add(line)
    db.session.flush()
    claim.approved_by_id, claim.approved_at = actor.id, utcnow()
    claim.payout_line_id = line.id


def _reject(claim: Claim, actor, reason: str) -> dict:
    claim.rejected_by_id, claim.reason = actor.id, reason.strip()
    return {"reason": claim.reason}


APPROVER, SUBMITTER = "approver", ("submitted_by_id",)
DECIDABLE = ("submitted", "first_approved")
CLAIMS = Machine(
    "claims",
    (
        # Above the program's threshold, a first approval takes the claim only half-way.
        Transition("approve", ("submitted",), "first_approved", APPROVER, makers=SUBMITTER,
                   guard=_above_threshold, check=_approvable, effect=_first_approval),
        Transition("approve", DECIDABLE, "approved", APPROVER, makers=SUBMITTER,
                   check=_approvable, effect=_final_approval),
        Transition("reject", DECIDABLE, "rejected", APPROVER, makers=SUBMITTER,
                   effect=_reject, log_after=False),
    ),
    parties={APPROVER: Perm.APPROVE_CLAIMS},
    refused=N_("Claim %(id)s is already %(status)s."),
    illegal=ClaimAlreadyDecided,
    state="status",
)  # fmt: skip


def approve_claim(claim: Claim, *, actor) -> Claim:
    """First (or only) approval; above the threshold a second, different approver finishes it."""
    return CLAIMS.fire(claim, "approve", actor)


def reject_claim(claim: Claim, *, actor, reason: str) -> Claim:
    """Reject with a reason (from submitted or after a first approval)."""
    if not (reason or "").strip():
        raise PayablesError(N_("Give a reason for the rejection."))
    return CLAIMS.fire(claim, "reject", actor, reason=reason)
