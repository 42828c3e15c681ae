"""The shapes of a validated program spec and of the problems that reject one."""

from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from workflows.engine.contest_rules import ContestRules
from workflows.engine.i18n import DateFormatter, Gettext, render_message, untranslated
from workflows.engine.periods import Period
from workflows.engine.tiers import Band, Mode


class Measure(StrEnum):
    """What accumulates per payee: converted revenue or units sold."""

    REVENUE = "revenue"
    QUANTITY = "quantity"


class Payee(StrEnum):
    """Who earns: each partner, or the top-level parent of a partner group."""

    PARTNER = "partner"
    PARTNER_GROUP = "partner_group"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a spec: where (e.g. tiers.bands[2].from) and a translatable message."""

    path: str
    template: str
    params: dict[str, Any] = field(default_factory=dict, hash=False)

    def render(self, gettext: Gettext = untranslated, show_date: DateFormatter = date.isoformat):
        """The message in the caller's language, dates as the caller writes them."""
        return render_message(self.template, self.params, gettext, show_date)


class SpecError(ValueError):
    """A spec rejected with every problem found, not just the first."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(f"{p.path or 'spec'}: {p.render()}" for p in self.problems))


@dataclass(frozen=True)
class Tiers:
    """Bands ascending by `from`, applied retroactively or marginally."""

    mode: Mode
    bands: tuple[Band, ...]


@dataclass(frozen=True)
class Eligibility:
    """Filters a sale line must pass; an empty filter lets everything through."""

    territories: tuple[str, ...] = ()
    partner_tiers: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    skus: tuple[str, ...] = ()
    registered_deals_only: bool = False


@dataclass(frozen=True)
class ProgramSpec:
    """One validated program version; build it with parse_spec or spec_from_dict."""

    code: str
    name: str
    kind: str
    currency: str
    period: Period | None = None
    eligible: Eligibility = Eligibility()
    measure: Measure = Measure.REVENUE
    growth: bool = False
    payee: Payee = Payee.PARTNER
    tiers: Tiers | None = None
    cap: Decimal | None = None
    points_per_unit: Decimal | None = None
    expires_after_days: int | None = None
    claim_required: bool = False
    claim_approval_threshold: Decimal | None = None
    deal_protection_days: int | None = None
    fund: str | None = None
    accrual_rate: Decimal | None = None
    contest: ContestRules | None = None


@dataclass(frozen=True)
class FundFacts:
    """What a co-op spec needs to know of the MDF fund it names."""

    currency: str
    earned: bool


@dataclass(frozen=True)
class KnownCodes:
    """Codes that exist in the database, supplied by the caller to check a spec's references."""

    territories: Set[str] = frozenset()
    partner_tiers: Set[str] = frozenset()
    categories: Set[str] = frozenset()
    skus: Set[str] = frozenset()
    funds: Mapping[str, FundFacts] = field(default_factory=dict)
