"""Tier progress and what-if projections, computed by the calculation engine itself.

Nothing here re-implements tier math: every amount is `calculate_payee` on a measure, so what the
dashboard promises is what a run would pay (bands, mode, cap and rounding included).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from workflows.engine import Band, PayeeAggregate, PayeeResult, ProgramSpec, calculate_payee

WHAT_IF_KEY = "what-if"


@dataclass(frozen=True)
class Standing:
    """Where a payee stands: the engine's result now, and the next band with what it is worth."""

    now: PayeeResult
    next_band: Band | None
    needed: Decimal | None
    at_next: PayeeResult | None

    @property
    def gain(self) -> Decimal | None:
        """What reaching the next band adds to the payee's amount (None at the top band)."""
        return None if self.at_next is None else self.at_next.amount - self.now.amount


@dataclass(frozen=True)
class Projection:
    """The engine's amount with `extra` more measure, and the difference to now."""

    extra: Decimal
    result: PayeeResult
    gain: Decimal


def raw_measure(spec: ProgramSpec, measure: Decimal, previous: Decimal | None) -> Decimal:
    """The period's own measure before growth: a growth result stores only the increase."""
    if spec.growth and previous is not None and measure > 0:
        return measure + previous
    if spec.growth and previous is not None:
        return previous  # a decline: at least the previous level is needed before growth counts
    return measure


def project(
    spec: ProgramSpec, measure: Decimal, previous: Decimal | None, extra: Decimal
) -> PayeeResult:
    """The engine's result if the payee adds `extra` to its period's measure."""
    base = raw_measure(spec, measure, previous)
    return calculate_payee(spec, PayeeAggregate(WHAT_IF_KEY, base + extra, previous))


def standing(spec: ProgramSpec, measure: Decimal, previous: Decimal | None = None) -> Standing:
    """The result now and, when a higher band exists, how much more reaches it and its worth."""
    now = project(spec, measure, previous, Decimal(0))
    bands = spec.tiers.bands if spec.tiers else ()
    upcoming = next((band for band in bands if band.from_ > now.measure), None)
    if upcoming is None:
        return Standing(now=now, next_band=None, needed=None, at_next=None)
    needed = upcoming.from_ - now.measure
    return Standing(
        now=now,
        next_band=upcoming,
        needed=needed,
        at_next=project(spec, measure, previous, needed),
    )


def what_if(
    spec: ProgramSpec, measure: Decimal, previous: Decimal | None, extra: Decimal
) -> Projection:
    """The partner's own scenario: `extra` more measure this period."""
    now = project(spec, measure, previous, Decimal(0))
    result = project(spec, measure, previous, extra)
    return Projection(extra=extra, result=result, gain=result.amount - now.amount)
