"""Currency conversion shared by the SQL and reference paths: sum per rate group, convert, add up.

The database sums exact line amounts per (payee, line currency, line rate, program rate); each
group is then converted here at 50 significant digits (half-even), the conversions are added in
sorted group order, and the total is quantized to 10 decimal places (half-even) before any tier
math. Doing it in exactly this order is what makes the set-based path and the line-by-line
reference byte-identical.
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal, localcontext

from workflows.engine.money import EXACT, HIGH_PRECISION, require_decimal
from workflows.engine.periods import effective_on

MEASURE_PLACES = 10
MEASURE_QUANTUM = Decimal(1).scaleb(-MEASURE_PLACES)

RateHistory = Sequence[tuple[date, Decimal]]


@dataclass(frozen=True)
class FxGroup:
    """Exact sum of line amounts that share a line currency and both FX rates."""

    currency: str
    rate_line: Decimal
    rate_prog: Decimal
    amount: Decimal

    @property
    def key(self) -> tuple[str, Decimal, Decimal]:
        """Lines with the same key convert together."""
        return (self.currency, self.rate_line, self.rate_prog)


def rate_on(history: RateHistory, day: date) -> Decimal | None:
    """The rate whose valid_from is the latest on or before the day; None when there is none."""
    return effective_on(history, day)


def rate_for(
    currency: str, day: date, fx_rates: Mapping[str, RateHistory], base_currency: str
) -> Decimal | None:
    """Value of one unit of the currency in the base currency on the day; the base itself is 1."""
    if currency == base_currency:
        return Decimal(1)
    return rate_on(fx_rates.get(currency, ()), day)


def convert_group(sum_amount: Decimal, rate_line: Decimal, rate_prog: Decimal) -> Decimal:
    """Converted = sum × rate_line / rate_prog at 50 significant digits, not yet quantized."""
    amount = require_decimal(sum_amount, "sum_amount")
    line, prog = require_decimal(rate_line, "rate_line"), require_decimal(rate_prog, "rate_prog")
    if line <= 0 or prog <= 0:
        raise ValueError(f"FX rates must be positive, got {line} and {prog}")
    with localcontext(HIGH_PRECISION):
        return amount * line / prog


def quantize_measure(value: Decimal) -> Decimal:
    """A measure always has exactly 10 decimal places (half-even), and zero is never negative."""
    measure = value.quantize(MEASURE_QUANTUM, rounding=ROUND_HALF_EVEN, context=HIGH_PRECISION)
    return measure.copy_abs() if measure.is_zero() else measure


def measure_from_groups(groups: Iterable[FxGroup]) -> Decimal:
    """Revenue measure: merge groups by key (exactly), convert each, add in key order, quantize."""
    merged: dict[tuple[str, Decimal, Decimal], Decimal] = {}
    with localcontext(EXACT):
        for group in groups:
            merged[group.key] = merged.get(group.key, Decimal(0)) + group.amount
    total = Decimal(0)
    with localcontext(HIGH_PRECISION):
        for key in sorted(merged):
            total += convert_group(merged[key], key[1], key[2])
    return quantize_measure(total)


def measure_from_scaled(
    sums: Mapping[tuple[str, int, int], int], amount_scale: int, rate_scale: int
) -> Decimal:
    """measure_from_groups over exact integers: amounts × 10**amount_scale summed per
    (currency, rate_line, rate_prog), rates × 10**rate_scale. When every program rate is exactly
    1 no group divides, each conversion is an exact product and so is their sum: the measure is
    integer arithmetic, the very value measure_from_groups gives. Otherwise it is that function."""
    one = 10**rate_scale
    if all(rate_prog == one for _, _, rate_prog in sums):
        total = sum(amount * rate_line for (_, rate_line, _), amount in sums.items())
        return quantize_measure(Decimal(total).scaleb(-(amount_scale + rate_scale), EXACT))
    return measure_from_groups(
        FxGroup(
            currency,
            Decimal(rate_line).scaleb(-rate_scale, EXACT),
            Decimal(rate_prog).scaleb(-rate_scale, EXACT),
            Decimal(amount).scaleb(-amount_scale, EXACT),
        )
        for (currency, rate_line, rate_prog), amount in sums.items()
    )


def measure_from_quantities(quantities: Iterable[Decimal]) -> Decimal:
    """Quantity measure: the exact sum of line quantities (returns are negative), quantized."""
    total = Decimal(0)
    with localcontext(EXACT):
        for quantity in quantities:
            total += require_decimal(quantity, "quantity")
    return quantize_measure(total)


def points_rule(points_per_unit: Decimal, amount_scale: int) -> Callable[[int, int, int], int]:
    """points_for_line over exact integers, for posting a period's lines: the returned function
    takes the stored amount (× 10**amount_scale) and both stored rates (at one common scale) and
    gives trunc(amount × rate_line / rate_prog × points per unit), toward zero — the same integer
    points_for_line gives, by integer division instead of 50-digit decimals."""
    numerator, denominator = require_decimal(points_per_unit, "points_per_unit").as_integer_ratio()
    denominator *= 10**amount_scale

    def points(amount: int, rate_line: int, rate_prog: int) -> int:
        if rate_line <= 0 or rate_prog <= 0:
            raise ValueError(f"FX rates must be positive, got {rate_line} and {rate_prog}")
        product = amount * rate_line * numerator
        quotient = abs(product) // (rate_prog * denominator)
        return quotient if product >= 0 else -quotient

    return points


def points_for_line(
    amount: Decimal,
    points_per_unit: Decimal,
    *,
    rate_line: Decimal = Decimal(1),
    rate_prog: Decimal = Decimal(1),
) -> int:
    """Points = trunc(amount × rate_line / rate_prog × points per unit), toward zero, per line."""
    value = require_decimal(amount)
    per_unit = require_decimal(points_per_unit, "points_per_unit")
    line, prog = require_decimal(rate_line, "rate_line"), require_decimal(rate_prog, "rate_prog")
    if line <= 0 or prog <= 0:
        raise ValueError(f"FX rates must be positive, got {line} and {prog}")
    with localcontext(EXACT):
        numerator = value * line * per_unit
    # Dividing last and rounding that division toward zero keeps the quotient at or below the true
    # value, so truncation never gains a point that 50-digit rounding invented.
    with localcontext(HIGH_PRECISION) as context:
        context.rounding = ROUND_DOWN
        quotient = numerator / prog
    return int(quotient.to_integral_value(rounding=ROUND_DOWN))
