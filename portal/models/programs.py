"""Programs as versioned data, calculation runs and their shards, results, payouts, closed periods.

A run is the row of record for one calculation; its shards are the units RQ workers execute.
Result lines belong to (run, shard), so a retried shard replaces exactly its own lines.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from ..extensions import db
from .partners import Partner
from .types import Amount, UTCDateTime, utcnow

if TYPE_CHECKING:
    from .mdf import MdfFund

RUN_KINDS = ("accrual", "settlement")
RUN_STATES = ("queued", "running", "done", "failed")
SHARD_STATES = ("queued", "running", "done", "failed")
PAYOUT_KINDS = ("settlement", "adjustment", "clawback", "claim", "mdf")


class DecimalText(TypeDecorator):
    """A Decimal kept as its exact text (digits and exponent), for values that may exceed what a
    scaled BIGINT holds (a JPY measure with 10 decimal places) and must read back byte-identical."""

    impl = String(80)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if not isinstance(value, Decimal | int) or isinstance(value, bool):
            raise TypeError(f"DecimalText stores Decimal values, not {type(value).__name__}")
        return str(Decimal(value))

    def process_result_value(self, value, dialect):
        return None if value is None else Decimal(value)


class Program(db.Model):
    """A program's identity; what it does lives in its immutable versions."""

    __tablename__ = "programs"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    current_version: Mapped[int] = mapped_column(Integer, default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    versions: Mapped[list[ProgramVersion]] = relationship(
        back_populates="program", order_by="ProgramVersion.version.desc()"
    )

    def __repr__(self) -> str:
        return f"<Program {self.code} v{self.current_version}>"


class ProgramVersion(db.Model):
    """One immutable version: the canonical spec (spec_to_dict), its hash and the source text."""

    __tablename__ = "program_versions"
    __table_args__ = (UniqueConstraint("program_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    spec: Mapped[dict] = mapped_column(JSON)
    spec_hash: Mapped[str] = mapped_column(String(64), index=True)
    source: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    program: Mapped[Program] = relationship(back_populates="versions")


class CalcRun(db.Model):
    """One calculation of a program version for a period: the status of record for its jobs."""

    __tablename__ = "calc_runs"
    __table_args__ = (Index("ix_calc_runs_program_period", "program_id", "period_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"))
    program_version_id: Mapped[int] = mapped_column(ForeignKey("program_versions.id"))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    period_label: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    currency: Mapped[str] = mapped_column(String(3))
    shards_total: Mapped[int] = mapped_column(Integer, default=1)
    shards_done: Mapped[int] = mapped_column(Integer, default=0)
    line_watermark: Mapped[int] = mapped_column(BigInteger, default=0)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)
    payee_count: Mapped[int] = mapped_column(Integer, default=0)
    total_amount: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    unusable_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    program: Mapped[Program] = relationship()
    program_version: Mapped[ProgramVersion] = relationship()

    @property
    def percent(self) -> int:
        if self.status == "done":
            return 100
        if not self.shards_total:
            return 0
        return min(99, int(100 * self.shards_done / self.shards_total))

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed")


class CalcShard(db.Model):
    """One RQ job of a run, retried as a whole. A run of several shards splits its sales lines
    by id: the shard sums the lines from `first_line_id` to `last_line_id` into partial sums
    (calc_partials) that the run's fan-in adds up; a run of one shard has no range and writes
    its results itself."""

    __tablename__ = "calc_shards"
    __table_args__ = (UniqueConstraint("run_id", "shard"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("calc_runs.id"))
    shard: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    first_line_id: Mapped[int | None] = mapped_column(BigInteger)
    last_line_id: Mapped[int | None] = mapped_column(BigInteger)
    payee_count: Mapped[int] = mapped_column(Integer, default=0)
    unusable_count: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    enqueued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CalcPartial(db.Model):
    """A line-range shard's exact sum of the measured column (scaled integer) and line count
    per (payee, current or previous period, line currency, FX bucket): the rows of
    EligibleLines.aggregate over its range. The fan-in adds them up and then deletes them."""

    __tablename__ = "calc_partials"
    __table_args__ = (Index("ix_calc_partials_run_shard", "run_id", "shard"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("calc_runs.id"))
    shard: Mapped[int] = mapped_column(Integer)
    payee_id: Mapped[int] = mapped_column(Integer)
    is_current: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    bucket: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(BigInteger)
    line_count: Mapped[int] = mapped_column(Integer)


class CalcResult(db.Model):
    """One payee's outcome in a run, with its explanation as translatable template + params."""

    __tablename__ = "calc_results"
    __table_args__ = (
        UniqueConstraint("run_id", "payee_id"),
        Index("ix_calc_results_run_shard", "run_id", "shard"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("calc_runs.id"))
    shard: Mapped[int] = mapped_column(Integer)
    payee_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    measure: Mapped[Decimal] = mapped_column(DecimalText)
    previous_measure: Mapped[Decimal | None] = mapped_column(DecimalText)
    band_from: Mapped[Decimal | None] = mapped_column(DecimalText)
    rate: Mapped[Decimal | None] = mapped_column(DecimalText)
    raw_amount: Mapped[Decimal] = mapped_column(DecimalText)
    capped: Mapped[bool] = mapped_column(default=False)
    amount: Mapped[Decimal] = mapped_column(Amount)
    currency: Mapped[str] = mapped_column(String(3))
    line_count: Mapped[int] = mapped_column(Integer, default=0)
    explanation: Mapped[list] = mapped_column(JSON, default=list)

    run: Mapped[CalcRun] = relationship()
    payee: Mapped[Partner] = relationship()


class CalcUnusableLine(db.Model):
    """An eligible sale line a run could not use (no FX rate): listed, never counted as zero."""

    __tablename__ = "calc_unusable_lines"
    __table_args__ = (Index("ix_calc_unusable_lines_run_shard", "run_id", "shard"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("calc_runs.id"))
    shard: Mapped[int] = mapped_column(Integer)
    sale_line_id: Mapped[int] = mapped_column(ForeignKey("sale_lines.id"))
    template: Mapped[str] = mapped_column(String(200))
    params: Mapped[dict] = mapped_column(JSON, default=dict)


class PayoutLine(db.Model):
    """A payable line: approved settled amount minus what earlier lines already paid, an
    approved SPIF claim, or an approved claim on a market development fund (`fund_id`, no
    program)."""

    __tablename__ = "payout_lines"
    __table_args__ = (
        Index("ix_payout_lines_program_period", "program_id", "period_start", "period_end"),
        CheckConstraint("(program_id IS NULL) <> (fund_id IS NULL)", name="program_or_fund"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int | None] = mapped_column(ForeignKey("programs.id"))
    fund_id: Mapped[int | None] = mapped_column(ForeignKey("mdf_funds.id"), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    period_label: Mapped[str] = mapped_column(String(32))
    payee_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal] = mapped_column(Amount)
    kind: Mapped[str] = mapped_column(String(16))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("calc_runs.id"), index=True)  # claims
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    program: Mapped[Program | None] = relationship()
    fund: Mapped[MdfFund | None] = relationship()
    payee: Mapped[Partner] = relationship()

    @property
    def source_code(self) -> str:
        """What the line pays for: the program's code, or the fund's."""
        return self.program.code if self.program is not None else self.fund.code


class ClosedPeriod(db.Model):
    """A program's period locked by finance; open again only by an explicit, audited reopen."""

    __tablename__ = "closed_periods"
    __table_args__ = (Index("ix_closed_periods_program", "program_id", "period_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    period_label: Mapped[str] = mapped_column(String(32))
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reopened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reopened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    program: Mapped[Program] = relationship()
