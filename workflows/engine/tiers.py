"""Tier math: a band applies when the measure reaches its `from` (inclusive); no rounding here."""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from enum import StrEnum

from workflows.engine.money import EXACT, require_decimal


class Mode(StrEnum):
    """How a band's rate applies: to the whole measure, or only to the slice inside the band."""

    RETROACTIVE = "retroactive"
    MARGINAL = "marginal"


@dataclass(frozen=True)
class Band:
    """From this measure on (inclusive) the rate applies: a revenue fraction or an amount a unit."""

    from_: Decimal
    rate: Decimal


@dataclass(frozen=True)
class Slice:
    """The part of the measure inside one marginal band, [from_, to), and what it earns."""

    from_: Decimal
    to: Decimal | None
    base: Decimal
    rate: Decimal
    amount: Decimal


@dataclass(frozen=True)
class TierResult:
    """The unrounded amount, the highest band reached (None: none) and its rate; marginal slices."""

    amount: Decimal
    band: Band | None
    rate: Decimal | None
    slices: tuple[Slice, ...] = ()


NO_BAND = TierResult(amount=Decimal(0), band=None, rate=None)


def _check_ascending(bands: Sequence[Band]) -> None:
    for lower, upper in zip(bands, bands[1:], strict=False):
        if upper.from_ <= lower.from_:
            raise ValueError(f"bands must ascend strictly: {upper.from_} after {lower.from_}")


def tiered_amount(measure: Decimal, bands: Sequence[Band], *, mode: Mode | str) -> TierResult:
    """Retroactive: the whole measure at the highest band reached. Marginal: slice by slice."""
    value = require_decimal(measure, "measure")
    mode = Mode(mode)
    _check_ascending(bands)
    reached = [index for index, band in enumerate(bands) if value >= band.from_]
    if value <= 0 or not reached:
        return NO_BAND
    top = bands[reached[-1]]
    with localcontext(EXACT):
        if mode is Mode.RETROACTIVE:
            return TierResult(amount=value * top.rate, band=top, rate=top.rate)
        slices = []
        for index in reached:
            band = bands[index]
            upper = bands[index + 1].from_ if index + 1 < len(bands) else None
            base = (value if upper is None else min(value, upper)) - band.from_
            slices.append(Slice(band.from_, upper, base, band.rate, base * band.rate))
        total = sum((piece.amount for piece in slices), Decimal(0))
    return TierResult(amount=total, band=top, rate=top.rate, slices=tuple(slices))
