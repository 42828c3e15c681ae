"""Money: minor units per currency and the single half-up rounding, exact with Decimal."""

from decimal import Decimal

import pytest
from babel.numbers import format_currency, get_currency_precision

from workflows.engine import MINOR_UNITS, UnknownCurrencyError, minor_unit, round_money


@pytest.mark.parametrize(
    ("currency", "places"),
    [
        ("USD", 2),
        ("EUR", 2),
        ("GBP", 2),
        ("CHF", 2),
        ("CAD", 2),
        ("AUD", 2),
        ("SEK", 2),
        ("NOK", 2),
        ("DKK", 2),
        ("PLN", 2),
        ("CZK", 2),
        ("INR", 2),
        ("CNY", 2),
        ("BRL", 2),
        ("MXN", 2),
        ("JPY", 0),
        ("KRW", 0),
        ("CLP", 0),
        ("KWD", 3),
        ("BHD", 3),
        ("TND", 3),
        # CLDR, unlike the ISO 4217 list, has whole units for these: nobody pays or shows
        # fillér, centavos or sen, and the engine rounds to what the pages show.
        ("HUF", 0),
        ("COP", 0),
        ("IDR", 0),
    ],
)
def test_minor_units_follow_iso_4217(currency, places):
    assert minor_unit(currency) == places
    assert MINOR_UNITS[currency] == places


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        pytest.param("0.005", "USD", "0.01", id="usd-half-cent-rounds-up"),
        pytest.param("2.675", "USD", "2.68", id="usd-2.675-exact-decimal-rounds-up"),
        pytest.param("2.665", "USD", "2.67", id="usd-half-up-not-half-even"),
        pytest.param("2.6749999", "USD", "2.67", id="usd-just-below-half"),
        pytest.param("0.004", "USD", "0.00", id="usd-below-half-cent"),
        pytest.param("-2.675", "USD", "-2.68", id="usd-negative-half-away-from-zero"),
        pytest.param("-0.004", "USD", "0.00", id="usd-negative-rounds-to-unsigned-zero"),
        pytest.param("5", "USD", "5.00", id="usd-whole-gets-two-places"),
        pytest.param("1234.5", "JPY", "1235", id="jpy-half-yen-up"),
        pytest.param("1234.4999", "JPY", "1234", id="jpy-below-half"),
        pytest.param("0.5", "JPY", "1", id="jpy-0.5"),
        pytest.param("1.0005", "KWD", "1.001", id="kwd-three-places"),
        pytest.param("2.0005", "BHD", "2.001", id="bhd-three-places"),
        pytest.param("0.0004", "TND", "0.000", id="tnd-below-half-millime"),
        pytest.param("1000.50", "HUF", "1001", id="huf-half-forint-up"),
        pytest.param("1000.49", "HUF", "1000", id="huf-no-filler"),
        pytest.param("2500.5", "COP", "2501", id="cop-whole-pesos"),
        pytest.param("15000.4", "IDR", "15000", id="idr-whole-rupiah"),
        pytest.param("99.5", "KRW", "100", id="krw-whole-won"),
        pytest.param("0.5", "CLP", "1", id="clp-whole-pesos"),
        pytest.param(
            "123456789012345678901234567890.125",
            "EUR",
            "123456789012345678901234567890.13",
            id="beyond-default-28-digit-precision",
        ),
    ],
)
def test_round_money_half_up_to_minor_unit(amount, currency, expected):
    assert str(round_money(Decimal(amount), currency)) == expected


def test_round_money_accepts_int():
    assert str(round_money(7, "EUR")) == "7.00"


@pytest.mark.parametrize(
    ("value", "error"),
    [
        pytest.param(2.675, TypeError, id="float"),
        pytest.param("2.675", TypeError, id="str"),
        pytest.param(True, TypeError, id="bool"),
        pytest.param(Decimal("NaN"), ValueError, id="nan"),
        pytest.param(Decimal("Infinity"), ValueError, id="infinity"),
    ],
)
def test_round_money_rejects_non_decimal_input(value, error):
    with pytest.raises(error):
        round_money(value, "USD")


@pytest.mark.parametrize("code", ["XYZ", "BTC", "XXX", "XTS", "XAU", "XDR", "CLF", "USN"])
def test_unknown_currency_is_an_error_not_a_default(code):
    with pytest.raises(UnknownCurrencyError, match=code):
        round_money(Decimal("1"), code)


@pytest.mark.parametrize("code", sorted(MINOR_UNITS))
def test_the_engine_rounds_to_the_digits_babel_formats_with(code):
    """One source: a run pays exactly what a page shows, in every currency."""
    assert minor_unit(code) == get_currency_precision(code)
    rounded = round_money(Decimal("1234.5678"), code)
    shown = format_currency(rounded, code, format="0.0", currency_digits=True, locale="en")
    assert shown == str(rounded)
