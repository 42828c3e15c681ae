"""Market development funds: funds, the activity types finance keeps, allocations down the
territory tree, partners' activity requests and their claims, and the one MDF ledger.

Balances are never stored: allocated, committed, claimed, paid and available are sums over
`mdf_entries` (see workflows/mdf/ledger.py for the signs). Each ledger row belongs to one
holder: the fund itself (no territory, no partner), a territory, or a partner.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .partners import Partner
from .territories import Territory
from .types import Amount, UTCDateTime, utcnow

FUND_KINDS = ("allocated", "earned")
FUND_STATES = ("open", "expired")
ENTRY_KINDS = (
    "allocation",
    "commitment",
    "release",
    "claim",
    "payment",
    "payment_return",
    "expiry",
    "earned",
)
# What a payout batch writes: paid when its file leaves, a return when the bank sends it back.
PAYMENT_KINDS = ("payment", "payment_return")
REQUEST_STATES = (
    "submitted",
    "first_approved",
    "returned",
    "approved",
    "rejected",
    "claimed",
    "lapsed",
)
CLAIM_STATES = ("submitted", "approved", "rejected")

# A ledger row or an allocation names at most one holder below the fund.
ONE_HOLDER = "territory_id IS NULL OR partner_id IS NULL"
ONE_TARGET = "(territory_id IS NULL) <> (partner_id IS NULL)"


class MdfFund(db.Model):
    """A budget in one currency for activities between `starts_on` and `ends_on`; claims are
    taken until `claim_deadline`, after which what nobody committed expires."""

    __tablename__ = "mdf_funds"
    __table_args__ = (
        CheckConstraint("starts_on <= ends_on AND ends_on <= claim_deadline", name="dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal] = mapped_column(Amount)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    claim_deadline: Mapped[date] = mapped_column(Date)
    claim_days: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16), default="allocated")
    second_approval_above: Mapped[Decimal | None] = mapped_column(Amount)
    state: Mapped[str] = mapped_column(String(16), default="open", index=True)
    warned_days_before: Mapped[int | None] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<MdfFund {self.code}>"


class MdfActivityType(db.Model):
    """A kind of marketing activity partners may propose (events, webinars, advertising…)."""

    __tablename__ = "mdf_activity_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MdfAllocation(db.Model):
    """Money passed down: from the fund (no source territory) to a top territory, from a
    territory to a child territory, or from a territory to a partner in it."""

    __tablename__ = "mdf_allocations"
    __table_args__ = (CheckConstraint(ONE_TARGET, name="one_target"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("mdf_funds.id"), index=True)
    source_territory_id: Mapped[int | None] = mapped_column(ForeignKey("territories.id"))
    territory_id: Mapped[int | None] = mapped_column(ForeignKey("territories.id"))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Amount)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    fund: Mapped[MdfFund] = relationship()
    source_territory: Mapped[Territory | None] = relationship(foreign_keys=[source_territory_id])
    territory: Mapped[Territory | None] = relationship(foreign_keys=[territory_id])
    partner: Mapped[Partner | None] = relationship()


class MdfRequest(db.Model):
    """A partner's proposed activity; approval (of the requested or a lower amount) commits
    money from the partner's allocation until the activity is claimed or the claim lapses."""

    __tablename__ = "mdf_requests"
    __table_args__ = (CheckConstraint("starts_on <= ends_on", name="dates"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("mdf_funds.id"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    activity_type_id: Mapped[int] = mapped_column(ForeignKey("mdf_activity_types.id"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text)
    requested_amount: Mapped[Decimal] = mapped_column(Amount)
    approved_amount: Mapped[Decimal | None] = mapped_column(Amount)
    expected_leads: Mapped[int | None] = mapped_column(Integer)
    expected_pipeline: Mapped[Decimal | None] = mapped_column(Amount)
    claim_due_on: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(24), default="submitted", index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    first_approver_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    first_approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    fund: Mapped[MdfFund] = relationship()
    partner: Mapped[Partner] = relationship()
    activity_type: Mapped[MdfActivityType] = relationship()


class MdfClaim(db.Model):
    """Proof that an approved activity took place, for at most the approved amount; an
    approved claim becomes a payable line that payout batches pay."""

    __tablename__ = "mdf_claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("mdf_requests.id"), index=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("mdf_funds.id"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Amount)
    actual_leads: Mapped[int | None] = mapped_column(Integer)
    actual_pipeline: Mapped[Decimal | None] = mapped_column(Amount)
    state: Mapped[str] = mapped_column(String(16), default="submitted", index=True)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(Text)
    payout_line_id: Mapped[int | None] = mapped_column(ForeignKey("payout_lines.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    request: Mapped[MdfRequest] = relationship()
    fund: Mapped[MdfFund] = relationship()
    partner: Mapped[Partner] = relationship()
    proofs: Mapped[list[MdfClaimProof]] = relationship(order_by="MdfClaimProof.id")


class MdfClaimProof(db.Model):
    """A checked proof file (PDF, PNG, JPEG) stored under UPLOAD_DIR/mdf with a random name."""

    __tablename__ = "mdf_claim_proofs"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("mdf_claims.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    storage: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)


class MdfEntry(db.Model):
    """One row of the MDF ledger: append-only, corrections are new rows. A request has at
    most one row of each kind (one commitment, one release, one claim); its payments and the
    bank's returns of them name the payout batch, at most one of each per batch. An approved
    co-op settlement run has at most one earned row per fund and partner."""

    __tablename__ = "mdf_entries"
    __table_args__ = (
        CheckConstraint(ONE_HOLDER, name="one_holder"),
        Index(
            "uq_mdf_entries_request_kind",
            "request_id",
            "kind",
            unique=True,
            postgresql_where=text("batch_id IS NULL"),
            sqlite_where=text("batch_id IS NULL"),
        ),
        Index(
            "uq_mdf_entries_request_kind_batch",
            "request_id",
            "kind",
            "batch_id",
            unique=True,
            postgresql_where=text("batch_id IS NOT NULL"),
            sqlite_where=text("batch_id IS NOT NULL"),
        ),
        UniqueConstraint("run_id", "fund_id", "partner_id"),
        Index("ix_mdf_entries_fund_holder", "fund_id", "territory_id", "partner_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("mdf_funds.id"))
    territory_id: Mapped[int | None] = mapped_column(ForeignKey("territories.id"))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    amount: Mapped[Decimal] = mapped_column(Amount)
    allocation_id: Mapped[int | None] = mapped_column(ForeignKey("mdf_allocations.id"))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("mdf_requests.id"))
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("mdf_claims.id"))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("calc_runs.id"), index=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("payout_batches.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
