"""Country → territory rules: which managers review an application from a given country.

An application goes to the territory of its country's rule; without a rule, to the top of the
territory tree (the first root territory), so the most senior managers see it rather than nobody.
Changing or removing a rule re-routes the applications of that country that are still open.
"""

from __future__ import annotations

from sqlalchemy import select, update

from portal.foundation.audit import record_event
from workflows.engine.i18n import N_
from workflows.onboarding.errors import OnboardingError

from ..extensions import db
from ..models import CountryTerritoryRule, PartnerApplication, Territory
from ..security import Perm, ensure
from .countries import country_codes

ROUTED_STATES = ("draft", "submitted", "needs_info", "resubmitted")


def fallback_territory() -> Territory | None:
    return db.session.scalar(
        select(Territory).where(Territory.parent_id.is_(None)).order_by(Territory.id).limit(1)
    )


def territory_for_country(country: str) -> Territory | None:
    rule = db.session.scalar(
        select(CountryTerritoryRule).where(CountryTerritoryRule.country == country)
    )
    return rule.territory if rule is not None else fallback_territory()


def _reroute(country: str) -> int:
    territory = territory_for_country(country)
    result = db.session.execute(
        update(PartnerApplication)
        .where(
            PartnerApplication.country == country,
            PartnerApplication.state.in_(ROUTED_STATES),
        )
        .values(territory_id=territory.id if territory else None)
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount


def set_rule(country: str, territory: Territory, *, actor) -> CountryTerritoryRule:
    """Route `country` to `territory` (creating or changing its rule) and re-route open
    applications from that country."""
    ensure(actor, Perm.MANAGE_COUNTRY_RULES)
    country = (country or "").upper()
    if country not in country_codes():
        raise OnboardingError(N_("Choose a country."), field="country")
    rule = db.session.scalar(
        select(CountryTerritoryRule).where(CountryTerritoryRule.country == country)
    )
    before = {"territory": rule.territory.code} if rule else None
    if rule is None:
        rule = CountryTerritoryRule(country=country, territory=territory)
        db.session.add(rule)
    else:
        rule.territory = territory
    db.session.flush()
    moved = _reroute(country)
    record_event(
        actor,
        "country_rule.set",
        rule,
        before=before,
        after={"country": country, "territory": territory.code, "rerouted": moved},
    )
    return rule


def delete_rule(rule: CountryTerritoryRule, *, actor) -> None:
    ensure(actor, Perm.MANAGE_COUNTRY_RULES)
    country, code = rule.country, rule.territory.code
    record_event(actor, "country_rule.delete", rule, before={"country": country, "territory": code})
    db.session.delete(rule)
    db.session.flush()
    _reroute(country)
