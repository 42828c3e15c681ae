"""Numbers for reading, in the user's locale: money, unrounded intermediates, quantities,
percentages, tier rates, measures and thresholds. Templates use them as filters."""

from __future__ import annotations

import copy
from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import format_currency as babel_currency
from babel.numbers import get_currency_precision
from flask_babel import format_currency, format_decimal, get_locale, gettext, ngettext

from workflows.engine import UnknownCurrencyError, round_money
from workflows.engine.numbers import currency_digits, normal

# An unrounded intermediate shows at most this many digits beyond the currency's minor unit.
EXTRA_DIGITS = 2
# Quantities show at most this many decimals (sales lines store four).
MAX_DECIMALS = 4


def _rounded(amount: Decimal, currency: str) -> Decimal:
    try:
        return round_money(amount, currency)
    except UnknownCurrencyError:
        quantum = Decimal(1).scaleb(-get_currency_precision(currency))
        return amount.quantize(quantum, rounding=ROUND_HALF_UP)


def _whole_currency(amount: Decimal, currency: str) -> str:
    locale = get_locale()
    pattern = copy.copy(locale.currency_formats["standard"])
    pattern.frac_prec = (0, 0)
    return pattern.apply(amount, locale, currency=currency, currency_digits=False)


def money(amount: Decimal | None, currency: str, whole: bool = False) -> str:
    """Round half-up to the currency's minor unit first, then format for the user's locale.

    `whole` drops the minor unit of integral amounts (thresholds and caps: "from €100,000")."""
    if amount is None:
        return ""
    amount = Decimal(amount)
    if whole and amount == amount.to_integral_value():
        return _whole_currency(amount.to_integral_value(), currency)
    return format_currency(_rounded(amount, currency), currency)


def money_precise(amount: Decimal | None, currency: str) -> str:
    """An unrounded intermediate: the digits it has, at least the currency's and at most
    EXTRA_DIGITS more ("€4,118.508", "€1,600.00")."""
    if amount is None:
        return ""
    places = currency_digits(currency) + EXTRA_DIGITS
    value = Decimal(amount).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return babel_currency(normal(value), currency, locale=get_locale(), decimal_quantization=False)


def amount_number(
    amount: Decimal | None, currency: str, *, precise: bool = False, whole: bool = False
) -> str:
    """A money amount without its currency sign, for sentences that name the currency code
    after it ("205,925.40 EUR"): the currency's digits, up to EXTRA_DIGITS more when `precise`,
    none for an integral amount when `whole`."""
    if amount is None:
        return ""
    amount, digits = Decimal(amount), currency_digits(currency)
    if whole and amount == amount.to_integral_value():
        return _decimal(amount.to_integral_value(), 0, 0)
    if precise:
        places = digits + EXTRA_DIGITS
        value = amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        return _decimal(value, digits, places)
    return _decimal(_rounded(amount, currency), digits, digits)


def _decimal(value: Decimal, least: int, most: int) -> str:
    locale = get_locale()
    pattern = copy.copy(locale.decimal_formats[None])
    pattern.frac_prec = (least, most)
    return pattern.apply(value, locale)


def money_with_rounding(amount: Decimal | None, currency: str) -> str:
    """The rounded amount, and the unrounded one only when rounding changed it."""
    if amount is None:
        return ""
    amount = Decimal(amount)
    rounded = _rounded(amount, currency)
    if rounded == amount:
        return money(rounded, currency)
    return gettext(
        "%(amount)s (%(unrounded)s before rounding)",
        amount=money(rounded, currency),
        unrounded=money_precise(amount, currency),
    )


def quantity(value: Decimal | int | None) -> str:
    """A count for reading: whole units without decimals, otherwise only the decimals it has."""
    if value is None:
        return ""
    number = Decimal(value)
    places = Decimal(1).scaleb(-MAX_DECIMALS)
    number = normal(number.quantize(places, rounding=ROUND_HALF_UP))
    return format_decimal(number, format="#,##0.####")


def units(value: Decimal | int | None) -> str:
    """A quantity with its unit: "64 units", "1 unit", "2.5 units"."""
    if value is None:
        return ""
    number = Decimal(value)
    if number == number.to_integral_value():
        count = int(number)
        return ngettext("%(count)s unit", "%(count)s units", abs(count), count=quantity(count))
    return gettext("%(count)s units", count=quantity(number))


def percent(rate: Decimal | None) -> str:
    """A fraction as a percentage with the digits it needs: 0.035 → 3.5 %, 0.02 → 2 %."""
    if rate is None:
        return ""
    locale = get_locale()
    pattern = copy.copy(locale.percent_formats[None])
    pattern.frac_prec = (0, MAX_DECIMALS)
    return pattern.apply(Decimal(rate), locale)


def rate(value: Decimal | None, currency: str, per_unit: bool = False) -> str:
    """A tier rate: a percentage of revenue, or money per unit for a quantity measure."""
    if value is None:
        return ""
    if per_unit:
        return gettext("%(amount)s per unit", amount=money_precise(value, currency))
    return percent(value)


def measure(value: Decimal | None, currency: str, per_unit: bool = False) -> str:
    """A measure: units for a quantity program, money in the program currency otherwise."""
    if value is None:
        return ""
    return units(value) if per_unit else money(value, currency)


def threshold(value: Decimal | None, currency: str, per_unit: bool = False) -> str:
    """A band's start: "from 10 units", "from €100,000"."""
    if value is None:
        return ""
    return units(value) if per_unit else money(value, currency, whole=True)
