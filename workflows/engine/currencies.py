"""ISO 4217 currencies and their minor units, read from Babel's CLDR data: the one source.

The engine rounds payouts, the pages and exports format amounts, and every form, API body and
import checks amounts against the same digits, so a HUF amount is paid, shown and accepted with
the same number of decimals. CLDR's `digits` (what Babel's `get_currency_precision` gives) are
used, not its cash digits: payouts are bank transfers, not coins.

A code is a currency when CLDR lists it as legal tender of some territory, now or in the past:
that keeps the CFA and CFP francs and the East Caribbean dollar (XAF, XOF, XPF, XCD) and refuses
precious metals, fund and accounting units, test and "no currency" codes (XAU, XDR, CLF, USN,
XTS, XXX) and anything CLDR does not know (BTC).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from babel.core import get_global
from babel.numbers import get_currency_precision, list_currencies


def _tender_codes() -> frozenset[str]:
    known = frozenset(list_currencies())
    tender = {
        entry[0]
        for history in get_global("territory_currencies").values()
        for entry in history
        if entry[3]  # (code, start, end, tender)
    }
    return frozenset(tender & known)


CURRENCY_CODES: frozenset[str] = _tender_codes()

# Decimal places of each currency's minor unit: 2 for USD and EUR, 0 for JPY, HUF, COP and IDR,
# 3 for KWD, BHD and TND.
MINOR_UNITS: Mapping[str, int] = MappingProxyType(
    {code: get_currency_precision(code) for code in sorted(CURRENCY_CODES)}
)


def is_currency(code: str) -> bool:
    """True for an ISO 4217 code CLDR knows as legal tender (spelt in capitals)."""
    return code in CURRENCY_CODES
