"""Points pages: balance and ledger, catalog, redemption requests and decisions."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from workflows import enqueue
from workflows.engine import parse_period
from workflows.rewards import catalog as catalog_service
from workflows.rewards import ledger, levels, posting, redemptions

from ..changes import commit_or_refuse, confirmed
from ..extensions import db
from ..forms import ConfirmForm, RejectForm
from ..models import Partner, Program, Redemption, RewardItem, utcnow
from ..models.rewards import REDEMPTION_STATES
from ..pagination import paginate
from ..progress import count, progress_response
from ..security import Perm, get_unscoped_or_404, get_visible_or_404, requires
from . import bp, presenters, queries
from .forms import ItemForm, PostPointsForm, RedeemForm


@bp.get("/")
@requires(Perm.VIEW_POINTS)
def balance():
    if current_user.partner_id is not None:
        return partner_balance(current_user.partner_id)
    page = paginate(queries.partners_query(current_user), per_page=50)
    return render_template("rewards/partners.html", page=page)


@bp.get("/partners/<int:partner_id>")
@requires(Perm.VIEW_POINTS)
def partner_balance(partner_id):
    partner = get_visible_or_404(Partner, partner_id)
    today = utcnow().date()
    filters = queries.ledger_filters()
    page = paginate(queries.ledger_query(partner, current_user, filters), per_page=50)
    return render_template(
        "rewards/balance.html",
        partner=partner,
        balance=ledger.balance(partner.id, today),
        progress=levels.progress_for(partner.id, today),
        page=page,
        rows=presenters.ledger_rows(page.items),
        kinds=queries.LEDGER_KINDS,
    )


@bp.get("/catalog")
@requires(Perm.VIEW_POINTS)
def catalog():
    items = db.session.scalars(queries.catalog_query(current_user)).all()
    return render_template(
        "rewards/catalog.html",
        items=items,
        form=RedeemForm(),
        item_form=ItemForm(),
        requesters=queries.redemption_requesters(current_user),
    )


@bp.post("/catalog")
@requires(Perm.MANAGE_CATALOG)
def save_item():
    form = ItemForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            flash(" ".join(str(e) for e in errors), "danger")
        return redirect(url_for("rewards.catalog"))
    back = url_for("rewards.catalog")
    item = commit_or_refuse(
        lambda: catalog_service.save_item(
            actor=current_user,
            **{name: form[name].data for name in ("code", "name", "description", "image_url")},
            points_cost=form.points_cost.data,
            stock=form.stock.data,
            active=form.active.data,
        ),
        back,
    )
    flash(_("Catalog item %(code)s saved.", code=item.code), "success")
    return redirect(back)


@bp.post("/catalog/<int:item_id>/redeem")
@requires(Perm.REQUEST_REDEMPTIONS)
def redeem(item_id):
    item = get_visible_or_404(RewardItem, item_id)
    form = confirmed(RedeemForm())
    partner = current_user.partner
    redemption = commit_or_refuse(
        lambda: redemptions.request_redemption(
            partner, item, actor=current_user, quantity=form.quantity.data
        ),
        back=url_for("rewards.catalog"),
    )
    flash(_("Redemption %(id)s requested; the points are held.", id=redemption.id), "success")
    return redirect(url_for("rewards.redemption_list"))


@bp.get("/redemptions")
@requires(Perm.VIEW_POINTS)
def redemption_list():
    status = request.args.get("status")
    status = status if status in REDEMPTION_STATES else None
    page = paginate(queries.redemptions_query(current_user, status), per_page=50)
    return render_template(
        "rewards/redemptions.html",
        page=page,
        decidable=presenters.decidable_redemptions(page.items, current_user),
        states=REDEMPTION_STATES,
        approve_form=ConfirmForm(),
        reject_form=RejectForm(),
    )


@bp.post("/redemptions/<int:redemption_id>/approve")
@requires(Perm.APPROVE_REDEMPTIONS)
def approve(redemption_id):
    redemption = get_visible_or_404(Redemption, redemption_id)
    confirmed(ConfirmForm())
    back = url_for("rewards.redemption_list")
    commit_or_refuse(lambda: redemptions.approve_redemption(redemption, actor=current_user), back)
    flash(_("Redemption %(id)s approved; the points are spent.", id=redemption.id), "success")
    return redirect(back)


@bp.post("/redemptions/<int:redemption_id>/reject")
@requires(Perm.APPROVE_REDEMPTIONS)
def reject(redemption_id):
    redemption = get_visible_or_404(Redemption, redemption_id)
    form = confirmed(RejectForm())
    back = url_for("rewards.redemption_list")
    commit_or_refuse(
        lambda: redemptions.reject_redemption(
            redemption, actor=current_user, reason=form.reason.data
        ),
        back,
    )
    flash(_("Redemption %(id)s rejected; the points are released.", id=redemption.id), "success")
    return redirect(back)


@bp.post("/programs/<int:program_id>/post")
@requires(Perm.RUN_CALCULATIONS)
def post_points(program_id):
    program = get_unscoped_or_404(Program, program_id)
    form = confirmed(PostPointsForm())
    task = commit_or_refuse(
        lambda: posting.request_posting(
            program, parse_period(form.period.data), actor=current_user
        ),
        back=url_for("programs.detail", program_id=program.id),
    )
    enqueue.run_task(task.id)
    return redirect(url_for("rewards.posting_detail", task_id=task.id))


@bp.get("/postings/<int:task_id>")
@requires(Perm.RUN_CALCULATIONS)
def posting_detail(task_id):
    found = queries.posting(task_id) or abort(404)
    return render_template("rewards/posting.html", posting=found, task=found.task)


@bp.get("/postings/<int:task_id>/status.json")
@requires(Perm.RUN_CALCULATIONS)
def posting_status(task_id):
    task = (queries.posting(task_id) or abort(404)).task
    return progress_response(
        status=task.status,
        percent=task.percent,
        finished=task.finished,
        counted=_(
            "%(done)s of %(total)s ledger entries written",
            done=count(task.progress_done),
            total=count(task.progress_total),
        ),
    )
