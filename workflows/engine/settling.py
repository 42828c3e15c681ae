"""Which settled periods a new settlement nets off, and what it pays: pure, no database.

Settled periods of one program form a nested family: any two are either disjoint or one lies
within the other. A settlement of period P therefore nets off every earlier payout line whose
period lies within P (P itself included), and a period that would cut through a settled one is
refused. Within every outermost settled period the payout lines then add up to its latest
approved settlement, so each day's earnings are paid exactly once, whatever the order of runs.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from workflows.engine.periods import Period

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class SettledConflict:
    """A settled period the new one cannot be netted against: it lies `inside` it, or they
    `overlap` without either containing the other."""

    how: str
    settled: Period


def within(inner: Period, outer: Period) -> bool:
    """Every day of `inner` lies in `outer` (equal periods included)."""
    return outer.start <= inner.start and inner.end <= outer.end


def overlaps(one: Period, other: Period) -> bool:
    return one.start <= other.end and other.start <= one.end


def settlement_conflict(period: Period, settled: Iterable[Period]) -> SettledConflict | None:
    """The first settled period (by start, then end) that `period` may not be settled beside:
    one that strictly contains it, or one it partly overlaps. None when every settled period is
    disjoint from it, equal to it or within it."""
    for other in sorted(set(settled)):
        if not overlaps(period, other) or within(other, period):
            continue
        return SettledConflict("inside" if within(period, other) else "overlap", other)
    return None


def payout_differences(
    settled: Mapping[K, Decimal], paid: Iterable[tuple[K, Decimal]]
) -> list[tuple[K, Decimal, str]]:
    """settled − already paid per key (payee, currency), in key order, with the line's kind:
    `settlement` for a first payment, `adjustment` for a later positive one, `clawback` for a
    negative one. Keys paid before but no longer settled are clawed back in full."""
    already: dict[K, Decimal] = {}
    for key, amount in paid:
        already[key] = already.get(key, Decimal(0)) + amount
    lines = []
    for key in sorted(settled.keys() | already.keys()):
        difference = settled.get(key, Decimal(0)) - already.get(key, Decimal(0))
        if difference == 0:
            continue
        if difference < 0:
            kind = "clawback"
        else:
            kind = "adjustment" if key in already else "settlement"
        lines.append((key, difference, kind))
    return lines
