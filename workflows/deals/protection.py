"""How long an approved registration is protected: the default, or a program's own period.

A program that rewards registered deals (`eligible.registered_deals_only`) may set
`deal_protection_days`. A registration gets the longest such period among the programs that
cover it on the decision day, else the configured default (DEAL_PROTECTION_DAYS). A program
covers a registration when:

- its period (if it has a fixed one) contains the day;
- the partner's territory on that day is within one of its territories;
- the partner's tier on that day is one of its tiers;
- one of the registration's categories (chosen, or of its chosen products) overlaps one of its
  categories — one contains the other, as for conflicts — or one of its SKUs is among the
  registration's products or within one of its categories (categories and SKUs together admit
  either, as they do for sale lines).

Empty filters let everything through. Ties go to the program code that sorts first, so the
outcome does not depend on the order programs are read in.

`best_program` is pure; `protection_for` reads what it needs in a handful of queries (none
when no program sets a period).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import select

from portal.extensions import db
from portal.models import (
    Category,
    DealRegistration,
    PartnerTerritory,
    PartnerTier,
    Product,
    Program,
    ProgramVersion,
    Territory,
)
from portal.models.partners import current_range
from workflows.engine import spec_from_dict

from .conflicts import effective_categories


@dataclass(frozen=True)
class DealFacts:
    """What the rules look at: the partner on the day, and what the registration covers."""

    territory_path: str | None
    tier: str | None
    category_paths: tuple[str, ...]
    skus: frozenset[str]


@dataclass(frozen=True)
class ProgramTerms:
    """A program's protection period and its eligibility, with codes resolved to tree paths."""

    program_id: int
    code: str
    days: int
    first_day: date | None = None
    last_day: date | None = None
    territory_paths: tuple[str, ...] = ()
    tiers: frozenset[str] = frozenset()
    category_paths: tuple[str, ...] = ()
    sku_paths: tuple[tuple[str, str], ...] = ()  # (sku, its category's path)


@dataclass(frozen=True)
class Protection:
    days: int
    program_id: int | None = None


def _overlap(a: str, b: str) -> bool:
    return a.startswith(b) or b.startswith(a)


def covers(terms: ProgramTerms, facts: DealFacts, day: date) -> bool:
    if terms.first_day is not None and not (terms.first_day <= day <= terms.last_day):
        return False
    if terms.territory_paths and not (
        facts.territory_path
        and any(facts.territory_path.startswith(p) for p in terms.territory_paths)
    ):
        return False
    if terms.tiers and facts.tier not in terms.tiers:
        return False
    if not (terms.category_paths or terms.sku_paths):
        return True
    in_category = any(
        _overlap(mine, theirs) for mine in facts.category_paths for theirs in terms.category_paths
    )
    return in_category or any(
        sku in facts.skus or any(path.startswith(mine) for mine in facts.category_paths)
        for sku, path in terms.sku_paths
    )


def best_program(terms: Iterable[ProgramTerms], facts: DealFacts, day: date) -> ProgramTerms | None:
    """The covering program with the longest period; ties to the first code."""
    covering = [t for t in terms if covers(t, facts, day)]
    return min(covering, key=lambda t: (-t.days, t.code), default=None)


def _terms_of_programs() -> list[ProgramTerms]:
    """Every program whose current version sets deal_protection_days, codes resolved."""
    rows = db.session.execute(
        select(Program.id, Program.code, ProgramVersion.spec).join(
            ProgramVersion,
            (ProgramVersion.program_id == Program.id)
            & (ProgramVersion.version == Program.current_version),
        )
    ).all()
    specs = [
        (program_id, code, spec_from_dict(spec))
        for program_id, code, spec in rows
        if spec.get("deal_protection_days")
    ]
    if not specs:
        return []
    territory_codes = {c for _, _, s in specs for c in s.eligible.territories}
    category_codes = {c for _, _, s in specs for c in s.eligible.categories}
    skus = {c for _, _, s in specs for c in s.eligible.skus}
    territories = dict(
        db.session.execute(
            select(Territory.code, Territory.path).where(Territory.code.in_(territory_codes))
        ).all()
    )
    categories = dict(
        db.session.execute(
            select(Category.code, Category.path).where(Category.code.in_(category_codes))
        ).all()
    )
    sku_paths = dict(
        db.session.execute(
            select(Product.sku, Category.path)
            .join(Category, Product.category_id == Category.id)
            .where(Product.sku.in_(skus))
        ).all()
    )
    return [
        ProgramTerms(
            program_id=program_id,
            code=code,
            days=spec.deal_protection_days,
            first_day=spec.period.start if spec.period else None,
            last_day=spec.period.end if spec.period else None,
            # A code that no longer exists matches nothing (a filter is never dropped).
            territory_paths=tuple(territories.get(c, "\0") for c in spec.eligible.territories),
            tiers=frozenset(spec.eligible.partner_tiers),
            category_paths=tuple(categories.get(c, "\0") for c in spec.eligible.categories),
            sku_paths=tuple((c, sku_paths.get(c, "\0")) for c in spec.eligible.skus),
        )
        for program_id, code, spec in specs
    ]


def deal_facts(deal: DealRegistration, day: date) -> DealFacts:
    territory_path = db.session.scalar(
        select(Territory.path)
        .join(PartnerTerritory, PartnerTerritory.territory_id == Territory.id)
        .where(PartnerTerritory.partner_id == deal.partner_id, current_range(PartnerTerritory, day))
    )
    tier = db.session.scalar(
        select(PartnerTier.tier).where(
            PartnerTier.partner_id == deal.partner_id, current_range(PartnerTier, day)
        )
    )
    return DealFacts(
        territory_path=territory_path,
        tier=tier,
        category_paths=tuple(c.path for c in effective_categories(deal)),
        skus=frozenset(p.sku for p in deal.products),
    )


def protection_for(deal: DealRegistration, day: date) -> Protection:
    """The protection an approval on `day` gives: a covering program's period, or the default."""
    terms = _terms_of_programs()
    best = best_program(terms, deal_facts(deal, day), day) if terms else None
    if best is None:
        return Protection(current_app.config["DEAL_PROTECTION_DAYS"])
    return Protection(best.days, best.program_id)
