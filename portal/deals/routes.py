"""Deal registration pages: partners register and follow deals, managers review them."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from workflows import enqueue
from workflows.deals.states import TRANSITIONS, transition

from ..changes import REFUSED, commit_or_refuse, commit_or_show
from ..csv_export import csv_response
from ..extensions import db
from ..foundation.audit import trail_of
from ..inputs import query_int
from ..models import DealRegistration, Partner, Territory
from ..pagination import paginate
from ..security import Perm, get_visible_or_404, requires
from . import bp, presenters, services
from .forms import (
    DealForm,
    EventForm,
    ExtensionGrantForm,
    NoteForm,
    ReasonForm,
    RejectForm,
    WonForm,
    country_choices,
)

EXPORT_BATCH = 2000


@dataclass(frozen=True)
class Action:
    """A button on the detail page: its form (whose fields are the event's data), the
    state-machine event, and what is said when it is done."""

    form: type[EventForm]
    event: str
    done: object


ACTIONS = {
    "withdraw": Action(ReasonForm, "withdraw", _l("Registration withdrawn.")),
    "won": Action(WonForm, "report_won", _l("Congratulations: the deal is reported won.")),
    "lost": Action(ReasonForm, "report_lost", _l("Deal reported lost.")),
    "extension": Action(NoteForm, "request_extension", _l("Extension requested.")),
    "approve": Action(NoteForm, "approve", _l("Registration approved.")),
    "reject": Action(RejectForm, "reject", _l("Registration rejected.")),
    "return": Action(NoteForm, "return", _l("Returned to the partner.")),
    "extension-grant": Action(ExtensionGrantForm, "grant_extension", _l("Extension granted.")),
    "extension-refuse": Action(NoteForm, "refuse_extension", _l("Extension refused.")),
}


@bp.context_processor
def deal_labels() -> dict:
    return presenters.template_context(ACTIONS)


def _filters() -> services.Filters:
    territory_id = query_int("territory")
    partner_id = query_int("partner")
    return services.Filters(
        state=request.args.get("state") or None,
        age=request.args.get("age") or None,
        territory=get_visible_or_404(Territory, territory_id) if territory_id else None,
        partner_id=get_visible_or_404(Partner, partner_id).id if partner_id else None,
    )


@bp.get("/deals")
@requires(Perm.VIEW_DEALS)
def index():
    page = paginate(services.deals_query(current_user, _filters()))
    flags = presenters.conflict_marks(page.items, current_user)
    return render_template(
        "deals/index.html", page=page, flags=flags, **presenters.filter_options()
    )


@bp.get("/deals/queue")
@requires(Perm.REVIEW_DEALS)
def queue():
    page = paginate(services.review_queue(current_user, _filters()))
    extensions = services.extension_requests(current_user)
    return render_template(
        "deals/queue.html",
        page=page,
        extensions=extensions,
        ageing=services.ageing,
        flags=services.conflict_flags([d.id for d in page.items]),
        **presenters.filter_options(),
    )


@bp.get("/deals/export.csv")
@requires(Perm.EXPORT_DEALS)
def export():
    stmt = services.deals_query(current_user, _filters()).execution_options(yield_per=EXPORT_BATCH)

    def rows():  # runs while the file is sent, in the download's own session
        return (presenters.export_row(deal) for deal in db.session.scalars(stmt))

    return csv_response("deal-registrations.csv", presenters.EXPORT_HEADER, rows)


def _edit(deal: DealRegistration | None):
    form = DealForm(obj=deal)
    presenters.prepare_form(form, current_user, country_choices(), deal)

    def save():
        data = services.DealInput.from_form(form)
        return services.save_deal(data, actor=current_user, deal=deal, submit=form.submit.data)

    if form.validate_on_submit() and (saved := commit_or_show(save, form)) is not REFUSED:
        enqueue.pending_mail()
        flash(presenters.saved_message(saved), "success")
        return redirect(url_for("deals.detail", deal_id=saved.id))
    return render_template("deals/form.html", form=form, deal=deal)


@bp.route("/deals/new", methods=["GET", "POST"])
@requires(Perm.REGISTER_DEALS)
def new():
    return _edit(None)


@bp.route("/deals/<int:deal_id>/edit", methods=["GET", "POST"])
@requires(Perm.REGISTER_DEALS)
def edit(deal_id):
    deal = get_visible_or_404(DealRegistration, deal_id)
    if not services.editable(deal):
        abort(404)
    return _edit(deal)


@bp.get("/deals/<int:deal_id>")
@requires(Perm.VIEW_DEALS)
def detail(deal_id):
    deal = get_visible_or_404(DealRegistration, deal_id)
    actions = presenters.available_actions(deal, current_user, ACTIONS)
    refusal = presenters.approval_refusal(deal, current_user) if "approve" in actions else None
    if refusal:
        del actions["approve"]
    refusal = refusal or presenters.decision_refusal(deal, current_user)
    return render_template(
        "deals/detail.html",
        deal=deal,
        conflicts=services.conflicts_for(deal, current_user),
        timeline=trail_of(deal),
        actions=actions,
        events=TRANSITIONS,
        protection=presenters.protection_preview(deal) if "approve" in actions else None,
        approval_refusal=refusal,
        **presenters.detail_flags(deal, current_user),
    )


@bp.post("/deals/<int:deal_id>/<action>")
@requires(Perm.VIEW_DEALS)
def act(deal_id, action):
    spec = ACTIONS.get(action) or abort(404)
    deal = get_visible_or_404(DealRegistration, deal_id)
    form = spec.form(prefix=action)
    if not form.validate_on_submit():
        presenters.flash_errors(form)
        return redirect(url_for("deals.detail", deal_id=deal.id))
    change = partial(transition, deal, spec.event, current_user, **form.event_data())
    commit_or_refuse(change, url_for("deals.detail", deal_id=deal_id))
    enqueue.pending_mail()
    flash(str(spec.done), "success")
    return redirect(url_for("deals.detail", deal_id=deal.id))
