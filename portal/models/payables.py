"""SPIF claims with proof, and payout batches over payable lines (`payout_lines`).

One notion of a payable line: settlement, adjustment, clawback and claim lines all live in
`payout_lines`; a batch takes lines through `payout_batch_lines`, whose unique line id makes it
impossible for a line to be in two batches.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .partners import Partner
from .programs import PayoutLine, Program
from .types import Amount, Rate, UTCDateTime, utcnow

CLAIM_STATES = ("submitted", "first_approved", "approved", "rejected")
BATCH_STATES = ("draft", "approved", "exported")


class Claim(db.Model):
    """A partner's claim on a SPIF program, with an invoice; approved claims become payable."""

    __tablename__ = "claims"
    __table_args__ = (UniqueConstraint("program_id", "partner_id", "sale_reference"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    period_label: Mapped[str] = mapped_column(String(32))
    sale_reference: Mapped[str] = mapped_column(String(120))
    sold_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Amount)
    currency: Mapped[str] = mapped_column(String(3))
    invoice_name: Mapped[str] = mapped_column(String(255))
    invoice_storage: Mapped[str] = mapped_column(String(64))
    invoice_type: Mapped[str] = mapped_column(String(100))
    invoice_size: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="submitted", index=True)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    first_approver_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    first_approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rejected_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    payout_line_id: Mapped[int | None] = mapped_column(ForeignKey("payout_lines.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    partner: Mapped[Partner] = relationship()
    program: Mapped[Program] = relationship()


class PayoutBatch(db.Model):
    """Built by one finance user, approved by another, exported once; immutable once exported."""

    __tablename__ = "payout_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    line_count: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    exported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    exported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PayoutBatchLine(db.Model):
    """A payable line in a batch, with the amount converted to the partner's currency at the
    period-end rate (fixed when the batch is built, so an export is reproducible)."""

    __tablename__ = "payout_batch_lines"
    __table_args__ = (UniqueConstraint("payout_line_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("payout_batches.id"), index=True)
    payout_line_id: Mapped[int] = mapped_column(ForeignKey("payout_lines.id"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal] = mapped_column(Amount)
    fx_rate: Mapped[Decimal] = mapped_column(Rate)

    payout_line: Mapped[PayoutLine] = relationship()
    partner: Mapped[Partner] = relationship()
