"""Formatting that needs the program: rates as percentages or per-unit amounts, measures."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext

from workflows.engine import Measure, ProgramSpec

from .. import formatting


def rate_label(rate: Decimal | None, spec: ProgramSpec) -> str:
    """3.5 % for a revenue rebate; 12.00 USD per unit for a quantity one."""
    if rate is None:
        return gettext("no band yet")
    return formatting.rate(rate, spec.currency, spec.measure == Measure.QUANTITY)


def measure_label(value: Decimal | None, spec: ProgramSpec) -> str:
    return formatting.measure(value, spec.currency, spec.measure == Measure.QUANTITY)


def threshold_label(value: Decimal | None, spec: ProgramSpec) -> str:
    """A band's start: "€400,000", "10 units"."""
    return formatting.threshold(value, spec.currency, spec.measure == Measure.QUANTITY)


def percent_towards(measure: Decimal, start: Decimal, target: Decimal | None) -> int:
    """How far the measure has come from the reached band's start to the next threshold."""
    if target is None:
        return 100
    span = target - start
    if span <= 0:
        return 0
    return max(0, min(100, int((measure - start) * 100 / span)))


def plain(value: Decimal | int) -> str:
    """A number as an <input type=number> value: no grouping, no trailing zeros."""
    return format(Decimal(value).normalize(), "f")
