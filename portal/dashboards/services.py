"""What each dashboard shows, assembled for the views (which stay thin)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from werkzeug.datastructures import MultiDict

from workflows.base_currency import quarter_bounds

from ..models import Role
from ..security import Perm, can
from . import cache, manager, partner, presenters
from .forms import WhatIfForm


def what_if_request(args: MultiDict) -> tuple[WhatIfForm | None, dict[int, Decimal]]:
    """The submitted what-if (program id → extra measure), when there is a valid one."""
    if "extra" not in args:
        return None, {}
    form = WhatIfForm(formdata=args)
    if not form.validate() or not re.fullmatch(r"[0-9]{1,10}", form.program.data or ""):
        return form, {}
    return form, {int(form.program.data): form.extra.data}


def partner_dashboard(user, args: MultiDict, today: date) -> dict:
    form, extras = what_if_request(args)
    start, _month = quarter_bounds(today)
    return {
        "balances": partner.balances(user),
        "payment_hold": partner.payment_hold(user),
        "trips_awaiting": partner.trips_awaiting(user, today),
        "points": partner.points(user, today),
        "progress": partner.tier_progress(user, today, extras),
        "what_if_form": form,
        "deals": partner.recent_deals(user),
        "claims": partner.recent_claims(user),
        "mdf": partner.marketing_funds(user),
        "contests": partner.contests(user, today),
        **cache.remember("partner", user, today, lambda: partner.sales_summary(user, start, today)),
        "rate_label": presenters.rate_label,
        "measure_label": presenters.measure_label,
        "threshold_label": presenters.threshold_label,
        "percent_towards": presenters.percent_towards,
        "plain": presenters.plain,
    }


def manager_dashboard(user, today: date) -> dict:
    return {
        "queues": manager.queues(user),
        "top_nodes": manager.top_nodes(user) if can(user, Perm.VIEW_TERRITORIES) else [],
        **cache.remember("manager", user, today, lambda: manager.summary(user, today)),
    }


def territory_rows(user, node, today: date, children=None) -> list[dict]:
    """The roll-up rows of one node, cached like the dashboards (`children`: as for
    `manager.roll_up`)."""
    return cache.remember(
        f"territory-{node.id}",
        user,
        today,
        lambda: [row.as_row() for row in manager.roll_up(user, node, today, children)],
    )


def dashboard_for(user, args: MultiDict, today: date) -> tuple[str, dict]:
    """Which dashboard a user gets, and its figures."""
    role = Role(user.role)
    if role.is_partner:
        return "partner", partner_dashboard(user, args, today)
    if role is Role.APPLICANT:
        return "applicant", {}
    return "manager", manager_dashboard(user, today)
