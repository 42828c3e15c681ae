"""Pre-computed monthly sales per partner, territory and currency that the dashboards read."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Integer, String
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
