"""MDF pages of finance: funds, allocations down the territory tree, utilisation and ROI."""

from __future__ import annotations

from datetime import date, timedelta

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.foundation.audit import record_event
from workflows.mdf import funds as fund_service

from ..changes import REFUSED, commit_or_refuse, commit_or_show, confirmed
from ..csv_export import csv_response
from ..extensions import db
from ..forms import ConfirmForm, currency_choices
from ..models import MdfActivityType, MdfFund, Partner, Territory, utcnow
from ..security import Perm, can, get_visible_or_404, requires, visible_to
from . import bp
from . import fund_presenters as presenters
from .fund_forms import ActivityTypeForm, AllocateForm, FundForm

FUND_FILTERS = ("open", "closed", "all")


def _today() -> date:
    return utcnow().date()


@bp.get("/funds")
@requires(Perm.VIEW_MDF)
def funds():
    state = request.args.get("state", "open")
    if state not in FUND_FILTERS:
        state = "open"
    rows = presenters.fund_rows(current_user, state=state, today=_today())
    return render_template("mdf/funds.html", rows=rows, state=state, today=_today())


def next_half_year(today: date) -> tuple[date, date]:
    """The half-year after the current one: the default period of a new fund."""
    if today.month <= 6:
        return date(today.year, 7, 1), date(today.year, 12, 31)
    return date(today.year + 1, 1, 1), date(today.year + 1, 6, 30)


def _fund_defaults(form: FundForm) -> None:
    start, end = next_half_year(_today())
    days = current_app.config["MDF_CLAIM_DAYS"]
    form.code.data = f"MDF-{start.year}-H{1 if start.month == 1 else 2}"
    form.currency.data = current_app.config["BASE_CURRENCY"]
    form.starts_on.data, form.ends_on.data = start, end
    form.claim_days.data = days
    form.claim_deadline.data = end + timedelta(days=days)


@bp.route("/funds/new", methods=["GET", "POST"])
@requires(Perm.MANAGE_FUNDS)
def new_fund():
    form = FundForm()
    if request.method == "GET":
        _fund_defaults(form)
    form.currency.choices = currency_choices(form.currency.data)
    if form.validate_on_submit():
        fund = commit_or_show(
            lambda: fund_service.create_fund(
                actor=current_user,
                **{
                    name: form[name].data
                    for name in (
                        "code",
                        "name",
                        "currency",
                        "amount",
                        "starts_on",
                        "ends_on",
                        "claim_deadline",
                        "claim_days",
                        "second_approval_above",
                    )
                },
            ),
            form,
        )
        if fund is not REFUSED:
            flash(_("Fund %(code)s created.", code=fund.code), "success")
            return redirect(url_for("mdf.fund", fund_id=fund.id))
    return render_template("mdf/fund_form.html", form=form), 400 if form.errors else 200


def _targets(user) -> list[tuple[str, str]]:
    """Territories and partners the user may pass money to, for the searchable select."""
    territories = presenters.tree_order(
        db.session.scalars(visible_to(select(Territory), user, Territory)).all()
    )
    partners = db.session.scalars(
        visible_to(select(Partner), user, Partner).order_by(Partner.name)
    ).all()
    return [
        ("", ""),
        *((f"t{t.id}", f"{t.name} ({t.code})") for t in territories),
        *((f"p{p.id}", f"{p.name} ({p.code})") for p in partners),
    ]


def _allocate_form() -> AllocateForm | None:
    if not can(current_user, Perm.ALLOCATE_MDF):
        return None
    form = AllocateForm()
    form.target.choices = _targets(current_user)
    return form


@bp.get("/funds/<int:fund_id>")
@requires(Perm.VIEW_MDF)
def fund(fund_id, form=None):
    fund = get_visible_or_404(MdfFund, fund_id)
    today = _today()
    rows = presenters.utilisation(fund, current_user, today)
    scope = presenters.scope_of(current_user, today)
    totals = presenters.combined(
        fund.currency,
        (
            f
            for (_id, holder), f in presenters.holder_figures([fund.id]).items()
            if scope.holds(holder)
        ),
    )
    return render_template(
        "mdf/fund.html",
        fund=fund,
        totals=totals,
        rows=presenters.flat(rows),
        chart=presenters.chart(rows),
        roi=presenters.roi(fund, current_user),
        allocations=presenters.allocations(fund, current_user),
        form=form or _allocate_form(),
        closed=fund.state != "open" or fund.claim_deadline < today,
    )


def _target(value: str):
    """The territory or partner the allocate form names, through the scoping rule."""
    kind, number = value[:1], value[1:]
    if kind == "t":
        return {"territory": get_visible_or_404(Territory, number)}
    if kind == "p":
        return {"partner": get_visible_or_404(Partner, number)}
    abort(404)


@bp.post("/funds/<int:fund_id>/allocate")
@requires(Perm.ALLOCATE_MDF)
def allocate(fund_id):
    fund = get_visible_or_404(MdfFund, fund_id)
    form = _allocate_form()
    if not form.validate_on_submit():
        return fund_page_again(fund.id, form)
    target = _target(form.target.data)
    allocation = commit_or_show(
        lambda: fund_service.allocate(fund, actor=current_user, amount=form.amount.data, **target),
        form,
    )
    if allocation is REFUSED:
        return fund_page_again(fund.id, form)
    target_name = (allocation.territory or allocation.partner).name
    flash(_("Allocated to %(target)s.", target=target_name), "success")
    return redirect(url_for("mdf.fund", fund_id=fund.id))


def fund_page_again(fund_id: int, form: AllocateForm):
    """The fund page with the allocate form as the user filled it, its errors shown."""
    return fund(fund_id, form=form), 400


@bp.get("/funds/<int:fund_id>/utilisation.csv")
@requires(Perm.VIEW_MDF)
def fund_csv(fund_id):
    fund = get_visible_or_404(MdfFund, fund_id)
    rows = presenters.utilisation(fund, current_user, _today())
    values = presenters.csv_rows(fund, rows)
    record_event(current_user, "mdf.fund.export", fund, after={"rows": len(values)})
    db.session.commit()
    return csv_response(f"fund-{fund.code}-utilisation.csv", presenters.CSV_HEADER, values)


@bp.route("/activity-types", methods=["GET", "POST"])
@requires(Perm.MANAGE_FUNDS)
def activity_types():
    form = ActivityTypeForm()
    if form.validate_on_submit():
        added = commit_or_show(
            lambda: fund_service.add_activity_type(
                actor=current_user, code=form.code.data, name=form.name.data
            ),
            form,
        )
        if added is not REFUSED:
            flash(_("Activity type %(name)s added.", name=added.name), "success")
            return redirect(url_for("mdf.activity_types"))
    types = db.session.scalars(
        visible_to(select(MdfActivityType), current_user, MdfActivityType).order_by(
            MdfActivityType.active.desc(), MdfActivityType.name
        )
    ).all()
    body = render_template(
        "mdf/activity_types.html", types=types, form=form, retire_form=ConfirmForm()
    )
    return body, 400 if form.errors else 200


@bp.post("/activity-types/<int:type_id>/retire")
@requires(Perm.MANAGE_FUNDS)
def retire_activity_type(type_id):
    activity_type = get_visible_or_404(MdfActivityType, type_id)
    confirmed(ConfirmForm())
    commit_or_refuse(
        lambda: fund_service.retire_activity_type(activity_type, actor=current_user),
        back=url_for("mdf.activity_types"),
    )
    flash(_("Activity type %(name)s retired.", name=activity_type.name), "success")
    return redirect(url_for("mdf.activity_types"))
