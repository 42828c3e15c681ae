"""Scoped sales sums for the manager pages, read from the pre-aggregates of workflows/rollups.py.

A manager may see the roll-up rows of the partners whose territory *today* lies in their
subtrees (`visible_to(…, SalesMonthly)`). Summed per territory instead (`sales_territory_monthly`,
gated by territory), the two agree for every partner whose rows all lie under its territory of
today; for the few others (moved, or with sales outside every assignment) their own rows are
taken out of the territory sums and added back through the partner gate. Figures are therefore
the same sums as before, to the unit, read from a few rows per territory.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from sqlalchemy import Select, and_, func, or_, select

from ..extensions import db
from ..models import (
    PartnerTerritory,
    Role,
    SalesMonthly,
    SalesPartnerTerritory,
    SalesTerritoryMonthly,
)
from ..models.partners import current_range
from ..security import managed_territory_ids, visible_to

Sums = dict[tuple[int | None, date, str], list]  # (territory, month, currency) → [lines, amount]


def moved_partners(today: date) -> Select:
    """Partners with roll-up rows not all under their territory of `today`."""
    home = SalesPartnerTerritory
    return (
        select(home.partner_id)
        .outerjoin(
            PartnerTerritory,
            and_(
                PartnerTerritory.partner_id == home.partner_id,
                current_range(PartnerTerritory, today),
            ),
        )
        .where(
            or_(
                home.territory_id.is_(None),
                PartnerTerritory.territory_id.is_(None),
                PartnerTerritory.territory_id != home.territory_id,
            )
        )
    )


def territory_sums(
    user, first: date, last: date, today: date, territory_ids: Iterable[int] | None = None
) -> Sums:
    """Lines and amount per territory (of the sale date), month and currency of the roll-up rows
    `user` may see, months `first` to `last`; only territories among `territory_ids` if given."""
    role = Role(user.role)
    if role not in (Role.CHANNEL_MANAGER, Role.FINANCE, Role.ADMIN):
        return _from_partner_rows(user, first, last, territory_ids)
    chosen = None if territory_ids is None else list(territory_ids)
    sums: Sums = defaultdict(lambda: [0, Decimal(0)])
    stm = SalesTerritoryMonthly
    stmt = select(stm.territory_id, stm.month, stm.currency, stm.line_count, stm.amount).where(
        stm.month >= first, stm.month <= last
    )
    if chosen is not None:
        stmt = stmt.where(stm.territory_id.in_(chosen))
    for territory_id, month, currency, lines, amount in db.session.execute(
        visible_to(stmt, user, stm)
    ):
        _add(sums, (territory_id, month, currency), lines, amount)
    if role is not Role.CHANNEL_MANAGER:
        return sums  # finance and admin see every row: nothing to correct
    moved = list(db.session.scalars(moved_partners(today)))
    if not moved:
        return sums
    # their rows as the territory gate counted them, out …
    own = _partner_rows(moved, first, last, chosen)
    for row in db.session.execute(
        own.where(SalesMonthly.territory_id.in_(managed_territory_ids(user)))
    ):
        _add(sums, row[:3], -row[3], -row[4])
    # … and as the partner gate shows them, back in
    for row in db.session.execute(visible_to(own, user, SalesMonthly)):
        _add(sums, row[:3], row[3], row[4])
    return sums


def _add(sums: Sums, key, lines: int, amount: Decimal) -> None:
    entry = sums[tuple(key)]
    entry[0] += lines
    entry[1] += amount
    if entry[0] == 0:  # every row taken out again: as if it had never been counted
        del sums[tuple(key)]


def _partner_rows(
    partner_ids: list[int] | None, first: date, last: date, territory_ids: list[int] | None
) -> Select:
    sm = SalesMonthly
    stmt = (
        select(sm.territory_id, sm.month, sm.currency)
        .add_columns(func.sum(sm.line_count), func.sum(sm.amount))
        .where(sm.month >= first, sm.month <= last)
        .group_by(sm.territory_id, sm.month, sm.currency)
    )
    if partner_ids is not None:
        stmt = stmt.where(sm.partner_id.in_(partner_ids))
    if territory_ids is not None:
        stmt = stmt.where(sm.territory_id.in_(territory_ids))
    return stmt


def _from_partner_rows(user, first: date, last: date, territory_ids) -> Sums:
    """The same sums straight from the partners' rows (roles the territory gate shows none)."""
    chosen = None if territory_ids is None else list(territory_ids)
    sums: Sums = defaultdict(lambda: [0, Decimal(0)])
    stmt = visible_to(_partner_rows(None, first, last, chosen), user, SalesMonthly)
    for row in db.session.execute(stmt):
        _add(sums, row[:3], row[3], row[4])
    return sums
