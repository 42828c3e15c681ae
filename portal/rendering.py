"""Template helpers: locale-aware money, numbers and dates, and the navigation for each role."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import get_currency_precision
from flask import current_app
from flask_babel import (
    format_currency,
    format_date,
    format_datetime,
    format_decimal,
    get_locale,
    gettext,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .labels import label
from .security import Perm, can

NAVIGATION = (
    ("main.dashboard", _l("Dashboard"), None),
    ("onboarding.status", _l("My application"), Perm.APPLY_AS_PARTNER),
    ("partners.index", _l("Partners"), Perm.VIEW_PARTNERS),
    ("partners.sales", _l("Sales"), Perm.VIEW_SALES),
    ("deals.index", _l("Deals"), Perm.VIEW_DEALS),
    ("deals.queue", _l("Deal reviews"), Perm.REVIEW_DEALS),
    ("onboarding.applications", _l("Applications"), Perm.VIEW_APPLICATIONS),
    ("team.index", _l("Team"), Perm.MANAGE_TEAM),
    ("resources.index", _l("Resources"), Perm.VIEW_RESOURCES),
    ("partners.territories", _l("Territories"), Perm.VIEW_TERRITORIES),
    ("dashboards.territories", _l("Territory roll-up"), Perm.VIEW_TERRITORIES),
    ("imports.index", _l("Imports"), Perm.IMPORT_DATA),
    ("programs.index", _l("Programs"), Perm.MANAGE_PROGRAMS),
    ("calc.run_list", _l("Calculations"), Perm.RUN_CALCULATIONS),
    ("calc.rewards", _l("Rewards"), Perm.VIEW_CALC_RESULTS),
    ("calc.payouts", _l("Payouts"), Perm.EXPORT_PAYOUTS),
    ("rewards.balance", _l("Points"), Perm.VIEW_POINTS),
    ("rewards.catalog", _l("Reward catalog"), Perm.VIEW_POINTS),
    ("rewards.redemption_list", _l("Redemptions"), Perm.VIEW_POINTS),
    ("payables.claim_list", _l("Claims"), Perm.VIEW_CLAIMS),
    ("payables.statement_index", _l("Statements"), Perm.VIEW_STATEMENTS),
    ("payables.batch_list", _l("Payout batches"), Perm.MANAGE_PAYOUT_BATCHES),
    ("audit.index", _l("Audit log"), Perm.VIEW_AUDIT),
    ("admin.users", _l("Users"), Perm.MANAGE_USERS),
    ("onboarding.rules", _l("Country rules"), Perm.MANAGE_COUNTRY_RULES),
    ("agreements.index", _l("Agreements"), Perm.PUBLISH_AGREEMENTS),
    ("health.index", _l("System health"), Perm.VIEW_HEALTH),
    ("tokens.index", _l("API tokens"), Perm.USE_API),
)


def money(amount: Decimal | None, currency: str) -> str:
    """Round half-up to the currency's minor unit first, then format for the user's locale."""
    if amount is None:
        return ""
    quantum = Decimal(1).scaleb(-get_currency_precision(currency))
    return format_currency(amount.quantize(quantum, rounding=ROUND_HALF_UP), currency)


def import_error_message(error: dict) -> str:
    """Translate a stored row error: its English template is the catalog key."""
    return gettext(error["message"], **(error.get("params") or {}))


def navigation_for(user) -> list[tuple[str, str]]:
    if not user.is_authenticated:
        return []
    return [
        (endpoint, label) for endpoint, label, perm in NAVIGATION if perm is None or can(user, perm)
    ]


def register_template_helpers(app) -> None:
    app.jinja_env.filters.update(
        money=money,
        date=lambda d, fmt="medium": format_date(d, fmt) if d else "",
        datetime=lambda d, fmt="medium": format_datetime(d, fmt) if d else "",
        number=lambda n: format_decimal(n) if n is not None else "",
        label=label,
    )

    @app.context_processor
    def inject_shell():
        return {
            "navigation": navigation_for(current_user),
            "current_locale": str(get_locale()),
            "languages": current_app.config["LANGUAGES"],
            "can": lambda perm: can(current_user, Perm(perm)),
            "import_error_message": import_error_message,
        }
