"""Contest standings (each contest run's ranking of its payees, kept per run) and the awards a
settlement run creates.

The measure is stored exactly as text for display and, for ordering in SQL, split into a whole
part (floor) and its fraction in 10**-10 units: integers order exactly on SQLite and PostgreSQL
alike, where a NUMERIC would be a binary float on SQLite and a BIGINT of 10**-10 units would
not hold a year of revenue.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .partners import Partner
from .programs import CalcRun, DecimalText
from .types import Amount

MEASURE_FRACTION_PLACES = 10


class ContestStanding(db.Model):
    """One payee's place in a contest run: group, rank (1 = best), qualified, gap to qualify."""

    __tablename__ = "contest_standings"
    __table_args__ = (
        UniqueConstraint("run_id", "payee_id"),
        Index("ix_contest_standings_run_group_rank", "run_id", "group_code", "rank"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("calc_runs.id"))
    payee_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    group_code: Mapped[str] = mapped_column(String(64), default="")
    tier: Mapped[str | None] = mapped_column(String(32))
    measure: Mapped[Decimal] = mapped_column(DecimalText)
    measure_whole: Mapped[int] = mapped_column(BigInteger)
    measure_part: Mapped[int] = mapped_column(BigInteger)
    reached_on: Mapped[date | None] = mapped_column(Date)
    rank: Mapped[int | None] = mapped_column(Integer)
    qualified: Mapped[bool] = mapped_column(default=False)
    gap: Mapped[Decimal | None] = mapped_column(DecimalText)

    run: Mapped[CalcRun] = relationship()
    payee: Mapped[Partner] = relationship()


AWARD_KINDS = ("trip", "amount", "points")


class ContestAward(db.Model):
    """What a payee won in a contest's settlement run: trip seats at their cost, an amount
    (paid through the run's payout lines) or points (posted to the ledger on approval)."""

    __tablename__ = "contest_awards"
    __table_args__ = (Index("ix_contest_awards_run_payee", "run_id", "payee_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("calc_runs.id"))
    payee_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    rank: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    seats: Mapped[int | None] = mapped_column(Integer)
    cost: Mapped[Decimal] = mapped_column(Amount)
    amount: Mapped[Decimal | None] = mapped_column(Amount)
    points: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))

    run: Mapped[CalcRun] = relationship()
    payee: Mapped[Partner] = relationship()
