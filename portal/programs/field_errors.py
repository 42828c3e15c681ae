"""Spec problems at the builder's fields: a problem's path (`tiers.bands[1].rate`) names the form
field it concerns; problems of the definition as a whole stay in the summary."""

from __future__ import annotations

import re
from collections.abc import Iterable

from flask_babel import format_date

from workflows.engine import Problem

_SAME_NAME = frozenset(
    {
        "code",
        "name",
        "kind",
        "currency",
        "measure",
        "growth",
        "payee",
        "cap",
        "points_per_unit",
        "expires_after_days",
        "claim_required",
        "claim_approval_threshold",
        "deal_protection_days",
        "fund",
        "accrual_rate",
    }
)
_BAND = re.compile(r"tiers\.bands\[(\d+)\](?:\.(from|rate))?")
_ELIGIBLE = re.compile(
    r"eligible\.(territories|partner_tiers|categories|skus|registered_deals_only)"
)


def field_for(path: str, band_rows: list[int]) -> str | None:
    """The form field a spec path concerns (None: the definition as a whole)."""
    if path in _SAME_NAME:
        return path
    if path in ("period", "period.end"):
        return "period_end"
    if path == "period.start":
        return "period_start"
    if path in ("tiers", "tiers.bands"):
        return "bands"
    if path == "tiers.mode":
        return "mode"
    if match := _ELIGIBLE.match(path):
        return match.group(1)
    if path == "eligible":
        return "territories"
    if match := _BAND.fullmatch(path):
        index, part = int(match.group(1)), match.group(2)
        if part is None or index >= len(band_rows):
            return "bands"
        return f"bands-{band_rows[index]}-{'start' if part == 'from' else 'rate'}"
    return None


def errors_by_field(
    problems: Iterable[Problem], band_rows: list[int], render
) -> tuple[dict[str, list[str]], list[tuple[str, str]]]:
    """Messages per form field, and the problems that concern no single field (with paths)."""
    at_fields: dict[str, list[str]] = {}
    general: list[tuple[str, str]] = []
    for problem in problems:
        message = problem.render(render, format_date)
        name = field_for(problem.path, band_rows)
        if name is None:
            general.append((problem.path, message))
        else:
            at_fields.setdefault(name, []).append(message)
    return at_fields, general
