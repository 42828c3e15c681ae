"""One check per kind of value, shared by the pages, the API, the command line and the imports.

Each check returns the clean value or raises `InvalidValue` with an English template (marked
for the catalogs) and its parameters; the caller turns that into a form error, an API problem,
an import row error or a command-line message. No Flask and no database here: the date windows
take their bounds from the caller, which reads them from the configuration.

- countries: ISO 3166-1 alpha-2 codes as CLDR knows them (`ZZ`, `XX`, `EU`, `UN` refused);
- currencies: ISO 4217 legal tender as CLDR knows it (`XXX`, `XTS`, `XAU`, `BTC` refused);
- dates: within a window (earliest allowed day, latest allowed day);
- text: printable — no control characters (tab and line breaks only where several lines are
  allowed), no invisible direction overrides or isolates — and names NFC-normalised.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from babel import Locale

from workflows.engine.currencies import MINOR_UNITS, is_currency
from workflows.engine.i18n import N_, Refusal
from workflows.engine.money import HIGH_PRECISION

BAD_COUNTRY = N_("%(value)s is not a country: use an ISO 3166 code such as DE.")
BAD_CURRENCY = N_("%(value)s is not a currency: use an ISO 4217 code such as EUR.")
TOO_EARLY = N_("%(value)s is too early: the earliest date allowed is %(earliest)s.")
TOO_LATE = N_("%(value)s is too late: the latest date allowed is %(latest)s.")
BAD_CHARACTER = N_("Remove the control character %(char)s at position %(position)s.")
TOO_MANY_DECIMALS = N_("%(currency)s amounts have at most %(places)s decimals.")
NOT_AN_AMOUNT = N_("Enter an amount such as 12500.00.")

# Plain decimal notation only: no exponent (1e999), no NaN or Infinity, ASCII digits.
PLAIN_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")

# CLDR regions that are not ISO 3166-1 countries: the EU, the euro area, the UN, outlying
# Oceania, "unknown", the pseudo-locales, and the codes ISO only reserves (Ascension, Clipperton,
# Sark, Diego Garcia, Ceuta and Melilla, the Canary Islands, Tristan da Cunha). Kosovo (XK),
# user-assigned but used by the EU and the banks, stays.
NOT_COUNTRIES = frozenset(
    {"EU", "EZ", "UN", "QO", "ZZ", "XA", "XB", "AC", "CP", "CQ", "DG", "EA", "IC", "TA"}
)
COUNTRY_CODES: frozenset[str] = frozenset(
    code
    for code in Locale("en").territories
    if len(code) == 2 and code.isascii() and code.isalpha() and code not in NOT_COUNTRIES
)

# Direction overrides and isolates (LRE, RLE, PDF, LRO, RLO; LRI, RLI, FSI, PDI): they reorder
# what a reader sees, so "gpj.exe" can show as "exe.jpg". The plain marks LRM and RLM stay.
BIDI_CONTROLS = frozenset(chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))
LINE_CHARACTERS = frozenset("\t\n\r")
SHOWN_VALUE_LENGTH = 60


def shown(value: str) -> str:
    """A value as quoted in a message, cut short so one huge cell cannot flood the page."""
    if len(value) <= SHOWN_VALUE_LENGTH:
        return value
    return value[: SHOWN_VALUE_LENGTH - 1] + "…"


class InvalidValue(Refusal, ValueError):
    """A value failed its check."""


def country(value: str) -> str:
    """An ISO 3166-1 alpha-2 country code in capitals, such as DE."""
    if value not in COUNTRY_CODES:
        raise InvalidValue(BAD_COUNTRY, value=shown(value))
    return value


def currency(value: str) -> str:
    """An ISO 4217 currency code in capitals that is (or was) legal tender, such as EUR."""
    if not is_currency(value):
        raise InvalidValue(BAD_CURRENCY, value=shown(value))
    return value


def currency_places(value: str) -> int:
    """Decimal places of a currency's minor unit (the engine's, Babel's and CLDR's alike)."""
    return MINOR_UNITS[currency(value)]


def within_minor_unit(amount: Decimal, currency_code: str) -> Decimal:
    """An amount with no more decimals than its currency has: 1000.50 HUF is refused (HUF is
    paid and shown in whole forints), 1000.00 HUF is 1000 HUF."""
    places = currency_places(currency_code)
    quantum = Decimal(1).scaleb(-places)
    if amount.as_tuple().exponent < -places and amount != amount.quantize(
        quantum, context=HIGH_PRECISION
    ):
        raise InvalidValue(TOO_MANY_DECIMALS, currency=currency_code, places=places)
    return amount


def typed_amount(text: str) -> Decimal:
    """An amount typed as text (the command line): plain decimal notation, exact; -0 is 0."""
    cleaned = (text or "").strip()
    if not PLAIN_DECIMAL.fullmatch(cleaned):
        raise InvalidValue(NOT_AN_AMOUNT)
    value = Decimal(cleaned)
    return value.copy_abs() if value.is_zero() else value


def _character_name(char: str) -> str:
    return f"U+{ord(char):04X}"


def printable(value: str, *, multiline: bool = False) -> str:
    """Text without control characters or direction overrides; tab and line breaks are
    allowed only in text of several lines (descriptions, notes)."""
    for position, char in enumerate(value, start=1):
        if char in BIDI_CONTROLS or (
            unicodedata.category(char) == "Cc" and not (multiline and char in LINE_CHARACTERS)
        ):
            raise InvalidValue(BAD_CHARACTER, char=_character_name(char), position=position)
    return value


def name(value: str) -> str:
    """A one-line name (company, product, customer…): printable, trimmed and NFC-normalised,
    so "é" typed as e + accent and as one character are the same name."""
    return unicodedata.normalize("NFC", printable(value).strip())


def text_block(value: str) -> str:
    """Free text of several lines (notes, descriptions): printable, NFC-normalised."""
    return unicodedata.normalize("NFC", printable(value, multiline=True))


@dataclass(frozen=True)
class DateWindow:
    """The days a date may fall on, both bounds inclusive."""

    earliest: date
    latest: date

    def check(self, day: date) -> date:
        if day < self.earliest:
            raise InvalidValue(TOO_EARLY, value=day, earliest=self.earliest)
        if day > self.latest:
            raise InvalidValue(TOO_LATE, value=day, latest=self.latest)
        return day


def sale_date_window(config: Mapping[str, Any], today: date) -> DateWindow:
    """Sale, FX and effective dates: from SALE_DATE_EARLIEST to SALE_DATE_MAX_DAYS_AHEAD days
    after today (imports of planned rates and moves may look ahead)."""
    ahead = timedelta(days=config["SALE_DATE_MAX_DAYS_AHEAD"])
    return DateWindow(config["SALE_DATE_EARLIEST"], today + ahead)


def claimed_sale_window(config: Mapping[str, Any], today: date) -> DateWindow:
    """A claimed sale has happened: from SALE_DATE_EARLIEST to today."""
    return DateWindow(config["SALE_DATE_EARLIEST"], today)


def deal_close_window(config: Mapping[str, Any], today: date) -> DateWindow:
    """A deal's expected close: from today to DEAL_CLOSE_MAX_DAYS_AHEAD days ahead."""
    return DateWindow(today, today + timedelta(days=config["DEAL_CLOSE_MAX_DAYS_AHEAD"]))
