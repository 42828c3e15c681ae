"""The resources library: documents and links published to partners by tier and territory."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, Integer, String, Table, Text, and_, exists, or_, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .partners import PartnerTerritory, PartnerTier, current_range
from .territories import Territory, territory_ancestry
from .types import UTCDateTime, utcnow

RESOURCE_KINDS = ("document", "link")

resource_territories = Table(
    "resource_territories",
    db.metadata,
    Column("resource_id", ForeignKey("resources.id", ondelete="CASCADE"), primary_key=True),
    Column("territory_id", ForeignKey("territories.id"), primary_key=True, index=True),
)


class Resource(db.Model):
    """A guide, price list or program rule: an uploaded document or a link.

    Targeting: no tiers means every tier, no territories means everywhere; a territory target
    includes its whole subtree. Archived resources are hidden from partners.
    """

    __tablename__ = "resources"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(16))
    url: Mapped[str | None] = mapped_column(String(2000))
    filename: Mapped[str | None] = mapped_column(String(255))
    content_type: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[int | None] = mapped_column(Integer)
    storage_name: Mapped[str | None] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(default=True, index=True)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    territories: Mapped[list[Territory]] = relationship(
        secondary=resource_territories, order_by="Territory.name"
    )
    tier_targets: Mapped[list[ResourceTier]] = relationship(
        cascade="all, delete-orphan", order_by="ResourceTier.tier"
    )

    @property
    def tiers(self) -> list[str]:
        return [target.tier for target in self.tier_targets]

    def __repr__(self) -> str:
        return f"<Resource {self.id} {self.title!r}>"


class ResourceTier(db.Model):
    """The resource is shown to partners whose current tier is `tier`."""

    __tablename__ = "resource_tiers"

    resource_id: Mapped[int] = mapped_column(
        ForeignKey("resources.id", ondelete="CASCADE"), primary_key=True
    )
    tier: Mapped[str] = mapped_column(String(32), primary_key=True)


def targets_partner(partner_id: int, day: date):
    """SQL predicate on Resource: active, and aimed at the partner's tier and territory on `day`
    (no tier targets = every tier; no territory targets = everywhere; a territory covers its
    subtree)."""
    tier = (
        select(PartnerTier.tier)
        .where(PartnerTier.partner_id == partner_id, current_range(PartnerTier, day))
        .scalar_subquery()
    )
    ancestry = territory_ancestry()
    above_ours = select(ancestry.c.ancestor_id).where(
        ancestry.c.territory_id.in_(
            select(PartnerTerritory.territory_id).where(
                PartnerTerritory.partner_id == partner_id, current_range(PartnerTerritory, day)
            )
        )
    )
    any_tier = exists().where(ResourceTier.resource_id == Resource.id)
    our_tier = exists().where(ResourceTier.resource_id == Resource.id, ResourceTier.tier == tier)
    any_territory = exists().where(resource_territories.c.resource_id == Resource.id)
    our_territory = exists().where(
        resource_territories.c.resource_id == Resource.id,
        resource_territories.c.territory_id.in_(above_ours),
    )
    return and_(
        Resource.active.is_(True),
        or_(~any_tier, our_tier),
        or_(~any_territory, our_territory),
    )
