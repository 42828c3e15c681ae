from datetime import date

from flask import redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..dashboards import cache as page_cache
from ..dashboards.services import dashboard_for
from ..models import Role
from ..onboarding.checklist import checklist_for
from ..partners import services as partner_services
from . import bp


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


@bp.get("/")
def home():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    return redirect(url_for("auth.login"))


@bp.get("/dashboard")
@login_required
def dashboard():
    return page_cache.page("dashboard", _render_dashboard)


def _render_dashboard() -> str:
    today = date.today()
    start = quarter_start(today)
    # the user itself, not the request's proxy of it: the figures read it dozens of times
    user = current_user._get_current_object()
    partner, assignment = partner_services.own_organisation(user, today)
    kind, figures = dashboard_for(user, request.args, today)
    return render_template(
        "main/dashboard.html",
        role=Role(user.role),
        today=today,
        quarter_start=start,
        kind=kind,
        checklist=checklist_for(user),
        partner_count=partner_services.count_visible(user) if kind == "manager" else None,
        partner=partner,
        assignment=assignment,
        **figures,
    )
