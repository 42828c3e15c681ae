"""Queries behind the partner, sales and territory pages; every one goes through visible_to."""

from __future__ import annotations

from datetime import date
from functools import cache

from sqlalchemy import Date, Select, bindparam, func, literal, select, union_all
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Partner, PartnerTerritory, PartnerTier, SaleLine, Territory
from ..models.onboarding import PartnerProfile
from ..models.partners import current_range
from ..security import scoped, visible_to


def saved_profile(partner: Partner) -> PartnerProfile | None:
    """The company details saved for `partner`, an organisation the caller may already see."""
    return db.session.scalar(select(PartnerProfile).where(PartnerProfile.partner_id == partner.id))


def partners_query(user, search: str = ""):
    stmt = select(Partner).order_by(Partner.code)
    if search:
        pattern = f"%{search.lower()}%"
        stmt = stmt.where(
            func.lower(Partner.name).like(pattern) | func.lower(Partner.code).like(pattern)
        )
    return visible_to(stmt, user, Partner)


def current_assignments(
    partner_ids: list[int], on: date | None = None
) -> dict[int, tuple[str, str]]:
    """(territory name, tier) on `on` for each partner id, in one set-based query."""
    day = on or date.today()
    territories = (
        select(PartnerTerritory.partner_id, literal("territory"), Territory.name)
        .join(Territory, Territory.id == PartnerTerritory.territory_id)
        .where(PartnerTerritory.partner_id.in_(partner_ids), current_range(PartnerTerritory, day))
    )
    tiers = select(PartnerTier.partner_id, literal("tier"), PartnerTier.tier).where(
        PartnerTier.partner_id.in_(partner_ids), current_range(PartnerTier, day)
    )
    found: dict[str, dict[int, str]] = {"territory": {}, "tier": {}}
    for partner_id, kind, value in db.session.execute(union_all(territories, tiers)):
        found[kind][partner_id] = value
    return {
        pid: (found["territory"].get(pid, ""), found["tier"].get(pid, "")) for pid in partner_ids
    }


@cache
def _organisation() -> Select:
    """Partners with their territory name and tier on the day bound as `on` (scalar subqueries:
    the ranges of one partner never overlap); built once per process, the reader's scope is
    added per call."""
    on = bindparam("on", type_=Date)
    territory = (
        select(Territory.name)
        .join(PartnerTerritory, PartnerTerritory.territory_id == Territory.id)
        .where(PartnerTerritory.partner_id == Partner.id, current_range(PartnerTerritory, on))
        .limit(1)
        .scalar_subquery()
    )
    tier = (
        select(PartnerTier.tier)
        .where(PartnerTier.partner_id == Partner.id, current_range(PartnerTier, on))
        .limit(1)
        .scalar_subquery()
    )
    return select(Partner, territory, tier)


def own_organisation(user, on: date) -> tuple[Partner | None, tuple[str, str] | None]:
    """A partner user's organisation with its (territory name, tier) on `on`, as
    `current_assignments` gives them, in one statement through visible_to; (None, None) for
    users of no organisation. Loaded into the session, so `user.partner` needs no query."""
    if user.partner_id is None:
        return None, None
    stmt, scope = scoped(_own_organisation(), user, Partner)
    row = db.session.execute(stmt, {**scope, "on": on, "own": user.partner_id}).first()
    if row is None:
        return None, None
    return row[0], (row[1] or "", row[2] or "")


@cache
def _own_organisation() -> Select:
    """`_organisation()` of the partner bound as `own`; built once per process."""
    return _organisation().where(Partner.id == bindparam("own"))


@cache
def _partner_count() -> Select:
    return select(func.count(Partner.id))


def count_visible(user) -> int:
    """How many partners `user` may see."""
    return db.session.scalar(*scoped(_partner_count(), user, Partner))


def sales_query(
    user, *, partner_id: int | None = None, start: date | None = None, end: date | None = None
):
    stmt = (
        select(SaleLine)
        .options(selectinload(SaleLine.partner), selectinload(SaleLine.product))
        .order_by(SaleLine.sold_on.desc(), SaleLine.id.desc())
    )
    if partner_id:
        stmt = stmt.where(SaleLine.partner_id == partner_id)
    if start:
        stmt = stmt.where(SaleLine.sold_on >= start)
    if end:
        stmt = stmt.where(SaleLine.sold_on <= end)
    return visible_to(stmt, user, SaleLine)


def territory_tree(user) -> list[Territory]:
    """Visible territories in tree order (by path), with their partner counts today."""
    return list(
        db.session.scalars(visible_to(select(Territory), user, Territory).order_by(Territory.path))
    )


def partner_counts_by_territory(territory_ids: list[int]) -> dict[int, int]:
    rows = db.session.execute(
        select(PartnerTerritory.territory_id, func.count())
        .where(
            PartnerTerritory.territory_id.in_(territory_ids),
            current_range(PartnerTerritory, date.today()),
        )
        .group_by(PartnerTerritory.territory_id)
    ).all()
    return dict(rows)


def sales_totals_for_partner(user, partner_id: int):
    stmt = (
        select(SaleLine.currency, func.count(), func.sum(SaleLine.amount))
        .where(SaleLine.partner_id == partner_id)
        .group_by(SaleLine.currency)
        .order_by(SaleLine.currency)
    )
    return db.session.execute(visible_to(stmt, user, SaleLine)).all()
