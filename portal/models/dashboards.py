"""Pre-computed monthly sales per partner, territory and currency that the dashboards read."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import Amount, Quantity


class SalesMonthly(db.Model):
    """Sum of a partner's lines in one month and currency, under the territory effective on each
    line's `sold_on` (a mid-month move splits the month). Rebuilt set-based from sale_lines."""

    __tablename__ = "sales_monthly"
    __table_args__ = (
        Index("ix_sales_monthly_month_territory", "month", "territory_id"),
        # ids only ever grow (SQLite too), so the newest id versions the roll-up for caches
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    month: Mapped[date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    territory_id: Mapped[int | None] = mapped_column(ForeignKey("territories.id"))
    amount: Mapped[Decimal] = mapped_column(Amount)
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    line_count: Mapped[int] = mapped_column(Integer)


class SalesTerritoryMonthly(db.Model):
    """`sales_monthly` summed over partners: one row per territory (the one effective on the
    lines' `sold_on`, as there), month and currency. A manager's subtree or a roll-up child is a
    few of these rows; `portal/dashboards/figures.py` corrects them for the partners whose rows
    do not all lie under their territory of today. Rebuilt with `sales_monthly`, month by month."""

    __tablename__ = "sales_territory_monthly"
    __table_args__ = (Index("ix_sales_territory_monthly_month_territory", "month", "territory_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    territory_id: Mapped[int | None] = mapped_column(ForeignKey("territories.id"))
    month: Mapped[date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal] = mapped_column(Amount)
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    line_count: Mapped[int] = mapped_column(Integer)


UNSETTLED = text("territory_id IS NULL OR settled_from IS NULL")


class SalesPartnerTerritory(db.Model):
    """Per partner with roll-up rows: the one territory all of them name, or none when they name
    several (a move) or none (sales outside every assignment). A partner whose territory of
    today differs is one whose rows the territory sums above must be corrected for.

    `settled_from` to `settled_to` (open-ended when None) is the range of days of an
    assignment to that territory: on those days the partner is not one to correct for, which
    the manager pages read from this table alone instead of joining every partner's
    assignments. Any write to a partner's assignments clears its range (a trigger, migration
    0027), so a move shows at once, before the next roll-up; a partner without a range is
    corrected for, which costs a page a little time but never a wrong figure."""

    __tablename__ = "sales_partner_territory"
    # the pages ask for the partners without settled days or outside them today: three index
    # probes that find the few, instead of reading a row per partner
    __table_args__ = (
        Index(
            "ix_sales_partner_territory_unsettled",
            "partner_id",
            postgresql_where=UNSETTLED,
            sqlite_where=UNSETTLED,
        ),
    )

    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), primary_key=True)
    territory_id: Mapped[int | None] = mapped_column(ForeignKey("territories.id"))
    settled_from: Mapped[date | None] = mapped_column(Date, index=True)
    settled_to: Mapped[date | None] = mapped_column(Date, index=True)


class SalesQuarterLeader(db.Model):
    """Each partner's revenue from the quarter's first month through `through_month`, in the base
    currency at the rates `rates_key` names (None: a currency without a rate), for the managers'
    leaderboard: valid while the month and the latest rates are still those."""

    __tablename__ = "sales_quarter_leaders"
    __table_args__ = (
        Index("ix_sales_quarter_leaders_ranking", "through_month", "rates_key", "revenue_base"),
    )

    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), primary_key=True)
    through_month: Mapped[date] = mapped_column(Date)
    rates_key: Mapped[str] = mapped_column(String(64))
    revenue_base: Mapped[Decimal | None] = mapped_column(Amount)
