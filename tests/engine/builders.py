"""Spec builders for engine tests: a valid base program that each test changes in one place."""

import copy
from decimal import Decimal
from typing import Any

from workflows.engine import ProgramSpec, spec_from_dict

BASE_REBATE: dict[str, Any] = {
    "code": "EMEA-VOL-Q3",
    "name": "EMEA volume rebate",
    "kind": "rebate",
    "currency": "USD",
    "period": {"start": "2026-07-01", "end": "2026-09-30"},
    "measure": "revenue",
    "payee": "partner",
    "tiers": {
        "mode": "retroactive",
        "bands": [
            {"from": "0", "rate": "0"},
            {"from": "100000", "rate": "0.02"},
            {"from": "250000", "rate": "0.035"},
        ],
    },
}

BASE_LOYALTY: dict[str, Any] = {
    "code": "PTS-2026",
    "name": "Partner points",
    "kind": "loyalty",
    "currency": "USD",
    "period": {"start": "2026-07-01", "end": "2026-09-30"},
    "points_per_unit": "1",
    "expires_after_days": 365,
}


def spec_data(base: dict[str, Any] = BASE_REBATE, **changes: Any) -> dict[str, Any]:
    """A deep copy of the base with top-level fields replaced (None removes a field)."""
    data = copy.deepcopy(base)
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def make_spec(base: dict[str, Any] = BASE_REBATE, **changes: Any) -> ProgramSpec:
    """A validated spec: the base with the given changes."""
    return spec_from_dict(spec_data(base, **changes))


def bands(mode: str, *pairs: tuple[str, str]) -> dict[str, Any]:
    """A tiers mapping from (from, rate) pairs written as strings."""
    return {"mode": mode, "bands": [{"from": f, "rate": r} for f, r in pairs]}


def D(text: str) -> Decimal:
    """Decimal from text, to keep tables short."""
    return Decimal(text)
