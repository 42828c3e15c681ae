"""The managers' side: the review queue, what the reviewer sees, and the decisions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from babel.numbers import get_territory_currencies
from flask import current_app
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from workflows.engine.i18n import render_message
from workflows.onboarding.duplicates import REASON_TEMPLATES
from workflows.onboarding.states import transition

from ..extensions import db
from ..labels import label
from ..models import Partner, PartnerApplication, Territory, utcnow
from ..models.onboarding import AWAITING_REVIEW
from ..security import find_visible, visible_to

TABS = {
    "waiting": (AWAITING_REVIEW, (PartnerApplication.waiting_since, PartnerApplication.id)),
    "needs_info": (("needs_info",), (PartnerApplication.updated_at, PartnerApplication.id)),
    "decided": (("approved", "rejected"), (PartnerApplication.decided_at.desc(),)),
    "unsubmitted": (("draft",), (PartnerApplication.created_at.desc(),)),
}
TAB_LABELS = {
    "waiting": _l("Waiting for review"),
    "needs_info": _l("Waiting for the applicant"),
    "decided": _l("Decided"),
    "unsubmitted": _l("Not submitted yet"),
}


def review_queue(user, tab: str):
    """Applications the user may see in `tab`; waiting ones oldest (re)submission first."""
    states, order = TABS.get(tab, TABS["waiting"])
    stmt = select(PartnerApplication).options(
        selectinload(PartnerApplication.duplicates), selectinload(PartnerApplication.territory)
    )
    return (
        visible_to(stmt, user, PartnerApplication)
        .where(PartnerApplication.state.in_(states))
        .order_by(*order)
    )


@dataclass(frozen=True)
class Ageing:
    hours: int
    overdue: bool

    @property
    def state(self) -> str:
        """overdue or on_track (labels and colours: portal.labels "review_age")."""
        return "overdue" if self.overdue else "on_track"


def ageing(since: datetime | None, now: datetime | None = None) -> Ageing | None:
    """Hours waiting against the review target (REVIEW_TARGET_HOURS)."""
    if since is None:
        return None
    hours = int(((now or utcnow()) - since).total_seconds() // 3600)
    return Ageing(hours, hours >= current_app.config["REVIEW_TARGET_HOURS"])


def waiting(application: PartnerApplication) -> Ageing | None:
    """How long the application has waited for a decision; None unless it awaits review."""
    if application.state not in AWAITING_REVIEW:
        return None
    return ageing(application.waiting_since)


@dataclass(frozen=True)
class DuplicateView:
    """A duplicate as the reviewer may see it: outside their scope, only the reasons."""

    partner: Partner | None
    application: PartnerApplication | None
    reasons: list[str]
    outside_scope: bool


def _visible_ids(user, model, ids: set[int]) -> set[int]:
    if not ids:
        return set()
    stmt = visible_to(select(model.id), user, model).where(model.id.in_(ids))
    return set(db.session.scalars(stmt))


def duplicates_for(application: PartnerApplication, user) -> list[DuplicateView]:
    rows = application.duplicates
    partners = _visible_ids(user, Partner, {d.partner_id for d in rows if d.partner_id})
    others = _visible_ids(
        user, PartnerApplication, {d.other_application_id for d in rows if d.other_application_id}
    )
    views = []
    for row in rows:
        visible = row.partner_id in partners or row.other_application_id in others
        reasons = [
            render_message(REASON_TEMPLATES[r["code"]], r["params"], gettext)
            if visible
            else label(r["code"], "duplicate_reason")
            for r in row.reasons
        ]
        views.append(
            DuplicateView(
                row.partner if visible else None,
                row.other_application if visible else None,
                reasons,
                not visible,
            )
        )
    return views


def assignable_territories(user) -> list[Territory]:
    """Territories the reviewer may assign: their own subtrees."""
    stmt = visible_to(select(Territory), user, Territory).order_by(Territory.path)
    return list(db.session.scalars(stmt))


def default_currency(country: str) -> str:
    currencies = get_territory_currencies(country)
    return currencies[0] if currencies else current_app.config["BASE_CURRENCY"]


def approve(application, *, actor, territory_id, tier, currency) -> PartnerApplication:
    # one the actor may not see stays None: the workflow refuses it ("a territory you manage")
    territory = find_visible(Territory, territory_id, actor) if territory_id else None
    currency = (currency or "").strip().upper()
    return transition(
        application, "approve", actor, territory=territory, tier=tier, currency=currency
    )


def reject(application, *, actor, reason) -> PartnerApplication:
    return transition(application, "reject", actor, reason=reason)


def request_info(application, *, actor, question) -> PartnerApplication:
    return transition(application, "request_info", actor, question=question)
