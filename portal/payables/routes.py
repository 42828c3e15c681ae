"""Claim and payout batch pages: thin views over workflows.payables."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from workflows.payables import claims

from ..changes import commit_or_refuse, confirmed
from ..forms import ConfirmForm, RejectForm
from ..labels import label
from ..models import Claim, Program
from ..models.payables import CLAIM_STATES
from ..onboarding.uploads import PAPER_TYPES, check_upload
from ..pagination import paginate
from ..security import Perm, get_unscoped_or_404, get_visible_or_404, requires, visible_to
from . import bp, invoices, presenters
from .forms import ClaimForm


def _claim_form() -> ClaimForm:
    form = ClaimForm()
    form.program_id.choices = [(p.id, p.name) for p in claims.claimable_programs()]
    return form


@bp.get("/claims")
@requires(Perm.VIEW_CLAIMS)
def claim_list():
    status = request.args.get("status")
    stmt = (
        select(Claim)
        .options(selectinload(Claim.partner), selectinload(Claim.program))
        .order_by(Claim.id.desc())
    )
    if status in CLAIM_STATES:
        stmt = stmt.where(Claim.status == status)
    page = paginate(visible_to(stmt, current_user, Claim))
    return render_template(
        "payables/claims.html",
        page=page,
        states=CLAIM_STATES,
        decidable=presenters.decidable_claims(page.items, current_user),
        form=_claim_form() if current_user.partner_id else None,
        approve_form=ConfirmForm(),
        reject_form=RejectForm(),
    )


@bp.post("/claims")
@requires(Perm.SUBMIT_CLAIMS)
def submit():
    form = _claim_form()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            flash(" ".join(str(e) for e in errors), "danger")
        return redirect(url_for("payables.claim_list"))
    program = get_unscoped_or_404(Program, form.program_id.data)
    partner = current_user.partner

    def submit_claim():
        invoice = invoices.store_invoice(check_upload(form.invoice.data, PAPER_TYPES))
        return claims.submit_claim(
            partner,
            program,
            actor=current_user,
            sale_reference=form.sale_reference.data,
            sold_on=form.sold_on.data,
            amount=form.amount.data,
            invoice=invoice,
        )

    claim = commit_or_refuse(submit_claim, back=url_for("payables.claim_list"))
    flash(_("Claim %(id)s submitted.", id=claim.id), "success")
    return redirect(url_for("payables.claim_list"))


@bp.get("/claims/<int:claim_id>/invoice")
@requires(Perm.VIEW_CLAIMS)
def invoice(claim_id):
    response = invoices.send_invoice(get_visible_or_404(Claim, claim_id))
    if response is None:
        abort(404)
    return response


def _flash_decided(claim: Claim) -> None:
    status = label(claim.status, "claim_state")
    flash(_("Claim %(id)s: %(status)s.", id=claim.id, status=status), "success")


@bp.post("/claims/<int:claim_id>/approve")
@requires(Perm.APPROVE_CLAIMS)
def approve_claim(claim_id):
    claim = get_visible_or_404(Claim, claim_id)
    confirmed(ConfirmForm())
    back = url_for("payables.claim_list")
    commit_or_refuse(lambda: claims.approve_claim(claim, actor=current_user), back)
    _flash_decided(claim)
    return redirect(back)


@bp.post("/claims/<int:claim_id>/reject")
@requires(Perm.APPROVE_CLAIMS)
def reject_claim(claim_id):
    claim = get_visible_or_404(Claim, claim_id)
    form = confirmed(RejectForm())
    back = url_for("payables.claim_list")
    commit_or_refuse(
        lambda: claims.reject_claim(claim, actor=current_user, reason=form.reason.data), back
    )
    _flash_decided(claim)
    return redirect(back)
