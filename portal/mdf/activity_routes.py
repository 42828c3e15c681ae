"""MDF pages of partners and their managers: activity requests, claims with proof, the queue."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from workflows.mdf import claims, requests
from workflows.mdf.errors import MdfError
from workflows.mdf.funds import shown

from ..changes import REFUSED, commit_or_refuse, commit_or_show, confirmed
from ..downloads import send_stored_file
from ..formatting import money
from ..forms import ConfirmForm
from ..inputs import query_int
from ..models import MdfActivityType, MdfClaim, MdfClaimProof, MdfFund, MdfRequest, utcnow
from ..models.mdf import REQUEST_STATES
from ..onboarding.uploads import UploadRejected, stored_path
from ..pagination import paginate
from ..security import Perm, get_visible_or_404, requires
from . import bp, presenters
from .forms import ApproveForm, ClaimForm, ReasonForm, RequestForm, ResubmitForm
from .proofs import MDF_FOLDER, store_proof


def _today():
    return utcnow().date()


@bp.get("/requests", endpoint="requests")
@requires(Perm.VIEW_MDF)
def requests_index():
    state = request.args.get("state") or None
    fund_id = query_int("fund")
    fund = get_visible_or_404(MdfFund, fund_id) if fund_id else None
    stmt = presenters.requests_query(
        current_user, state=state if state in REQUEST_STATES else None, fund_id=fund and fund.id
    )
    page = paginate(stmt)
    return render_template(
        "mdf/requests.html",
        page=page,
        states=REQUEST_STATES,
        funds=presenters.visible_funds(current_user),
        steps=presenters.next_steps(page.items, current_user, _today()),
        step_labels=presenters.NEXT_STEPS,
        today=_today(),
    )


def _request_form() -> tuple[RequestForm, list]:
    form = RequestForm()
    funds = presenters.open_funds(current_user.partner_id, _today())
    form.fund_id.choices = [
        (c.fund.id, f"{c.fund.name} ({c.fund.code}) · {money(c.available, c.fund.currency)}")
        for c in funds
    ]
    types = presenters.activity_types(current_user)
    form.activity_type_id.choices = [(t.id, t.name) for t in types]
    if not form.is_submitted():
        form.starts_on.data = form.starts_on.data or _today()
        form.ends_on.data = form.ends_on.data or _today()
    return form, funds


@bp.route("/requests/new", methods=["GET", "POST"])
@requires(Perm.REQUEST_MDF)
def new_request():
    if current_user.partner_id is None:
        abort(403)
    form, funds = _request_form()

    def propose():
        return requests.propose_request(
            current_user.partner,
            get_visible_or_404(MdfFund, form.fund_id.data),
            get_visible_or_404(MdfActivityType, form.activity_type_id.data),
            actor=current_user,
            starts_on=form.starts_on.data,
            ends_on=form.ends_on.data,
            amount=form.amount.data,
            description=form.description.data,
            expected_leads=form.expected_leads.data,
            expected_pipeline=form.expected_pipeline.data,
        )

    if form.validate_on_submit() and (made := commit_or_show(propose, form)) is not REFUSED:
        flash(_("Request %(id)s submitted for approval.", id=made.id), "success")
        return redirect(url_for("mdf.request_detail", request_id=made.id))
    return render_template("mdf/request_form.html", form=form, funds=funds)


def _detail(mdf_request: MdfRequest, **forms):
    found = presenters.claims_of(mdf_request, current_user)
    actions = presenters.request_actions(mdf_request, found, current_user, _today())
    resubmit = forms.get("resubmit_form") or ResubmitForm(obj=mdf_request, prefix="resubmit")
    if not resubmit.is_submitted():
        resubmit.amount.data = shown(mdf_request.requested_amount, mdf_request.fund.currency)
    return render_template(
        "mdf/request.html",
        req=mdf_request,
        claims=found,
        actions=actions,
        history=presenters.history(mdf_request, found),
        figures=presenters.partner_figures(mdf_request),
        approve_form=ApproveForm(prefix="approve"),
        reject_form=ReasonForm(prefix="reject"),
        return_form=ReasonForm(prefix="return"),
        claim_reason_form=ReasonForm(prefix="claim"),
        confirm_form=ConfirmForm(),
        resubmit_form=resubmit,
        claim_form=forms.get("claim_form") or presenters.claim_form(mdf_request),
        today=_today(),
    )


@bp.get("/requests/<int:request_id>")
@requires(Perm.VIEW_MDF)
def request_detail(request_id):
    return _detail(get_visible_or_404(MdfRequest, request_id))


def _back(mdf_request: MdfRequest) -> str:
    return url_for("mdf.request_detail", request_id=mdf_request.id)


@bp.post("/requests/<int:request_id>/approve")
@requires(Perm.APPROVE_MDF)
def approve(request_id):
    mdf_request = get_visible_or_404(MdfRequest, request_id)
    form = presenters.confirmed_or_flash(ApproveForm(prefix="approve"), _back(mdf_request))
    decided = commit_or_refuse(
        lambda: requests.approve_request(mdf_request, actor=current_user, amount=form.amount.data),
        _back(mdf_request),
    )
    flash(presenters.decided_message(decided), "success")
    return redirect(_back(mdf_request))


@bp.post("/requests/<int:request_id>/<any(reject, return):decision>")
@requires(Perm.APPROVE_MDF)
def decide(request_id, decision):
    mdf_request = get_visible_or_404(MdfRequest, request_id)
    form = presenters.confirmed_or_flash(ReasonForm(prefix=decision), _back(mdf_request))
    change = requests.reject_request if decision == "reject" else requests.return_request
    decided = commit_or_refuse(
        lambda: change(mdf_request, actor=current_user, reason=form.reason.data),
        _back(mdf_request),
    )
    flash(presenters.decided_message(decided), "success")
    return redirect(_back(mdf_request))


@bp.post("/requests/<int:request_id>/resubmit")
@requires(Perm.REQUEST_MDF)
def resubmit(request_id):
    mdf_request = get_visible_or_404(MdfRequest, request_id)
    form = ResubmitForm(prefix="resubmit")

    def change():
        return requests.resubmit_request(
            mdf_request,
            actor=current_user,
            amount=form.amount.data,
            description=form.description.data,
            starts_on=form.starts_on.data,
            ends_on=form.ends_on.data,
        )

    if form.validate_on_submit() and commit_or_show(change, form) is not REFUSED:
        flash(_("Request %(id)s resubmitted for approval.", id=mdf_request.id), "success")
        return redirect(_back(mdf_request))
    return _detail(mdf_request, resubmit_form=form), 400


@bp.post("/requests/<int:request_id>/claims")
@requires(Perm.REQUEST_MDF)
def file_claim(request_id):
    mdf_request = get_visible_or_404(MdfRequest, request_id)
    form = ClaimForm(prefix="claim")

    def change():
        return claims.submit_claim(
            mdf_request,
            actor=current_user,
            amount=form.amount.data,
            proofs=[_stored(upload) for upload in presenters.uploads(form.proof.data)],
            actual_leads=form.actual_leads.data,
            actual_pipeline=form.actual_pipeline.data,
        )

    if form.validate_on_submit() and (made := commit_or_show(change, form)) is not REFUSED:
        flash(_("Claim %(id)s filed; your channel manager will review it.", id=made.id), "success")
        return redirect(_back(mdf_request))
    return _detail(mdf_request, claim_form=form), 400


def _stored(upload):
    """A proof stored for this claim; a rejected file is refused next to the proof field."""
    try:
        return store_proof(upload)
    except UploadRejected as refused:
        raise MdfError(refused.template, field="proof", **refused.params) from None


@bp.post("/claims/<int:mdf_claim_id>/approve")
@requires(Perm.APPROVE_MDF)
def approve_claim(mdf_claim_id):
    claim = get_visible_or_404(MdfClaim, mdf_claim_id)
    back = url_for("mdf.request_detail", request_id=claim.request_id)
    confirmed(ConfirmForm())
    commit_or_refuse(lambda: claims.approve_claim(claim, actor=current_user), back)
    flash(
        _("Claim %(id)s approved: it will be paid with the next payout batch.", id=claim.id),
        "success",
    )
    return redirect(back)


@bp.post("/claims/<int:mdf_claim_id>/reject")
@requires(Perm.APPROVE_MDF)
def reject_claim(mdf_claim_id):
    claim = get_visible_or_404(MdfClaim, mdf_claim_id)
    back = url_for("mdf.request_detail", request_id=claim.request_id)
    form = presenters.confirmed_or_flash(ReasonForm(prefix="claim"), back)
    commit_or_refuse(
        lambda: claims.reject_claim(claim, actor=current_user, reason=form.reason.data), back
    )
    flash(_("Claim %(id)s rejected.", id=claim.id), "success")
    return redirect(back)


@bp.get("/proofs/<int:proof_id>/download")
@requires(Perm.VIEW_MDF)
def proof_download(proof_id):
    proof = get_visible_or_404(MdfClaimProof, proof_id)
    path = stored_path(MDF_FOLDER, proof.storage)
    if path.name != proof.storage or not path.is_file():
        abort(404)
    return send_stored_file(
        path, mimetype=proof.content_type, filename=proof.name, conditional=False
    )


@bp.get("/queue")
@requires(Perm.APPROVE_MDF)
def queue():
    return render_template(
        "mdf/queue.html",
        page=paginate(presenters.request_queue(current_user)),
        claims=presenters.claim_queue(current_user),
        ageing=presenters.ageing,
        waiting_since=presenters.waiting_since,
    )
