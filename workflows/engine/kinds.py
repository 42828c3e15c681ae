"""Program kinds register here by name, so a new kind touches no existing code."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Protocol

from workflows.engine.spec_types import Measure

if TYPE_CHECKING:
    from workflows.engine.calculate import PayeeAggregate, PayeeResult
    from workflows.engine.spec import ProgramSpec


class KindCalculator(Protocol):
    """What a program kind provides: its spec rules as data and the per-payee calculation."""

    @property
    def required_fields(self) -> frozenset[str]:
        """Spec fields this kind cannot do without."""
        ...

    @property
    def fixed_fields(self) -> Mapping[str, object]:
        """Spec fields whose value this kind fixes (None: the field must not be set)."""
        ...

    def calculate(self, spec: ProgramSpec, aggregate: PayeeAggregate) -> PayeeResult:
        """The payee's result for the period from its aggregated measure."""
        ...


KINDS: dict[str, KindCalculator] = {}

# What a kind measured on eligible revenue alone fixes: no rate tiers, cap, growth, points,
# expiry, claims or deal protection (co-op funds and contests).
ON_REVENUE_ALONE: Mapping[str, object] = MappingProxyType(
    {
        "tiers": None,
        "cap": None,
        "growth": False,
        "measure": Measure.REVENUE,
        "points_per_unit": None,
        "expires_after_days": None,
        "claim_required": False,
        "claim_approval_threshold": None,
        "deal_protection_days": None,
    }
)


def register_kind(name: str, calculator: KindCalculator) -> None:
    """Make a kind available to specs and calculations; a name can be registered once."""
    if name in KINDS:
        raise ValueError(f"program kind {name!r} is already registered")
    KINDS[name] = calculator
