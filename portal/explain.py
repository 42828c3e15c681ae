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

from .formatting import (
    amount_number,
    amount_with_code,
    money,
    money_precise,
    money_with_rounding,
    quantity,
    rate,
    units,
)

QUANTITY_STEP = "Eligible quantity in the period: %(measure)s units."
CAPPED_STEP = "Capped at %(cap)s %(currency)s (calculated %(raw)s)."
TIER_STEP = (
    "Band from %(threshold)s reached; the whole measure earns its rate:"
    " %(measure)s × %(rate)s = %(amount)s."
)
SUM_STEP = "Sum of the slices: %(amount)s."
CONTEST_STEP = "Contest measure: %(measure)s; the standings rank it against the others."
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


def _money_formats(
    template: str, capped: bool, coded: bool
) -> dict[str, Callable[[Decimal, str], str]]:
    """How a step's money parameters read. Sentences that name the currency code after the
    amount get plain numbers ("205,925.40 EUR"), the others carry the currency sign. A contest's
    explanation (`coded`) reads every amount with the code, as its contest page does, so its
    measure step says the same "205,925.40 EUR" as the revenue step before it. The final
    rounding shows the payable; the tier result and the sum of slices show what rounding
    changed (unless a cap replaced them); slices and the amount before a cap are intermediates."""
    if "%(currency)s" in template:
        return {
            "money": amount_number,
            "threshold": lambda n, c: amount_number(n, c, whole=True),
            "amount": amount_number,
            "precise": lambda n, c: amount_number(n, c, precise=True),
        }
    if coded:
        return {
            "money": amount_with_code,
            "threshold": lambda n, c: amount_with_code(n, c, whole=True),
            "amount": amount_with_code,
            "precise": amount_with_code,
        }
    formats = {
        "money": money,
        "threshold": lambda n, c: money(n, c, whole=True),
        "amount": money_precise,
        "precise": money_precise,
    }
    if template in (TIER_STEP, SUM_STEP) and not capped:
        formats["amount"] = money_with_rounding
    return formats


def sentence(
    step: Mapping[str, Any], currency: str, *, per_unit: bool, capped: bool, coded: bool = False
) -> str:
    """One stored step as a sentence in the reader's language with formatted numbers."""
    template = step["template"]
    formats = _money_formats(template, capped, coded)
    values: dict[str, Any] = {}
    for key, raw in (step.get("params") or {}).items():
        number = _decimal(raw)
        if number is None or key == "places":
            values[key] = raw
        elif key in MEASURES:
            if per_unit:
                # The quantity sentence says "units" itself.
                values[key] = quantity(number) if template == QUANTITY_STEP else units(number)
            else:
                values[key] = formats["money"](number, currency)
        elif key in THRESHOLDS:
            values[key] = units(number) if per_unit else formats["threshold"](number, currency)
        elif key in ("cap", "cost"):
            values[key] = formats["threshold"](number, currency)
        elif key == "rate":
            values[key] = rate(number, currency, per_unit)
        elif key == "amount":
            values[key] = formats["amount"](number, currency)
        elif key == "raw":
            values[key] = formats["precise"](number, currency)
        elif key in COUNTS:
            values[key] = quantity(number)
        else:
            values[key] = raw
    return gettext(template) % values


def sentences(steps: Iterable[Mapping[str, Any]], currency: str) -> list[str]:
    """A result's explanation, step by step; a quantity program's rates read per unit, a
    contest's amounts with the currency code."""
    steps = list(steps or [])
    templates = {step["template"] for step in steps}
    per_unit, capped = QUANTITY_STEP in templates, CAPPED_STEP in templates
    coded = CONTEST_STEP in templates
    return [
        sentence(step, currency, per_unit=per_unit, capped=capped, coded=coded) for step in steps
    ]
