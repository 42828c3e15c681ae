"""Cell parsers shared by the importers; each returns the clean value or raises FieldError."""

from __future__ import annotations

from datetime import date

from workflows import validators

from .errors import (
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
    """Required or optional one-line text up to the column's length (codes, references): no
    control characters or direction overrides; an empty optional cell is None."""
    if not value:
        if required:
            raise FieldError(REQUIRED)
        return None
    if len(value) > max_length:
        raise FieldError(TOO_LONG, length=len(value), max=max_length)
    return validators.printable(value)


def name(value: str, max_length: int) -> str:
    """A required name, checked and NFC-normalised as names are everywhere else."""
    checked = text(value, max_length)
    return validators.name(checked) if checked is not None else checked


def text_block(value: str, max_length: int) -> str | None:
    """Optional text that may hold tabs and line breaks (a description); empty is None."""
    if not value:
        return None
    if len(value) > max_length:
        raise FieldError(TOO_LONG, length=len(value), max=max_length)
    return validators.text_block(value)


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


def currency(value: str) -> str:
    """An ISO 4217 currency code, as everywhere else in the portal."""
    if not value:
        raise FieldError(REQUIRED)
    return validators.currency(value)


def country(value: str) -> str:
    """An ISO 3166-1 alpha-2 country code, as everywhere else in the portal."""
    if not value:
        raise FieldError(REQUIRED)
    return validators.country(value)


def dated(value: str, window: validators.DateWindow) -> date:
    """A YYYY-MM-DD date within the window the configuration allows."""
    return window.check(iso_date(value))
