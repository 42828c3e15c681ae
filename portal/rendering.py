"""Template helpers: locale-aware money, numbers and dates, and the navigation for each role."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache

from flask import current_app, g, has_app_context, request, url_for
from flask_babel import (
    format_decimal,
    get_locale,
    get_translations,
    gettext,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from . import labels
from .dates import show_date, show_datetime, show_period
from .formatting import (
    amount_with_code,
    measure,
    money,
    money_precise,
    percent,
    points,
    quantity,
    rate,
    threshold,
    units,
)
from .models import Role
from .security import Perm, can, role_can


@dataclass(frozen=True)
class NavLink:
    endpoint: str
    label: str
    perm: Perm | None = None


@dataclass(frozen=True)
class NavGroup:
    """A menu in the navigation bar; shown as a plain link when the user may open one page."""

    label: str
    links: tuple[NavLink, ...]


NAVIGATION: tuple[NavLink | NavGroup, ...] = (
    NavLink("main.dashboard", _l("Dashboard")),
    NavLink("onboarding.status", _l("My application"), Perm.APPLY_AS_PARTNER),
    NavGroup(
        _l("Partners"),
        (
            NavLink("partners.index", _l("Partners"), Perm.VIEW_PARTNERS),
            NavLink("onboarding.applications", _l("Applications"), Perm.VIEW_APPLICATIONS),
            NavLink("team.index", _l("Team"), Perm.MANAGE_TEAM),
            NavLink("banking.accounts_page", _l("Payout accounts"), Perm.MANAGE_PAYOUT_ACCOUNTS),
            NavLink("partners.territories", _l("Territories"), Perm.VIEW_TERRITORIES),
            NavLink("dashboards.territories", _l("Territory roll-up"), Perm.VIEW_TERRITORIES),
            NavLink("onboarding.rules", _l("Country rules"), Perm.MANAGE_COUNTRY_RULES),
        ),
    ),
    NavGroup(
        _l("Sales"),
        (
            NavLink("partners.sales", _l("Sales"), Perm.VIEW_SALES),
            NavLink("imports.index", _l("Imports"), Perm.IMPORT_DATA),
        ),
    ),
    NavGroup(
        _l("Deals"),
        (
            NavLink("deals.index", _l("Deals"), Perm.VIEW_DEALS),
            NavLink("deals.queue", _l("Deal reviews"), Perm.REVIEW_DEALS),
        ),
    ),
    NavGroup(
        _l("Incentives"),
        (
            NavLink("calc.rewards", _l("Rewards"), Perm.VIEW_CALC_RESULTS),
            NavLink("contests.index", _l("Contests"), Perm.VIEW_CONTESTS),
            NavLink("contest_trips.awards_page", _l("Your awards"), Perm.MANAGE_TRIP_SEATS),
            NavLink("contest_trips.trips", _l("Incentive trips"), Perm.VIEW_TRIP_TRAVELLERS),
            NavLink("payables.claim_list", _l("Claims"), Perm.VIEW_CLAIMS),
            NavLink("payables.statement_index", _l("Statements"), Perm.VIEW_STATEMENTS),
            NavLink("programs.index", _l("Programs"), Perm.MANAGE_PROGRAMS),
            NavLink("calc.run_list", _l("Calculations"), Perm.RUN_CALCULATIONS),
            NavLink("calc.payouts", _l("Payouts"), Perm.EXPORT_PAYOUTS),
            NavLink("payables.batch_list", _l("Payout batches"), Perm.MANAGE_PAYOUT_BATCHES),
            NavLink("banking.queue", _l("Payout accounts to verify"), Perm.VERIFY_PAYOUT_ACCOUNTS),
        ),
    ),
    NavGroup(
        _l("Marketing funds"),
        (
            NavLink("mdf.funds", _l("Funds"), Perm.VIEW_MDF),
            NavLink("mdf.requests", _l("Fund requests"), Perm.VIEW_MDF),
            NavLink("mdf.queue", _l("Fund reviews"), Perm.APPROVE_MDF),
            NavLink("mdf.activity_types", _l("Activity types"), Perm.MANAGE_FUNDS),
        ),
    ),
    NavGroup(
        _l("Loyalty"),
        (
            NavLink("rewards.balance", _l("Points"), Perm.VIEW_POINTS),
            NavLink("rewards.catalog", _l("Reward catalog"), Perm.VIEW_POINTS),
            NavLink("rewards.redemption_list", _l("Redemptions"), Perm.VIEW_POINTS),
        ),
    ),
    NavLink("resources.index", _l("Resources"), Perm.VIEW_RESOURCES),
    NavGroup(
        _l("Administration"),
        (
            NavLink("admin.users", _l("Users"), Perm.MANAGE_USERS),
            NavLink("admin.sso_providers", _l("Single sign-on"), Perm.MANAGE_USERS),
            NavLink("agreements.index", _l("Agreements"), Perm.PUBLISH_AGREEMENTS),
            NavLink("audit.index", _l("Audit log"), Perm.VIEW_AUDIT),
            NavLink("webhooks.index", _l("Webhooks"), Perm.MANAGE_WEBHOOKS),
            NavLink("health.index", _l("System health"), Perm.VIEW_HEALTH),
        ),
    ),
)


def import_error_message(error: dict) -> str:
    """Translate a stored row error: its English template is the catalog key."""
    return gettext(error["message"], **(error.get("params") or {}))


def navigation_for(user) -> tuple[NavLink | NavGroup, ...]:
    """What `user` may open, in menu order: a menu keeps the pages the user may open and becomes
    a plain link when that is one page; a menu with none is left out."""
    if not user.is_authenticated:
        return ()
    return _navigation(Role(user.role) if user.active else None)


@dataclass(frozen=True)
class ShownLink:
    """A navigation link as the layout shows it: translated, its address built."""

    endpoint: str
    label: str
    url: str


@dataclass(frozen=True)
class ShownGroup:
    label: str
    links: tuple[ShownLink, ...]
    endpoints: frozenset[str]


def shown_navigation(user) -> tuple[ShownLink | ShownGroup, ...]:
    """`navigation_for(user)` with its labels in the request's language and its addresses
    built. The layout showed it on every page, a label and a `url_for` per link (some thirty);
    what it shows depends only on the role, the language and where the portal is mounted."""
    if not user.is_authenticated:
        return ()
    role = Role(user.role) if user.active else None
    return _shown_navigation(role, str(get_locale()), request.script_root)


@lru_cache(maxsize=64)  # roles × languages × mount points (one, unless a proxy sets a prefix)
def _shown_navigation(role: Role | None, locale: str, script_root: str):
    """Built in a request whose language is `locale` and mount point `script_root`."""

    def shown(link: NavLink) -> ShownLink:
        return ShownLink(link.endpoint, str(link.label), url_for(link.endpoint))

    entries: list[ShownLink | ShownGroup] = []
    for entry in _navigation(role):
        if isinstance(entry, NavLink):
            entries.append(shown(entry))
            continue
        links = tuple(shown(link) for link in entry.links)
        endpoints = frozenset(link.endpoint for link in links)
        entries.append(ShownGroup(str(entry.label), links, endpoints))
    return tuple(entries)


@cache
def _navigation(role: Role | None) -> tuple[NavLink | NavGroup, ...]:
    """The menu of an active user of `role` (None: an inactive user, who holds no permission);
    it depends on nothing else, so each process builds it once per role."""

    def allowed(link: NavLink) -> bool:
        return link.perm is None or (role is not None and role_can(role, link.perm))

    entries: list[NavLink | NavGroup] = []
    for entry in NAVIGATION:
        if isinstance(entry, NavLink):
            entries.extend([entry] if allowed(entry) else [])
            continue
        links = tuple(link for link in entry.links if allowed(link))
        if len(links) == 1:
            entries.append(links[0])
        elif links:
            entries.append(NavGroup(entry.label, links))
    return tuple(entries)


def _translations():
    """The translations of the locale in effect. Flask-Babel finds them on every call through
    the request's context, its domain and the locale's name, and a page translates dozens of
    strings (the navigation alone some thirty): they are kept on `g` with the locale they are
    for, so a `force_locale` block gets its own."""
    if not has_app_context():
        return get_translations()
    locale = get_locale()
    kept = g.get("_portal_translations")
    if kept is None or kept[0] is not locale:
        kept = g._portal_translations = (locale, get_translations())
    return kept[1]


def register_template_helpers(app) -> None:
    # Flask-Babel's own callables, with the translations looked up once per request and locale
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
    )
    app.jinja_env.filters.update(
        money=money,
        money_precise=money_precise,
        amount_with_code=amount_with_code,
        points=points,
        quantity=quantity,
        units=units,
        percent=percent,
        rate=rate,
        measure=measure,
        threshold=threshold,
        date=show_date,
        datetime=show_datetime,
        period=show_period,
        number=lambda n: format_decimal(n) if n is not None else "",
    )
    labels.register(app)

    @app.context_processor
    def inject_shell():
        return {
            "navigation": shown_navigation(current_user),
            "current_locale": str(get_locale()),
            "languages": current_app.config["LANGUAGES"],
            "can": lambda perm: can(current_user, Perm(perm)),
            "import_error_message": import_error_message,
        }
