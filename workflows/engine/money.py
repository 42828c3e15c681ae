"""Exact money: Decimal amounts, ISO 4217 minor units (CLDR's, see currencies.py) and the one
half-up rounding per payee."""

from decimal import (
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
)

from workflows.engine.currencies import MINOR_UNITS

# Conversions divide, so they round; 50 significant digits keeps that far below any minor unit.
HIGH_PRECISION = Context(
    prec=50, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation, DivisionByZero, Overflow]
)
# Sums and tier products must be exact: Inexact is trapped, so a silent rounding becomes an error.
EXACT = Context(
    prec=50, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation, DivisionByZero, Overflow, Inexact]
)


class UnknownCurrencyError(ValueError):
    """A currency code the engine has no minor unit for."""


def require_decimal(value: object, name: str = "amount") -> Decimal:
    """Money and measures enter the engine as Decimal (or int); a binary float is always a bug."""
    if isinstance(value, float):
        raise TypeError(f"{name} must be a Decimal, not a float ({value!r})")
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"{name} must be a Decimal, not {type(value).__name__}")
    number = Decimal(value)
    if not number.is_finite():
        raise ValueError(f"{name} must be a finite number, not {number}")
    return number


def minor_unit(currency: str) -> int:
    """Decimal places of the currency's minor unit (2 for USD and EUR, 0 for JPY and HUF, 3 for
    KWD); a code that is not a currency is an error, never a default."""
    try:
        return MINOR_UNITS[currency]
    except KeyError:
        raise UnknownCurrencyError(f"unknown currency code {currency!r}") from None


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Half-up (ties away from zero) to the currency's minor unit: 2.675 USD → 2.68, 0.5 JPY → 1."""
    value = require_decimal(amount)
    quantum = Decimal(1).scaleb(-minor_unit(currency))
    rounded = value.quantize(quantum, rounding=ROUND_HALF_UP, context=HIGH_PRECISION)
    # -0.004 rounds to -0.00; a signed zero would make equal results print differently.
    return rounded.copy_abs() if rounded.is_zero() else rounded
