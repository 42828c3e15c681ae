"""Exact numbers as plain text for exports, and the currency digits pages and exports share.

No Flask and no locale here: CSV cells are machine interfaces, the same in every language.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import get_currency_precision

from workflows.engine import UnknownCurrencyError, minor_unit


def currency_digits(currency: str) -> int:
    """The currency's minor unit; codes the engine does not know fall back to CLDR's."""
    try:
        return minor_unit(currency)
    except UnknownCurrencyError:
        return get_currency_precision(currency)


def normal(value: Decimal) -> Decimal:
    """Without trailing zeros and never in exponent notation (1E+2 stays 100)."""
    reduced = value.normalize()
    return reduced.quantize(Decimal(1)) if reduced.as_tuple().exponent > 0 else reduced


def plain_decimal(value: Decimal | None, places: int | None = None) -> str:
    """An exact value for a CSV cell: money with its minor unit's digits (`places`; more only if
    the value has them), anything else without padding zeros; never exponent notation."""
    if value is None:
        return ""
    number = Decimal(value)
    if places is not None:
        padded = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        if padded == number:
            return format(padded, "f")
    return format(normal(number), "f")
