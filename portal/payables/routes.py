"""Claim and payout batch pages: thin views over workflows.payables."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from workflows.calc.errors import CalcError
from workflows.onboarding.errors import OnboardingError
from workflows.payables import batches, claims

from ..csv_export import csv_response
from ..extensions import db
from ..forms import ConfirmForm
from ..models import Claim, Partner, PayoutBatch, Program
from ..models.payables import CLAIM_STATES
from ..onboarding.uploads import PAPER_TYPES, check_upload
from ..pagination import paginate
from ..security import Perm, get_visible_or_404, requires, visible_to
from . import bp, invoices
from .forms import ClaimForm, RejectClaimForm


def _refused(exc) -> None:
    db.session.rollback()
    flash(exc.render(_) if isinstance(exc, CalcError) else str(exc), "danger")


def _claim_form() -> ClaimForm:
    form = ClaimForm()
    form.program_id.choices = [(p.id, p.name) for p in claims.claimable_programs()]
    return form


@bp.get("/claims")
@requires(Perm.VIEW_CLAIMS)
def claim_list():
    status = request.args.get("status")
    stmt = select(Claim).order_by(Claim.id.desc())
    if status in CLAIM_STATES:
        stmt = stmt.where(Claim.status == status)
    return render_template(
        "payables/claims.html",
        page=paginate(visible_to(stmt, current_user, Claim)),
        states=CLAIM_STATES,
        form=_claim_form() if current_user.partner_id else None,
        approve_form=ConfirmForm(),
        reject_form=RejectClaimForm(),
    )


@bp.post("/claims")
@requires(Perm.SUBMIT_CLAIMS)
def submit():
    form = _claim_form()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            flash(" ".join(str(e) for e in errors), "danger")
        return redirect(url_for("payables.claim_list"))
    program = db.get_or_404(Program, form.program_id.data)
    partner = db.session.get(Partner, current_user.partner_id)
    try:
        invoice = invoices.store_invoice(check_upload(form.invoice.data, PAPER_TYPES))
        claim = claims.submit_claim(
            partner,
            program,
            actor=current_user,
            sale_reference=form.sale_reference.data,
            sold_on=form.sold_on.data,
            amount=form.amount.data,
            invoice=invoice,
        )
    except (CalcError, OnboardingError) as exc:
        _refused(exc)
        return redirect(url_for("payables.claim_list"))
    db.session.commit()
    flash(_("Claim %(id)s submitted.", id=claim.id), "success")
    return redirect(url_for("payables.claim_list"))


@bp.get("/claims/<int:claim_id>/invoice")
@requires(Perm.VIEW_CLAIMS)
def invoice(claim_id):
    response = invoices.send_invoice(get_visible_or_404(Claim, claim_id))
    if response is None:
        abort(404)
    return response


@bp.post("/claims/<int:claim_id>/approve")
@requires(Perm.APPROVE_CLAIMS)
def approve_claim(claim_id):
    claim = get_visible_or_404(Claim, claim_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        claims.approve_claim(claim, actor=current_user)
    except CalcError as exc:
        _refused(exc)
        return redirect(url_for("payables.claim_list"))
    db.session.commit()
    return redirect(url_for("payables.claim_list"))


@bp.post("/claims/<int:claim_id>/reject")
@requires(Perm.APPROVE_CLAIMS)
def reject_claim(claim_id):
    claim = get_visible_or_404(Claim, claim_id)
    form = RejectClaimForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        claims.reject_claim(claim, actor=current_user, reason=form.reason.data)
    except CalcError as exc:
        _refused(exc)
        return redirect(url_for("payables.claim_list"))
    db.session.commit()
    return redirect(url_for("payables.claim_list"))


@bp.get("/payout-batches")
@requires(Perm.MANAGE_PAYOUT_BATCHES)
def batch_list():
    stmt = visible_to(select(PayoutBatch).order_by(PayoutBatch.id.desc()), current_user)
    waiting = len(db.session.execute(batches.open_lines()).all())
    return render_template(
        "payables/batches.html", page=paginate(stmt), waiting=waiting, form=ConfirmForm()
    )


@bp.post("/payout-batches")
@requires(Perm.MANAGE_PAYOUT_BATCHES)
def build():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        batch = batches.build_batch(actor=current_user)
    except CalcError as exc:
        _refused(exc)
        return redirect(url_for("payables.batch_list"))
    db.session.commit()
    flash(_("Batch %(id)s built with %(count)s lines.", id=batch.id, count=batch.line_count))
    return redirect(url_for("payables.batch_list"))


@bp.post("/payout-batches/<int:batch_id>/approve")
@requires(Perm.MANAGE_PAYOUT_BATCHES)
def approve_batch(batch_id):
    batch = get_visible_or_404(PayoutBatch, batch_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        batches.approve_batch(batch, actor=current_user)
    except CalcError as exc:
        _refused(exc)
        return redirect(url_for("payables.batch_list"))
    db.session.commit()
    return redirect(url_for("payables.batch_list"))


@bp.post("/payout-batches/<int:batch_id>/export")
@requires(Perm.MANAGE_PAYOUT_BATCHES)
def export_batch(batch_id):
    batch = get_visible_or_404(PayoutBatch, batch_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        rows = batches.export_batch(batch, actor=current_user)
    except CalcError as exc:
        _refused(exc)
        return redirect(url_for("payables.batch_list"))
    db.session.commit()
    return csv_response(f"payout-batch-{batch.id}.csv", batches.BATCH_COLUMNS, rows)
