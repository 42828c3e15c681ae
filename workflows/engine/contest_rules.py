"""The rules of a sales contest as a validated spec holds them (parsed in spec_checks)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, localcontext
from enum import StrEnum

from workflows.engine.money import EXACT, minor_unit


class ContestMeasure(StrEnum):
    """What a contest ranks: converted revenue, units, revenue growth over the previous
    period of equal length (never below zero), or loyalty points earned (whole points)."""

    REVENUE = "revenue"
    UNITS = "units"
    GROWTH = "growth"
    POINTS = "points"

    @property
    def whole(self) -> bool:
        """Counted in whole units or points, not money."""
        return self in (ContestMeasure.UNITS, ContestMeasure.POINTS)


class GroupBy(StrEnum):
    """Separate rankings: per eligible territory subtree, or per partner tier."""

    TERRITORY = "territory"
    TIER = "tier"


class AwardKind(StrEnum):
    """What a rank band wins."""

    TRIP = "trip"
    AMOUNT = "amount"
    POINTS = "points"


@dataclass(frozen=True)
class Award:
    """A prize for qualified payees ranked from_rank..to_rank (within their group), optionally
    only for some partner tiers: trip seats at a cost per seat, a fixed amount, or points.
    A trip may say the day it sets out (`travel_on`) and whether seats a winner declines pass
    on to the next ranked partner of its group (`pass_on_declined`)."""

    from_rank: int
    to_rank: int
    kind: AwardKind
    seats: int | None = None
    cost_per_seat: Decimal | None = None
    amount: Decimal | None = None
    points: int | None = None
    partner_tiers: tuple[str, ...] = ()
    travel_on: date | None = None
    pass_on_declined: bool = False

    def applies(self, rank: int, tier: str | None) -> bool:
        """The band holds the rank and, when the award names tiers, the payee's tier."""
        in_band = self.from_rank <= rank <= self.to_rank
        return in_band and (not self.partner_tiers or tier in self.partner_tiers)

    def cost(self) -> Decimal:
        """What the award costs the program: seats × cost per seat, the amount, or 0 (points)."""
        if self.kind == AwardKind.TRIP:
            with localcontext(EXACT):
                return Decimal(self.seats or 0) * (self.cost_per_seat or Decimal(0))
        return self.amount or Decimal(0) if self.kind == AwardKind.AMOUNT else Decimal(0)


@dataclass(frozen=True)
class ContestRules:
    """A contest's measure, qualification (threshold, top N, or both), grouping and awards."""

    measure: ContestMeasure = ContestMeasure.REVENUE
    threshold: Decimal | None = None
    top: int | None = None
    group_by: GroupBy | None = None
    awards: tuple[Award, ...] = ()
    board_public: bool = False

    def step(self, currency: str) -> Decimal:
        """The smallest increase that counts: one minor unit of money, one unit or one point."""
        if self.measure.whole:
            return Decimal(1)
        return Decimal(1).scaleb(-minor_unit(currency))
