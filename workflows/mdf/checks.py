"""What fund, request and claim inputs must be: the shared value checks plus MDF's own limits."""

from __future__ import annotations

import re
from decimal import Decimal

from workflows import validators
from workflows.engine.i18n import N_

from .errors import MdfError

# 14 digits before the point, like every amount typed into a page (portal.forms.AmountField).
MAX_AMOUNT = Decimal("99999999999999")
CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
NAME_LENGTH = 200
DESCRIPTION_LENGTH = 4000
REASON_LENGTH = 2000


def amount(value, currency: str, *, field: str = "amount", zero: bool = False) -> Decimal:
    """A positive (or, with `zero`, non-negative) exact amount with no more decimals than the
    currency has."""
    if isinstance(value, float) or not isinstance(value, Decimal | int):
        raise TypeError("MDF amounts are Decimals")
    number = Decimal(value)
    if not number.is_finite() or number < 0 or (number == 0 and not zero) or number > MAX_AMOUNT:
        raise MdfError(
            N_("The amount must be more than zero and have at most 14 digits before the point."),
            field=field,
        )
    validators.within_minor_unit(number, currency)
    return number


def code(value: str, *, field: str = "code") -> str:
    """A code of letters, digits, dots, dashes and underscores, up to 64 characters."""
    text = (value or "").strip()
    if not CODE.fullmatch(text):
        raise MdfError(
            N_("Use 1 to 64 letters, digits, dots, dashes or underscores for the code."),
            field=field,
        )
    return text


def name(value: str, *, field: str = "name") -> str:
    text = validators.name(value or "")
    if not text:
        raise MdfError(N_("Give a name."), field=field)
    if len(text) > NAME_LENGTH:
        raise MdfError(N_("Use at most %(count)s characters."), count=NAME_LENGTH, field=field)
    return text


def text(value: str, *, field: str, limit: int, missing: str) -> str:
    """Free text of several lines that must not be empty (`missing` says what to give)."""
    cleaned = validators.text_block(value or "").strip()
    if not cleaned:
        raise MdfError(missing, field=field)
    if len(cleaned) > limit:
        raise MdfError(N_("Use at most %(count)s characters."), count=limit, field=field)
    return cleaned


def reason(value: str) -> str:
    return text(
        value, field="reason", limit=REASON_LENGTH, missing=N_("Give a reason for the decision.")
    )
