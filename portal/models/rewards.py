"""Loyalty points: the append-only ledger, its FIFO allocations, the catalog, redemptions, levels.

Balances are never stored: they are sums over `points_entries`. Entries with positive points of
kind earn/adjust/award (a contest's points) are *lots* that expire; entries with negative points
consume lots, oldest-expiring first, and `points_allocations` records which lot each consumed
point came from.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .partners import Partner
from .types import UTCDateTime, utcnow

ENTRY_KINDS = ("earn", "adjust", "award", "hold", "release", "redeem", "expire")
LOT_KINDS = ("earn", "adjust", "award")  # award: a contest's points, posted on approval
REDEMPTION_STATES = ("requested", "approved", "rejected")


class PointsEntry(db.Model):
    """One ledger row; corrections are new rows, never updates; `source` makes posting
    idempotent."""

    __tablename__ = "points_entries"
    __table_args__ = (Index("ix_points_entries_partner_day", "partner_id", "occurred_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    program_id: Mapped[int | None] = mapped_column(ForeignKey("programs.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    points: Mapped[int] = mapped_column(BigInteger)
    occurred_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(160), unique=True)
    redemption_id: Mapped[int | None] = mapped_column(ForeignKey("redemptions.id"), index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    partner: Mapped[Partner] = relationship()


class PointsAllocation(db.Model):
    """`points` of lot `lot_id` consumed by entry `consumer_id` (negative when a release returns
    them)."""

    __tablename__ = "points_allocations"

    id: Mapped[int] = mapped_column(primary_key=True)
    consumer_id: Mapped[int] = mapped_column(ForeignKey("points_entries.id"), index=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("points_entries.id"), index=True)
    points: Mapped[int] = mapped_column(BigInteger)


class RewardItem(db.Model):
    """A catalog item partners redeem points for; stock is optional (None = unlimited)."""

    __tablename__ = "reward_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    image_url: Mapped[str | None] = mapped_column(String(500))
    points_cost: Mapped[int] = mapped_column(BigInteger)
    active: Mapped[bool] = mapped_column(default=True)
    stock: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Redemption(db.Model):
    """A partner admin's request: points held at request, spent on approval, released on
    rejection."""

    __tablename__ = "redemptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("reward_items.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    points: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default="requested", index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    partner: Mapped[Partner] = relationship()
    item: Mapped[RewardItem] = relationship()


class LoyaltyLevel(db.Model):
    """A status level of a loyalty program: reached with `min_points` earned in 12 months."""

    __tablename__ = "loyalty_levels"
    __table_args__ = (UniqueConstraint("program_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    min_points: Mapped[int] = mapped_column(BigInteger)


class PartnerLevel(db.Model):
    """The level the periodic job last computed for a partner in a program (a derived cache)."""

    __tablename__ = "partner_levels"
    __table_args__ = (UniqueConstraint("partner_id", "program_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"))
    level_id: Mapped[int | None] = mapped_column(ForeignKey("loyalty_levels.id"))
    points_12m: Mapped[int] = mapped_column(BigInteger)
    computed_on: Mapped[date] = mapped_column(Date)

    level: Mapped[LoyaltyLevel | None] = relationship()
