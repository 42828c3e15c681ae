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
from functools import cache

from sqlalchemy import Date, Select, bindparam, func, or_, select

from ..extensions import db
from ..models import (
    Role,
    SalesMonthly,
    SalesPartnerTerritory,
    SalesTerritoryMonthly,
)
from ..security import managed_territory_ids, scoped, visible_to

Sums = dict[tuple, list]  # (territory or month, currency) → [lines, amount]


@cache
def _moved_partners() -> Select:
    """Partners with roll-up rows not all under their territory on the day bound as `today`,
    or whose assignments changed since the roll-up (their settled days were cleared). Built
    once per process; the day is its one parameter."""
    home, today = SalesPartnerTerritory, bindparam("today", type_=Date)
    return select(home.partner_id).where(
        or_(
            home.territory_id.is_(None),
            home.settled_from.is_(None),
            home.settled_from > today,
            home.settled_to <= today,
        )
    )


def moved_partners(today: date) -> list[int]:
    """Partners with roll-up rows not all under their territory of `today`."""
    return list(db.session.scalars(_moved_partners(), {"today": today}))


def territory_sums(
    user,
    first: date,
    last: date,
    today: date,
    *,
    by: str,
    territory_ids: Iterable[int] | None = None,
) -> Sums:
    """Lines and amount of the roll-up rows `user` may see, months `first` to `last`, per
    (territory of the sale date, currency) when `by` is "territory" or per (month, currency)
    when it is "month"; only rows of territories among `territory_ids` if given."""
    role = Role(user.role)
    chosen = territory_ids is not None
    months = {"first": first, "last": last}
    if chosen:
        months["territory_ids"] = list(territory_ids)
    sums: Sums = defaultdict(lambda: [0, Decimal(0)])
    if role not in (Role.CHANNEL_MANAGER, Role.FINANCE, Role.ADMIN):
        # the territory gate shows these roles nothing: the partners' rows it is
        stmt, scope = scoped(_grouped(SalesMonthly, by, chosen), user, SalesMonthly)
        for row in db.session.execute(stmt, {**scope, **months}):
            _add(sums, row[:2], row[2], row[3])
        return sums
    stm = SalesTerritoryMonthly
    stmt, scope = scoped(_grouped(stm, by, chosen), user, stm)
    for row in db.session.execute(stmt, {**scope, **months}):
        _add(sums, row[:2], row[2], row[3])
    if role is not Role.CHANNEL_MANAGER:
        return sums  # finance and admin see every row: nothing to correct
    moved = moved_partners(today)
    if not moved:
        return sums
    # their rows as the territory gate counted them, out …
    own = _grouped(SalesMonthly, by, chosen).where(SalesMonthly.partner_id.in_(moved))
    for row in db.session.execute(
        own.where(SalesMonthly.territory_id.in_(managed_territory_ids(user))), months
    ):
        _add(sums, row[:2], -row[2], -row[3])
    # … and as the partner gate shows them, back in
    for row in db.session.execute(visible_to(own, user, SalesMonthly), months):
        _add(sums, row[:2], row[2], row[3])
    return sums


def _add(sums: Sums, key, lines: int, amount: Decimal) -> None:
    entry = sums[tuple(key)]
    entry[0] += lines
    entry[1] += amount
    if entry[0] == 0:  # every row taken out again: as if it had never been counted
        del sums[tuple(key)]


@cache
def _grouped(model, by: str, chosen: bool) -> Select:
    """Lines and amount of `model`'s rows (the roll-up or its territory sums) per `by` and
    currency, months `first` to `last`, only rows of the territories `territory_ids` when
    `chosen`. Built once per process: the three are bound per call, the reader's scope is added
    per call."""
    key = {"territory": model.territory_id, "month": model.month}[by]
    stmt = (
        select(key, model.currency)
        .add_columns(func.sum(model.line_count), func.sum(model.amount))
        .where(
            model.month >= bindparam("first", type_=Date, literal_execute=True),
            model.month <= bindparam("last", type_=Date, literal_execute=True),
        )
        .group_by(key, model.currency)
    )
    if chosen:
        stmt = stmt.where(
            model.territory_id.in_(bindparam("territory_ids", expanding=True, literal_execute=True))
        )
    return stmt
