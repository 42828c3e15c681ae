"""Numbers for reading, in the user's locale: money, unrounded intermediates, quantities,
percentages, tier rates, measures and thresholds. Templates use them as filters."""

from __future__ import annotations

import copy
from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import format_currency as babel_currency
from babel.numbers import get_currency_precision
from flask_babel import (
    format_currency,
    format_decimal,
    get_locale,
    get_translations,
    gettext,
    ngettext,
)

from workflows.engine import UnknownCurrencyError, round_money
from workflows.engine.numbers import currency_digits, normal

# An unrounded intermediate shows at most this many digits beyond the currency's minor unit.
EXTRA_DIGITS = 2
# Quantities show at most this many decimals (sales lines store four).
MAX_DECIMALS = 4


def _half_up(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _rounded(amount: Decimal, currency: str) -> Decimal:
    try:
        return round_money(amount, currency)
    except UnknownCurrencyError:
        return _half_up(amount, get_currency_precision(currency))


def _formatted(formats: str, key, value: Decimal, least: int, most: int, **options) -> str:
    """`value` in the locale's `formats[key]` pattern with between `least` and `most` decimals."""
    locale = get_locale()
    pattern = copy.copy(getattr(locale, formats)[key])
    pattern.frac_prec = (least, most)
    return pattern.apply(value, locale, **options)


def _whole_currency(amount: Decimal, currency: str) -> str:
    options = {"currency": currency, "currency_digits": False}
    return _formatted("currency_formats", "standard", amount, 0, 0, **options)


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
    value = _half_up(Decimal(amount), currency_digits(currency) + EXTRA_DIGITS)
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
        return _decimal(_half_up(amount, places), digits, places)
    return _decimal(_rounded(amount, currency), digits, digits)


def amount_with_code(amount: Decimal | None, currency: str, *, whole: bool = False) -> str:
    """A money amount followed by its ISO code, as contest pages and the sentences that name
    the code read: "205,925.40 EUR" (`whole`: "5,000 EUR" for an integral threshold)."""
    if amount is None:
        return ""
    return f"{amount_number(amount, currency, whole=whole)} {currency}"


def _decimal(value: Decimal, least: int, most: int) -> str:
    return _formatted("decimal_formats", None, value, least, most)


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
    number = normal(_half_up(Decimal(value), MAX_DECIMALS))
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


def points(value: Decimal | int | None) -> str:
    """Whole loyalty points with their word: "1,200 points", "1 point"."""
    if value is None:
        return ""
    count = int(Decimal(value).to_integral_value())
    # The award sentences' msgid; ngettext would put the unformatted count in %(num)s.
    text = get_translations().ngettext("%(num)s point", "%(num)s points", abs(count))
    return text % {"num": quantity(count)}


def percent(rate: Decimal | None) -> str:
    """A fraction as a percentage with the digits it needs: 0.035 → 3.5 %, 0.02 → 2 %."""
    if rate is None:
        return ""
    return _formatted("percent_formats", None, Decimal(rate), 0, MAX_DECIMALS)


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
