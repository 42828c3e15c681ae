"""ISO 3166 countries named in the user's language (Babel's CLDR territory names)."""

from __future__ import annotations

import unicodedata

from babel import Locale
from flask_babel import get_locale
from wtforms.fields.choices import SelectChoice

# CLDR codes that are not countries: EU, euro area, UN, outlying Oceania, unknown, pseudo-locales.
NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "ZZ", "XA", "XB"})


def _locale() -> Locale:
    return get_locale() or Locale("en")


def _sort_key(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def country_codes() -> frozenset[str]:
    return frozenset(
        code
        for code in Locale("en").territories
        if len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES
    )


def country_choices() -> list[SelectChoice]:
    """Country options sorted by name in the current language."""
    names = _locale().territories
    pairs = sorted(((c, names.get(c, c)) for c in country_codes()), key=lambda p: _sort_key(p[1]))
    return [SelectChoice(code, name) for code, name in pairs]


def country_name(code: str | None) -> str:
    if not code:
        return ""
    return _locale().territories.get(code, code)
