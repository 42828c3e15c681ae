"""The shared value checks (workflows.validators), table-driven and without a database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from babel.numbers import format_currency
from flask_babel import force_locale

from portal.rendering import money
from workflows import validators as v


@pytest.mark.parametrize("code", ["DE", "FR", "JP", "US", "CI", "XK"])
def test_countries_accepted(code):
    assert v.country(code) == code


@pytest.mark.parametrize(
    "code", ["ZZ", "XX", "EU", "EZ", "UN", "QO", "XA", "XB", "IC", "EA", "de", "DEU", "", "D"]
)
def test_countries_refused(code):
    with pytest.raises(v.InvalidValue) as refused:
        v.country(code)
    assert refused.value.template == v.BAD_COUNTRY


@pytest.mark.parametrize("code", ["EUR", "USD", "JPY", "HUF", "XOF", "XAF", "XCD", "XPF", "KWD"])
def test_currencies_accepted(code):
    assert v.currency(code) == code


@pytest.mark.parametrize(
    "code",
    [
        "XXX",
        "XTS",
        "BTC",
        "XAU",
        "XAG",
        "XPT",
        "XPD",
        "XDR",
        "XBA",
        "XSU",
        "XUA",
        "CLF",
        "USN",
        "BOV",
        "eur",
        "EURO",
        "",
    ],
)
def test_currencies_refused(code):
    with pytest.raises(v.InvalidValue) as refused:
        v.currency(code)
    assert refused.value.template == v.BAD_CURRENCY


@pytest.mark.parametrize(
    ("amount", "currency", "ok"),
    [
        ("1000", "HUF", True),
        ("1000.00", "HUF", True),
        ("1000.50", "HUF", False),
        ("2500.01", "COP", False),
        ("15000.5", "IDR", False),
        ("10.5", "JPY", False),
        ("10.55", "EUR", True),
        ("10.555", "EUR", False),
        ("1.125", "KWD", True),
        ("1.1255", "BHD", False),
        ("1.1250", "TND", True),
    ],
)
def test_amounts_have_at_most_the_currency_decimals(amount, currency, ok):
    if ok:
        assert v.within_minor_unit(Decimal(amount), currency) == Decimal(amount)
    else:
        with pytest.raises(v.InvalidValue) as refused:
            v.within_minor_unit(Decimal(amount), currency)
        assert refused.value.params == {"currency": currency, "places": v.currency_places(currency)}


@pytest.mark.parametrize(
    ("text", "char", "position"),
    [
        ("Acme\x00", "U+0000", 5),
        ("Ac\x07me", "U+0007", 3),
        ("Acme\nGmbH", "U+000A", 5),
        ("\tAcme", "U+0009", 1),
        ("Acme\x85", "U+0085", 5),
        ("Acme\x9b", "U+009B", 5),
        ("exe.\u202ajpg", "U+202A", 5),
        ("gnp\u202eexe", "U+202E", 4),
        ("\u2066Acme\u2069", "U+2066", 1),
        ("Acme\u2068", "U+2068", 5),
        ("Acme\x7f", "U+007F", 5),
    ],
)
def test_names_refuse_control_and_direction_characters(text, char, position):
    with pytest.raises(v.InvalidValue) as refused:
        v.name(text)
    assert (refused.value.template, refused.value.params) == (
        v.BAD_CHARACTER,
        {"char": char, "position": position},
    )


def test_names_are_trimmed_and_nfc_normalised_and_keep_real_text():
    assert v.name("  Cafe\u0301  ") == "Café"
    assert v.name("株式会社\u3000サンプル") == "株式会社\u3000サンプル"
    assert v.name("שלום\u200f Ltd") == "שלום\u200f Ltd"  # a plain right-to-left mark stays
    assert v.name("Müller\u00a0& Söhne") == "Müller\u00a0& Söhne"


def test_text_blocks_keep_tabs_and_line_breaks_but_not_overrides():
    assert v.text_block("line one\r\n\tline two") == "line one\r\n\tline two"
    with pytest.raises(v.InvalidValue):
        v.text_block("line one\n\u202eowt enil")
    with pytest.raises(v.InvalidValue):
        v.text_block("bell\x07")


CONFIG = {
    "SALE_DATE_EARLIEST": date(2000, 1, 1),
    "SALE_DATE_MAX_DAYS_AHEAD": 366,
    "DEAL_CLOSE_MAX_DAYS_AHEAD": 1095,
}
TODAY = date(2026, 12, 6)


@pytest.mark.parametrize(
    ("window", "day", "message"),
    [
        (v.sale_date_window, date(1999, 12, 31), v.TOO_EARLY),
        (v.sale_date_window, date(2000, 1, 1), None),
        (v.sale_date_window, date(2027, 12, 7), None),
        (v.sale_date_window, date(2027, 12, 8), v.TOO_LATE),
        (v.claimed_sale_window, date(1900, 1, 1), v.TOO_EARLY),
        (v.claimed_sale_window, TODAY, None),
        (v.claimed_sale_window, date(2026, 12, 7), v.TOO_LATE),
        (v.claimed_sale_window, date(2099, 1, 1), v.TOO_LATE),
        (v.deal_close_window, date(2026, 12, 5), v.TOO_EARLY),
        (v.deal_close_window, date(2029, 12, 5), None),
        (v.deal_close_window, date(2029, 12, 6), v.TOO_LATE),
    ],
)
def test_date_windows_include_both_bounds(window, day, message):
    checked = window(CONFIG, TODAY)
    if message is None:
        assert checked.check(day) == day
    else:
        with pytest.raises(v.InvalidValue) as refused:
            checked.check(day)
        assert refused.value.template == message


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        ("1000.5", "HUF", "1001"),
        ("2500.49", "COP", "2500"),
        ("15000.5", "IDR", "15001"),
        ("2.675", "EUR", "2.68"),
        ("1.0005", "KWD", "1.001"),
    ],
)
def test_pages_show_money_rounded_as_the_engine_pays_it(app, amount, currency, shown):
    with app.test_request_context(), force_locale("en"):
        assert money(Decimal(amount), currency) == format_currency(
            Decimal(shown), currency, locale="en"
        )
