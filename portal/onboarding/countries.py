"""ISO 3166 countries named in the user's language (Babel's CLDR territory names)."""

from __future__ import annotations

from babel import Locale
from flask_babel import get_locale

from workflows.validators import COUNTRY_CODES

from ..forms import country_choices

__all__ = ["country_choices", "country_codes", "country_name"]


def _locale() -> Locale:
    return get_locale() or Locale("en")


def country_codes() -> frozenset[str]:
    """The countries the shared check accepts (workflows.validators)."""
    return COUNTRY_CODES


def country_name(code: str | None) -> str:
    if not code:
        return ""
    return _locale().territories.get(code, code)
