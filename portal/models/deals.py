"""Deal registrations, the conflicts found between them, and the claims that protect them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Column,
    Date,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .catalog import Category, Product
from .partners import Partner
from .programs import Program
from .types import Amount, ScaledDecimal, UTCDateTime, utcnow
from .users import User

DEAL_STATES = (
    "draft",
    "submitted",
    "returned",
    "approved",
    "rejected",
    "withdrawn",
    "won",
    "lost",
    "expired",
)
ACTIVE_STATES = ("submitted", "approved")
EXTENSION_STATES = ("requested", "granted", "refused")
REJECTION_CODES = (
    "duplicate",
    "direct_sales",
    "insufficient_information",
    "not_qualified",
    "outside_territory",
    "other",
)

deal_categories = Table(
    "deal_categories",
    db.metadata,
    Column("deal_id", ForeignKey("deal_registrations.id", ondelete="CASCADE"), primary_key=True),
    Column("category_id", ForeignKey("categories.id"), primary_key=True, index=True),
)

deal_products = Table(
    "deal_products",
    db.metadata,
    Column("deal_id", ForeignKey("deal_registrations.id", ondelete="CASCADE"), primary_key=True),
    Column("product_id", ForeignKey("products.id"), primary_key=True, index=True),
)


class DealRegistration(db.Model):
    """A partner's claim to an opportunity: protected from channel conflict once approved.

    `protection_ends_on` is the last protected day (inclusive). `customer_key` is the normalised
    company name and `domain_root` the registrable part of the customer's domain; together they
    identify the end customer for conflict detection and the one-approved-registration rule.
    """

    __tablename__ = "deal_registrations"
    __table_args__ = (Index("ix_deal_registrations_state_submitted_at", "state", "submitted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str | None] = mapped_column(String(20), unique=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    state: Mapped[str] = mapped_column(String(16), default="draft")

    customer_name: Mapped[str] = mapped_column(String(200))
    customer_key: Mapped[str] = mapped_column(String(200), index=True)
    domain: Mapped[str | None] = mapped_column(String(253))
    domain_root: Mapped[str | None] = mapped_column(String(253), index=True)
    country: Mapped[str] = mapped_column(String(2))
    estimated_value: Mapped[Decimal] = mapped_column(Amount)
    currency: Mapped[str] = mapped_column(String(3))
    expected_close_on: Mapped[date] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")

    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    rejection_reason: Mapped[str | None] = mapped_column(String(32))
    decision_note: Mapped[str | None] = mapped_column(Text)
    protection_ends_on: Mapped[date | None] = mapped_column(Date, index=True)
    # The program whose deal_protection_days set the period at approval (None: the default).
    protection_program_id: Mapped[int | None] = mapped_column(ForeignKey("programs.id"))
    reminder_sent_for: Mapped[date | None] = mapped_column(Date)

    extension_state: Mapped[str | None] = mapped_column(String(16))
    extension_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    extension_requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    extension_note: Mapped[str | None] = mapped_column(Text)
    extension_decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    won_amount: Mapped[Decimal | None] = mapped_column(Amount)
    won_on: Mapped[date | None] = mapped_column(Date)
    lost_reason: Mapped[str | None] = mapped_column(Text)
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    partner: Mapped[Partner] = relationship()
    submitted_by: Mapped[User] = relationship(foreign_keys=[submitted_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    protection_program: Mapped[Program | None] = relationship()
    categories: Mapped[list[Category]] = relationship(
        secondary=deal_categories, order_by="Category.path"
    )
    products: Mapped[list[Product]] = relationship(secondary=deal_products, order_by="Product.sku")

    def __repr__(self) -> str:
        return f"<DealRegistration {self.reference} {self.state}>"


class DealConflict(db.Model):
    """A possible conflict found when `deal` was submitted: `other` scored `score` (0–1).

    `reasons` is a list of {code, params}; the English templates live in
    workflows/deals/matching.REASON_TEMPLATES and are translated when shown.
    """

    __tablename__ = "deal_conflicts"
    __table_args__ = (UniqueConstraint("deal_id", "other_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(
        ForeignKey("deal_registrations.id", ondelete="CASCADE"), index=True
    )
    other_id: Mapped[int] = mapped_column(
        ForeignKey("deal_registrations.id", ondelete="CASCADE"), index=True
    )
    score: Mapped[Decimal] = mapped_column(ScaledDecimal(2))
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    same_partner: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    deal: Mapped[DealRegistration] = relationship(foreign_keys=[deal_id])
    other: Mapped[DealRegistration] = relationship(foreign_keys=[other_id])


class DealClaim(db.Model):
    """One (end customer key, category) held by an approved registration.

    The unique constraint is the database's guarantee that two registrations never hold the
    same customer and category at once, however approvals race.
    """

    __tablename__ = "deal_claims"
    __table_args__ = (UniqueConstraint("customer_key", "category_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(
        ForeignKey("deal_registrations.id", ondelete="CASCADE"), index=True
    )
    customer_key: Mapped[str] = mapped_column(String(260))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    category_path: Mapped[str] = mapped_column(String(512))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    deal: Mapped[DealRegistration] = relationship()
