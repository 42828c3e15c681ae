"""Cell parsers shared by the importers; each returns the clean value or raises FieldError."""

from __future__ import annotations

from datetime import date

from .errors import (
    BAD_COUNTRY,
    BAD_CURRENCY,
    BAD_DATE,
    BAD_NUMBER,
    REQUIRED,
    TOO_LARGE,
    TOO_LONG,
    TOO_PRECISE,
    FieldError,
    shown,
)

CODE_LENGTH = 64
NAME_LENGTH = 200


def text(value: str, max_length: int, *, required: bool = True) -> str | None:
    """Required or optional text up to the column's length; an empty optional cell is None."""
    if not value:
        if required:
            raise FieldError(REQUIRED)
        return None
    if len(value) > max_length:
        raise FieldError(TOO_LONG, length=len(value), max=max_length)
    return value


def iso_date(value: str) -> date:
    """A calendar date written YYYY-MM-DD (no other ISO 8601 form)."""
    if not value:
        raise FieldError(REQUIRED)
    if len(value) == 10 and value[4] == "-" and value[7] == "-" and value.isascii():
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise FieldError(BAD_DATE, value=shown(value))


def scaled_int(value: str, places: int, max_whole_digits: int) -> int:
    """Exact decimal text → integer count of 10**-places units; more decimals are refused.

    Only an optional minus sign, ASCII digits and one dot are accepted: no exponent, no
    thousands separator, no NaN. Trailing zeros beyond `places` are harmless (1.50000 is 1.5).
    """
    if not value:
        raise FieldError(REQUIRED)
    whole, dot, fraction = value.partition(".")
    negative = whole.startswith("-")
    digits = whole[1:] if negative else whole
    if not (
        digits.isascii()
        and digits.isdigit()
        and (not dot or (fraction.isascii() and fraction.isdigit()))
    ):
        raise FieldError(BAD_NUMBER, value=shown(value))
    if len(fraction) > places:
        if fraction[places:].strip("0"):
            raise FieldError(TOO_PRECISE, value=shown(value), places=places)
        fraction = fraction[:places]
    if len(digits.lstrip("0")) > max_whole_digits:
        raise FieldError(TOO_LARGE, value=shown(value))
    units = int(digits + fraction.ljust(places, "0"))
    return -units if negative else units


def _letters(value: str, length: int, message: str) -> str:
    if not value:
        raise FieldError(REQUIRED)
    if len(value) != length or not (value.isascii() and value.isalpha() and value.isupper()):
        raise FieldError(message, value=shown(value))
    return value


def currency(value: str) -> str:
    """An ISO 4217-style code: three capital letters."""
    return _letters(value, 3, BAD_CURRENCY)


def country(value: str) -> str:
    """An ISO 3166 alpha-2-style code: two capital letters."""
    return _letters(value, 2, BAD_COUNTRY)
