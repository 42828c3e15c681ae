"""Set-based maintenance of the monthly sales roll-up the dashboards read instead of sale_lines."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import Date, and_, cast, delete, func, insert, literal, or_, select

from portal.extensions import db
from portal.foundation import data_version, planner_stats
from portal.models import PartnerTerritory, SaleLine, SalesMonthly

sales = SaleLine.__table__
assignments = PartnerTerritory.__table__
monthly = SalesMonthly.__table__

# Imports whose commit changes the roll-up: new lines, or partners moved between territories.
ROLLUP_KINDS = ("sales", "partners")


def _month_of(column):
    """First day of the column's month, in the dialect's own date arithmetic."""
    if db.engine.dialect.name == "sqlite":
        return func.date(column, literal("start of month"))
    return cast(func.date_trunc("month", column), Date)


def next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def refresh_sales_monthly(session=None, months: Iterable[date] | None = None) -> int:
    """Rebuild the roll-up from sale_lines in one DELETE and one INSERT … SELECT … GROUP BY:
    all of it, or only `months` (their first days: what a sales import changed).

    Each line counts under the territory its partner had on `sold_on`. Amounts and quantities are
    scaled integers, so the sums are exact on SQLite and PostgreSQL alike. Readers keep seeing the
    previous roll-up until the caller commits. Returns the number of roll-up rows written.
    """
    session = session or db.session
    chosen = None if months is None else sorted({day.replace(day=1) for day in months})
    if chosen == []:
        return 0
    month = _month_of(sales.c.sold_on)
    grouped = (
        select(
            sales.c.partner_id,
            month.label("month"),
            sales.c.currency,
            assignments.c.territory_id,
            func.sum(sales.c.amount),
            func.sum(sales.c.quantity),
            func.count(),
        )
        .select_from(
            sales.outerjoin(
                assignments,
                and_(
                    assignments.c.partner_id == sales.c.partner_id,
                    assignments.c.valid_from <= sales.c.sold_on,
                    or_(assignments.c.valid_to.is_(None), assignments.c.valid_to > sales.c.sold_on),
                ),
            )
        )
        .group_by(sales.c.partner_id, month, sales.c.currency, assignments.c.territory_id)
    )
    clear = delete(monthly)
    if chosen is not None:
        # whole months, as date ranges the sold_on index can serve
        grouped = grouped.where(
            or_(
                *(
                    and_(sales.c.sold_on >= first, sales.c.sold_on < next_month(first))
                    for first in chosen
                )
            )
        )
        clear = clear.where(monthly.c.month.in_(chosen))
    session.execute(clear)
    columns = [
        "partner_id",
        "month",
        "currency",
        "territory_id",
        "amount",
        "quantity",
        "line_count",
    ]
    session.execute(insert(monthly).from_select(columns, grouped))
    data_version.mark_changed(session)
    counted = select(func.count()).select_from(monthly)
    if chosen is not None:
        counted = counted.where(monthly.c.month.in_(chosen))
    written = session.scalar(counted)
    planner_stats.wrote(session, "sales_monthly", written)
    return written
