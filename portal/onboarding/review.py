"""The channel managers' review queue and decisions, and the admins' country → territory rules."""

from collections.abc import Callable
from dataclasses import dataclass

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from workflows import enqueue
from workflows.onboarding.states import allowed

from ..agreements.services import latest_acceptance
from ..changes import REFUSED, commit_or_show, confirmed
from ..extensions import db
from ..forms import ConfirmForm, currency_choices
from ..foundation.audit import trail_of
from ..models import CountryTerritoryRule, PartnerApplication, Territory
from ..pagination import paginate
from ..security import Perm, can, get_unscoped_or_404, get_visible_or_404, requires
from . import bp, queue, routing
from .countries import country_choices
from .forms import ApproveForm, QuestionForm, RejectForm, RuleForm, territory_choices


@dataclass(frozen=True)
class Decision:
    form: type
    service: Callable
    data: Callable
    done: object


DECISIONS = {
    "approve": Decision(
        ApproveForm,
        queue.approve,
        lambda f: {
            "territory_id": f.territory.data,
            "tier": f.tier.data,
            "currency": f.currency.data,
        },
        _l("Application approved: the partner organisation is created."),
    ),
    "request_info": Decision(
        QuestionForm,
        queue.request_info,
        lambda f: {"question": f.question.data},
        _l("Your question was sent to the applicant."),
    ),
    "reject": Decision(
        RejectForm, queue.reject, lambda f: {"reason": f.reason.data}, _l("Application rejected.")
    ),
}


def _forms(application, **given) -> dict:
    forms = {event: given.get(event) or d.form(formdata=None) for event, d in DECISIONS.items()}
    approve = forms["approve"]
    approve.territory.choices = territory_choices(queue.assignable_territories(current_user))
    if "approve" not in given:
        approve.territory.data = application.territory_id
        approve.tier.data = "registered"
        approve.currency.data = queue.default_currency(application.country)
    approve.currency.choices = currency_choices(approve.currency.data)
    return forms


def render_review(application, status: int = 200, **given):
    can_decide = can(current_user, Perm.REVIEW_APPLICATIONS)
    return render_template(
        "onboarding/review.html",
        application=application,
        forms=_forms(application, **given),
        allowed={e: can_decide and allowed(application, e) for e in DECISIONS},
        duplicates=queue.duplicates_for(application, current_user),
        history=trail_of(application),
        ageing=queue.waiting(application),
        acceptance=latest_acceptance(application.applicant_id),
    ), status


@bp.get("/applications")
@requires(Perm.VIEW_APPLICATIONS)
def applications():
    tab = request.args.get("tab", "waiting")
    tab = tab if tab in queue.TABS else "waiting"
    page = paginate(queue.review_queue(current_user, tab))
    return render_template(
        "onboarding/queue.html", page=page, tab=tab, tabs=queue.TAB_LABELS, ageing=queue.waiting
    )


@bp.get("/applications/<int:application_id>")
@requires(Perm.VIEW_APPLICATIONS)
def review(application_id):
    return render_review(get_visible_or_404(PartnerApplication, application_id))


@bp.post("/applications/<int:application_id>/<any(approve, request_info, reject):event>")
@requires(Perm.REVIEW_APPLICATIONS)
def decide(application_id, event):
    application = get_visible_or_404(PartnerApplication, application_id)
    decision = DECISIONS[event]
    form = decision.form()
    if event == "approve":
        form.territory.choices = territory_choices(queue.assignable_territories(current_user))

    def decide():
        decision.service(application, actor=current_user, **decision.data(form))

    if form.validate_on_submit() and commit_or_show(decide, form) is not REFUSED:
        enqueue.pending_mail()
        flash(str(decision.done), "success")
        return redirect(url_for("onboarding.review", application_id=application.id))
    return render_review(application, 400, **{event: form})


def _rule_form() -> RuleForm:
    form = RuleForm()
    form.country.choices = country_choices()
    form.territory.choices = territory_choices(
        db.session.scalars(select(Territory).order_by(Territory.path))
    )
    return form


@bp.route("/admin/country-rules", methods=["GET", "POST"])
@requires(Perm.MANAGE_COUNTRY_RULES)
def rules():
    form = _rule_form()

    def save_rule():
        territory = get_visible_or_404(Territory, form.territory.data)
        routing.set_rule(form.country.data, territory, actor=current_user)

    if form.validate_on_submit() and commit_or_show(save_rule, form) is not REFUSED:
        flash(_("Rule saved; open applications from that country were re-routed."), "success")
        return redirect(url_for("onboarding.rules"))
    stmt = select(CountryTerritoryRule).order_by(CountryTerritoryRule.country)
    return render_template(
        "onboarding/rules.html",
        form=form,
        rules=db.session.scalars(stmt).all(),
        fallback=routing.fallback_territory(),
        delete_form=ConfirmForm(),
    ), 400 if form.errors else 200


@bp.post("/admin/country-rules/<int:rule_id>/delete")
@requires(Perm.MANAGE_COUNTRY_RULES)
def delete_rule(rule_id):
    confirmed(ConfirmForm())
    routing.delete_rule(get_unscoped_or_404(CountryTerritoryRule, rule_id), actor=current_user)
    db.session.commit()
    flash(_("Rule removed."), "success")
    return redirect(url_for("onboarding.rules"))
