"""What the deal pages show: filter options, the buttons a user may press, export rows, messages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import flash
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from workflows.deals.conflicts import protection_holder
from workflows.deals.effects import today
from workflows.deals.protection import protection_for
from workflows.deals.states import (
    BY_PERMISSION,
    DEALS,
    EXTENSION_LABELS,
    REJECTION_REASONS,
    REVIEWER,
    STATE_BADGES,
    STATE_LABELS,
    TRANSITIONS,
    allowed,
)

from ..extensions import db
from ..forms import currency_choices
from ..models import Category, DealRegistration, Partner, Product, Program, Territory
from ..security import Perm, can, visible_to
from .services import AGE_FILTERS, conflict_flags, effective_category_names, other_territory

MAX_PARTNER_CHOICES = 500
EXPORT_HEADER = [
    "reference",
    "state",
    "partner_code",
    "partner_name",
    "customer_name",
    "domain",
    "country",
    "categories",
    "estimated_value",
    "currency",
    "expected_close_on",
    "submitted_at",
    "decided_at",
    "protection_ends_on",
    "extension_state",
    "rejection_reason",
    "won_amount",
    "won_on",
    "protection_program_code",
]


def _iso(value) -> str:
    return value.isoformat() if value is not None else ""


def export_row(deal: DealRegistration) -> list:
    return [
        deal.reference,
        deal.state,
        deal.partner.code,
        deal.partner.name,
        deal.customer_name,
        deal.domain or "",
        deal.country,
        "; ".join(effective_category_names(deal)),
        deal.estimated_value,
        deal.currency,
        _iso(deal.expected_close_on),
        _iso(deal.submitted_at),
        _iso(deal.decided_at),
        _iso(deal.protection_ends_on),
        deal.extension_state or "",
        deal.rejection_reason or "",
        deal.won_amount if deal.won_amount is not None else "",
        _iso(deal.won_on),
        deal.protection_program.code if deal.protection_program else "",
    ]


def filter_options() -> dict:
    """Choices for the filter bar; territory and partner filters only for back-office users."""
    options = {"states": STATE_LABELS, "ages": {k: v[0] for k, v in AGE_FILTERS.items()}}
    if can(current_user, Perm.VIEW_TERRITORIES):
        options["territories"] = db.session.scalars(
            visible_to(select(Territory), current_user, Territory).order_by(Territory.path)
        ).all()
    if current_user.partner_id is None:
        options["partners"] = db.session.scalars(
            visible_to(select(Partner), current_user, Partner)
            .order_by(Partner.code)
            .limit(MAX_PARTNER_CHOICES)
        ).all()
    return options


def prepare_form(form, user, country_choices, deal: DealRegistration | None = None) -> None:
    """Fill the choices of a DealForm (countries, categories, products) and its defaults."""
    form.country.choices = country_choices
    form.currency.choices = currency_choices(
        form.currency.data, deal.currency if deal else None, user.partner and user.partner.currency
    )
    categories = db.session.scalars(select(Category).order_by(Category.path)).all()
    form.categories.choices = [SelectChoice(c.id, "— " * c.depth + c.name) for c in categories]
    products = db.session.scalars(select(Product).order_by(Product.sku)).all()
    form.products.choices = [SelectChoice(p.id, f"{p.sku} · {p.name}") for p in products]
    if form.is_submitted():
        return
    if deal is not None:
        form.categories.data = [c.id for c in deal.categories]
        form.products.data = [p.id for p in deal.products]
    partner = user.partner
    if partner is not None:
        form.country.data = form.country.data or partner.country
        form.currency.data = form.currency.data or partner.currency


def available_actions(deal: DealRegistration, user, actions: dict) -> dict:
    """The action forms `user` may use on `deal` now (state, permission and maker–checker)."""
    available = {}
    for name, spec in actions.items():
        rule = TRANSITIONS[spec.event]
        if not allowed(deal, spec.event) or not can(user, BY_PERMISSION[rule.by]):
            continue
        if rule.by == REVIEWER and user.id in (
            deal.submitted_by_id,
            deal.extension_requested_by_id,
        ):
            continue
        form = spec.form(prefix=name)
        if name == "extension-grant" and deal.protection_ends_on:
            form.new_date.data = deal.protection_ends_on + timedelta(days=30)
        available[name] = form
    return available


def decision_refusal(deal: DealRegistration, user) -> str | None:
    """Why a reviewer who could decide `deal` now is offered no decision: they submitted it or
    requested its extension themselves (maker–checker)."""
    awaiting = allowed(deal, "approve") or allowed(deal, "grant_extension")
    if not awaiting or not can(user, Perm.REVIEW_DEALS):
        return None
    if user.id in (deal.submitted_by_id, deal.extension_requested_by_id):
        return _(DEALS.maker_checker)
    return None


def approval_refusal(deal: DealRegistration, user) -> str | None:
    """Why approving `deal` would be refused now (another approved registration holds the
    customer in an overlapping category), said before the click; None when it would go through.
    The approval itself still checks under its lock."""
    holder = protection_holder(deal)
    if holder is None:
        return None
    other, category = holder
    until = format_date(other.protection_ends_on) if other.protection_ends_on else "—"
    visible = db.session.scalar(
        visible_to(select(DealRegistration.id), user, DealRegistration).where(
            DealRegistration.id == other.id
        )
    )
    if visible is not None:
        return _(
            "Approval is not possible: %(reference)s of %(partner)s already protects this "
            "customer in %(category)s until %(until)s. Reject or return this registration, or "
            "wait until the other one expires, is lost or is withdrawn.",
            reference=other.reference,
            partner=other.partner.name,
            category=category,
            until=until,
        )
    territory = other_territory(other.partner_id)
    return _(
        "Approval is not possible: a registration in %(territory)s (managed by %(managers)s) "
        "already protects this customer in %(category)s until %(until)s. Reject or return "
        "this registration, or wait until the other one expires, is lost or is withdrawn.",
        territory=territory.name if territory else "—",
        managers=", ".join(territory.managers) if territory and territory.managers else "—",
        category=category,
        until=until,
    )


@dataclass(frozen=True)
class ProtectionPreview:
    days: int
    ends_on: date
    program: Program | None


def protection_preview(deal: DealRegistration) -> ProtectionPreview:
    """What approving today would give: shown to the reviewer next to the approve button."""
    day = today()
    protection = protection_for(deal, day)
    program = db.session.get(Program, protection.program_id) if protection.program_id else None
    return ProtectionPreview(protection.days, day + timedelta(days=protection.days), program)


def flash_errors(form) -> None:
    for field in form:
        for error in field.errors:
            flash(_("%(field)s: %(error)s", field=field.label.text, error=error), "danger")


def saved_message(deal: DealRegistration) -> str:
    if deal.state == "draft":
        return _("Draft %(reference)s saved.", reference=deal.reference)
    message = _(
        "Registration %(reference)s submitted. A channel manager will review it.",
        reference=deal.reference,
    )
    if deal.id in conflict_flags([deal.id]):
        message += " " + _(
            "A possible conflict with another registration was found; "
            "the channel manager will take it into account."
        )
    return message


TIMELINE_LABELS = {
    "deal.create": _l("Created"),
    "deal.update": _l("Changed"),
    "deal.submit": _l("Submitted"),
    "deal.resubmit": _l("Resubmitted"),
    "deal.approve": _l("Approved"),
    "deal.reject": _l("Rejected"),
    "deal.return": _l("Returned for more information"),
    "deal.withdraw": _l("Withdrawn"),
    "deal.report_won": _l("Reported won"),
    "deal.report_lost": _l("Reported lost"),
    "deal.expire": _l("Expired"),
    "deal.request_extension": _l("Extension requested"),
    "deal.grant_extension": _l("Extension granted"),
    "deal.refuse_extension": _l("Extension refused"),
    "deal.remind": _l("Expiry reminder sent"),
}
ACTION_STYLES = {
    "approve": "success",
    "reject": "danger",
    "withdraw": "outline-danger",
    "return": "outline-warning",
    "won": "success",
    "lost": "outline-secondary",
    "extension-grant": "success",
    "extension-refuse": "outline-danger",
}


def template_context(actions: dict) -> dict:
    """Labels every deal template uses."""
    return {
        "badges": STATE_BADGES,
        "state_labels": STATE_LABELS,
        "extension_labels": EXTENSION_LABELS,
        "rejection_reasons": REJECTION_REASONS,
        "timeline_labels": TIMELINE_LABELS,
        "action_styles": ACTION_STYLES,
        "form_events": {name: spec.event for name, spec in actions.items()},
    }
