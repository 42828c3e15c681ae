"""SPIF claims with proof, and payout batches over payable lines (`payout_lines`).

One notion of a payable line: settlement, adjustment, clawback and claim lines all live in
`payout_lines`; a batch takes lines through `payout_batch_lines`, whose unique line id makes it
impossible for a line to be in two batches.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
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
from .programs import PayoutLine, Program
from .types import Amount, Rate, UTCDateTime, utcnow

CLAIM_STATES = ("submitted", "first_approved", "approved", "rejected")
BATCH_STATES = ("draft", "approved", "exported")
FILE_FORMATS = ("pain001", "csv")


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
    """Built by one finance user for one currency, approved by another, exported once;
    immutable once exported. The payment file is kept as first exported, so a later download
    gives the same bytes; finance marks it paid with the bank's execution date."""

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
    # None only on batches built before batches were built per currency
    currency: Mapped[str | None] = mapped_column(String(3))
    file_format: Mapped[str | None] = mapped_column(String(16))
    file_name: Mapped[str | None] = mapped_column(String(120))
    file_content: Mapped[str | None] = mapped_column(Text)
    executed_on: Mapped[date | None] = mapped_column(Date)
    paid_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PayoutBatchLine(db.Model):
    """A payable line in a batch, with the amount converted to the partner's currency at the
    period-end rate (fixed when the batch is built, so an export is reproducible).

    A line is in at most one batch that has not returned it: when the bank returns a partner's
    transfer, its lines are marked `returned_at` (with the reason) and become payable again."""

    __tablename__ = "payout_batch_lines"
    __table_args__ = (
        Index(
            "uq_payout_batch_lines_live",
            "payout_line_id",
            unique=True,
            postgresql_where=text("returned_at IS NULL"),
            sqlite_where=text("returned_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("payout_batches.id"), index=True)
    payout_line_id: Mapped[int] = mapped_column(ForeignKey("payout_lines.id"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal] = mapped_column(Amount)
    fx_rate: Mapped[Decimal] = mapped_column(Rate)
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    returned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    return_reason: Mapped[str | None] = mapped_column(Text)

    payout_line: Mapped[PayoutLine] = relationship()
    partner: Mapped[Partner] = relationship()


BANK_FILE_FIELDS = (
    "payee_name",
    "account_number",
    "routing_code",
    "bic",
    "amount",
    "currency",
    "reference",
    "execution_date",
)


class BankFileFormat(db.Model):
    """How one bank wants a bulk payment CSV: which currencies it pays, the ordered columns
    (from BANK_FILE_FIELDS), the delimiter, the decimal separator and whether a header row
    comes first. Finance maps a bank once; at most one format per currency."""

    __tablename__ = "bank_file_formats"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    currencies: Mapped[str] = mapped_column(String(120))  # "USD,GBP", upper case, sorted
    columns: Mapped[str] = mapped_column(String(400))  # field names, comma-separated, in order
    delimiter: Mapped[str] = mapped_column(String(1), default=",")
    decimal_separator: Mapped[str] = mapped_column(String(1), default=".")
    header: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def currency_list(self) -> list[str]:
        return [c for c in self.currencies.split(",") if c]

    @property
    def column_list(self) -> list[str]:
        return [c for c in self.columns.split(",") if c]
