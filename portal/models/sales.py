"""FX rates, sales lines and the import batches that brought them in."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .catalog import Product
from .partners import Partner
from .types import Amount, Quantity, Rate, UTCDateTime, utcnow


class FxRate(db.Model):
    """1 unit of `currency` = `rate` units of the base currency, from `valid_from` on."""

    __tablename__ = "fx_rates"
    __table_args__ = (UniqueConstraint("currency", "valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), index=True)
    rate: Mapped[Decimal] = mapped_column(Rate)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)


class ImportBatch(db.Model):
    """One CSV import: who, what, and what it changed. Errors are listed per row."""

    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    filename: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    dry_run: Mapped[bool] = mapped_column(default=False)
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    inserted: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list | None] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"))
    created_at = mapped_column(UTCDateTime, default=utcnow)
    finished_at = mapped_column(UTCDateTime, nullable=True)

    task = relationship("Task")

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed")


class SaleLine(db.Model):
    """A sell-out line. Returns are negative lines; `external_id` makes re-imports idempotent.

    `import_batch_id` records which import last wrote the line (provenance only: batches are
    never deleted, so it carries no foreign key, whose check on every imported line cost a third
    of the import's insert time). `partner_id` and `product_id` carry no foreign-key check
    either: the import writes ids it has just read by code, and deleting a partner or product
    that lines still name is refused by a trigger on those tables (migration 0024), once per
    deleted row instead of once per imported line. `product_id` has no index (nothing reads
    lines by product alone); `deal_ref` is indexed only where a line has one.
    """

    __tablename__ = "sale_lines"
    __table_args__ = (
        Index(
            "ix_sale_lines_deal_ref",
            "deal_ref",
            postgresql_where=text("deal_ref IS NOT NULL"),
            sqlite_where=text("deal_ref IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(128), unique=True)
    partner_id: Mapped[int] = mapped_column(Integer, index=True)
    product_id: Mapped[int] = mapped_column(Integer)  # no query reads lines by product alone
    sold_on: Mapped[date] = mapped_column(Date, index=True)
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    amount: Mapped[Decimal] = mapped_column(Amount)
    currency: Mapped[str] = mapped_column(String(3))
    deal_ref: Mapped[str | None] = mapped_column(String(64))
    import_batch_id: Mapped[int | None] = mapped_column(Integer)

    partner: Mapped[Partner] = relationship(
        primaryjoin="foreign(SaleLine.partner_id) == Partner.id", viewonly=True
    )
    product: Mapped[Product] = relationship(
        primaryjoin="foreign(SaleLine.product_id) == Product.id", viewonly=True
    )
