"""Calculation explanations for reading: the engine's sentences with every number formatted.

The engine stores each step as an English template and plain decimal parameters (exact, for
audit and the API). Pages and statements show them here: amounts as money in the reader's
locale, rates as percentages (or money per unit), quantities as units, thresholds without
padding, and an unrounded intermediate only next to the rounded amount it explains.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext

from workflows.engine.i18n import N_

from .formatting import (
    measure,
    money,
    money_precise,
    money_with_rounding,
    quantity,
    rate,
    threshold,
)

QUANTITY_STEP = "Eligible quantity in the period: %(measure)s units."
CAPPED_STEP = "Capped at %(cap)s %(currency)s (calculated %(raw)s)."
ROUNDED_STEP = "Rounded half-up once to %(places)s decimal places: %(amount)s %(currency)s."
TIER_STEP = (
    "Band from %(threshold)s reached; the whole measure earns its rate:"
    " %(measure)s × %(rate)s = %(amount)s."
)
SUM_STEP = "Sum of the slices: %(amount)s."
SLICE_STEPS = frozenset(
    {
        "Slice from %(lower)s: %(base)s × %(rate)s = %(amount)s.",
        "Slice %(lower)s to %(upper)s: %(base)s × %(rate)s = %(amount)s.",
    }
)

# Sentences whose currency was a separate word read better with the currency in the amount.
DISPLAY_TEMPLATES: Mapping[str, str] = {
    QUANTITY_STEP: N_("Eligible quantity in the period: %(measure)s."),
    "Eligible revenue in the period: %(measure)s %(currency)s.": N_(
        "Eligible revenue in the period: %(measure)s."
    ),
    CAPPED_STEP: N_("Capped at %(cap)s (calculated %(raw)s)."),
    ROUNDED_STEP: N_("Rounded half-up once to %(places)s decimal places: %(amount)s."),
}

MEASURES = frozenset({"measure", "current", "previous", "growth", "base"})
THRESHOLDS = frozenset({"threshold", "lower", "upper"})
COUNTS = frozenset({"points", "points_per_unit"})


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _amount_format(template: str, capped: bool) -> Callable[[Decimal, str], str]:
    """How a step's `amount` reads: the final rounding shows the payable, the tier result and
    the sum of slices show what rounding changed (unless a cap replaced them), slices are
    intermediates."""
    if template == ROUNDED_STEP:
        return money
    if template in (TIER_STEP, SUM_STEP) and not capped:
        return money_with_rounding
    return money_precise


def sentence(step: Mapping[str, Any], currency: str, *, per_unit: bool, capped: bool) -> str:
    """One stored step as a sentence in the reader's language with formatted numbers."""
    template = step["template"]
    amount_format = _amount_format(template, capped)
    values: dict[str, Any] = {}
    for key, raw in (step.get("params") or {}).items():
        number = _decimal(raw)
        if number is None or key == "places":
            values[key] = raw
        elif key in MEASURES:
            values[key] = measure(number, currency, per_unit)
        elif key in THRESHOLDS:
            values[key] = threshold(number, currency, per_unit)
        elif key == "cap":
            values[key] = money(number, currency, whole=True)
        elif key == "rate":
            values[key] = rate(number, currency, per_unit)
        elif key == "amount":
            values[key] = amount_format(number, currency)
        elif key == "raw":
            values[key] = money_precise(number, currency)
        elif key in COUNTS:
            values[key] = quantity(number)
        else:
            values[key] = raw
    return gettext(DISPLAY_TEMPLATES.get(template, template)) % values


def sentences(steps: Iterable[Mapping[str, Any]], currency: str) -> list[str]:
    """A result's explanation, step by step; a quantity program's rates read per unit."""
    steps = list(steps or [])
    templates = {step["template"] for step in steps}
    per_unit, capped = QUANTITY_STEP in templates, CAPPED_STEP in templates
    return [sentence(step, currency, per_unit=per_unit, capped=capped) for step in steps]
