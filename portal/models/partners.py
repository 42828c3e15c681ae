"""Partner organisations, their group parent, and effective-dated territory and tier."""

from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, UniqueConstraint, select, update
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .territories import Territory
from .trees import TreeMixin
from .types import UTCDateTime, utcnow

TIERS = ("registered", "silver", "gold", "platinum")
BEGINNING = date(1970, 1, 1)


class Partner(TreeMixin, db.Model):
    """A partner organisation; `parent_id` makes it a branch of a dealer group."""

    __tablename__ = "partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), index=True)
    country: Mapped[str] = mapped_column(String(2))
    currency: Mapped[str] = mapped_column(String(3))
    created_at = mapped_column(UTCDateTime, default=utcnow)

    parent: Mapped[Partner | None] = relationship(remote_side="Partner.id")
    territories: Mapped[list[PartnerTerritory]] = relationship(
        back_populates="partner", order_by="PartnerTerritory.valid_from"
    )
    tiers: Mapped[list[PartnerTier]] = relationship(
        back_populates="partner", order_by="PartnerTier.valid_from"
    )

    def territory_on(self, day: date) -> Territory | None:
        return next((a.territory for a in self.territories if a.covers(day)), None)

    def tier_on(self, day: date) -> str | None:
        return next((t.tier for t in self.tiers if t.covers(day)), None)

    def __repr__(self) -> str:
        return f"<Partner {self.code}>"


class EffectiveDated:
    """`valid_from` inclusive, `valid_to` exclusive (NULL = open-ended)."""

    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)

    def covers(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day < self.valid_to)


# A range ends after it starts; on PostgreSQL the rows of one partner also never overlap
# (a deferred exclusion constraint, migration 0011).
RANGE_ENDS_AFTER_START = "valid_to IS NULL OR valid_to > valid_from"


class PartnerTerritory(EffectiveDated, db.Model):
    __tablename__ = "partner_territories"
    __table_args__ = (
        UniqueConstraint("partner_id", "valid_from"),
        CheckConstraint(RANGE_ENDS_AFTER_START, name="range_ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    territory_id: Mapped[int] = mapped_column(ForeignKey("territories.id"), index=True)

    partner: Mapped[Partner] = relationship(back_populates="territories")
    territory: Mapped[Territory] = relationship()


class PartnerTier(EffectiveDated, db.Model):
    __tablename__ = "partner_tiers"
    __table_args__ = (
        UniqueConstraint("partner_id", "valid_from"),
        CheckConstraint(RANGE_ENDS_AFTER_START, name="range_ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    tier: Mapped[str] = mapped_column(String(32))

    partner: Mapped[Partner] = relationship(back_populates="tiers")


def close_ranges(session, model, key: str) -> None:
    """Set each row's `valid_to` to the next row's `valid_from` for the same key (one UPDATE)."""
    table = model.__table__
    nxt = table.alias("nxt")
    next_start = (
        select(db.func.min(nxt.c.valid_from))
        .where(nxt.c[key] == table.c[key], nxt.c.valid_from > table.c.valid_from)
        .scalar_subquery()
    )
    session.execute(update(table).values(valid_to=next_start))


def current_range(model, day: date):
    """SQL predicate: the effective-dated row of `model` that covers `day`."""
    return db.and_(model.valid_from <= day, db.or_(model.valid_to.is_(None), model.valid_to > day))
