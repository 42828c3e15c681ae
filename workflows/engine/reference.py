"""A deliberately plain line-by-line calculation: the yardstick the SQL path must match."""

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, localcontext
from typing import Any

from workflows.engine.calculate import (
    PayeeAggregate,
    PayeeResult,
    calculate_all,
    last_usable_day,
)
from workflows.engine.fx import (
    FxGroup,
    RateHistory,
    measure_from_groups,
    measure_from_quantities,
    points_for_line,
    rate_for,
)
from workflows.engine.i18n import N_, Gettext, render_message, untranslated
from workflows.engine.money import EXACT, require_decimal
from workflows.engine.periods import Period, effective_on, previous
from workflows.engine.spec_types import Measure, Payee, ProgramSpec


@dataclass(frozen=True)
class RefLine:
    """One sale line as imported; returns have a negative quantity and amount."""

    partner: str
    sku: str
    category_path: tuple[str, ...]  # root .. leaf
    sold_on: date
    quantity: Decimal
    amount: Decimal
    currency: str
    deal_ref: str | None = None
    external_id: str = ""

    def __post_init__(self) -> None:
        require_decimal(self.quantity, "quantity")
        require_decimal(self.amount, "amount")


@dataclass(frozen=True)
class RefWorld:
    """Master data as of the run: hierarchies, effective-dated histories, FX and won deals."""

    parents: Mapping[str, str | None] = field(default_factory=dict)
    territories: Mapping[str, Sequence[tuple[date, tuple[str, ...]]]] = field(default_factory=dict)
    tiers: Mapping[str, Sequence[tuple[date, str]]] = field(default_factory=dict)
    fx_rates: Mapping[str, RateHistory] = field(default_factory=dict)
    base_currency: str = "USD"
    won_deals: Set[str] = frozenset()


@dataclass(frozen=True)
class UnusableLine:
    """An eligible line the run could not use: an error to list, never a silent zero."""

    line: RefLine
    template: str
    params: dict[str, Any] = field(default_factory=dict, hash=False)

    def render(self, gettext: Gettext = untranslated) -> str:
        """The reason in the caller's language."""
        return render_message(self.template, self.params, gettext)


@dataclass(frozen=True)
class PointsEarning:
    """Loyalty points a payee earned from the sales of one day, and the last day they are usable."""

    payee_key: str
    sold_on: date
    last_usable_day: date
    points: int


@dataclass(frozen=True)
class ReferenceOutcome:
    """Results per payee, unusable lines, and (loyalty only) the dated point earnings."""

    results: dict[str, PayeeResult]
    unusable: tuple[UnusableLine, ...]
    earnings: tuple[PointsEarning, ...] = ()


def top_parent(partner: str, parents: Mapping[str, str | None]) -> str:
    """The top-most ancestor of a partner (the partner itself when it has no parent)."""
    seen = {partner}
    while (parent := parents.get(partner)) is not None:
        if parent in seen:
            raise ValueError(f"partner hierarchy has a cycle through {parent!r}")
        seen.add(parent)
        partner = parent
    return partner


def is_eligible(spec: ProgramSpec, line: RefLine, world: RefWorld) -> bool:
    """Filters with the territory and tier effective on sold_on; codes match anywhere in a path.

    Category and SKU filters together admit a line that matches either of them.
    """
    rules = spec.eligible
    if rules.territories:
        path = effective_on(world.territories.get(line.partner, ()), line.sold_on) or ()
        if not set(path) & set(rules.territories):
            return False
    if rules.partner_tiers:
        tier = effective_on(world.tiers.get(line.partner, ()), line.sold_on)
        if tier not in rules.partner_tiers:
            return False
    if rules.categories or rules.skus:
        in_category = bool(set(line.category_path) & set(rules.categories))
        if not in_category and line.sku not in rules.skus:
            return False
    return not (rules.registered_deals_only and line.deal_ref not in world.won_deals)


def reference_calculate(
    spec: ProgramSpec,
    lines: Iterable[RefLine],
    world: RefWorld,
    *,
    period: Period | None = None,
) -> ReferenceOutcome:
    """Calculate a program for a period (default: the spec's) by looking at every line in turn.

    Every payee with a usable eligible line in the period (for growth programs: or in the
    previous period) gets a result; lines without an FX rate are listed, never counted as zero.
    """
    current = period or spec.period
    if current is None:
        raise ValueError(f"program {spec.code} has no period; pass one")
    earlier = previous(current) if spec.growth else None
    per_unit, expiry_days = spec.points_per_unit, spec.expires_after_days
    if per_unit is not None and expiry_days is None:
        raise ValueError(f"program {spec.code} earns points but has no expires_after_days")

    # (which period, payee) -> (currency, line rate, program rate) -> exact sum of amounts
    groups: dict[tuple[str, str], dict[tuple[str, Decimal, Decimal], Decimal]] = defaultdict(dict)
    quantities: dict[tuple[str, str], list[Decimal]] = defaultdict(list)
    points: dict[str, int] = defaultdict(int)
    points_by_day: dict[tuple[str, date], int] = defaultdict(int)
    unusable: list[UnusableLine] = []

    for line in lines:
        if current.contains(line.sold_on):
            which = "current"
        elif earlier is not None and earlier.contains(line.sold_on):
            which = "previous"
        else:
            continue
        if not is_eligible(spec, line, world):
            continue
        if spec.payee == Payee.PARTNER_GROUP:
            payee = top_parent(line.partner, world.parents)
        else:
            payee = line.partner
        if spec.measure == Measure.QUANTITY:
            quantities[(which, payee)].append(line.quantity)
            continue
        rate_line = rate_for(line.currency, line.sold_on, world.fx_rates, world.base_currency)
        rate_prog = rate_for(spec.currency, line.sold_on, world.fx_rates, world.base_currency)
        if rate_line is None or rate_prog is None:
            missing = line.currency if rate_line is None else spec.currency
            unusable.append(
                UnusableLine(
                    line,
                    N_("No FX rate for %(currency)s on or before %(date)s."),
                    {"currency": missing, "date": line.sold_on.isoformat()},
                )
            )
            continue
        # The same grouping the database does: exact sums per (line currency, both rates).
        sums = groups[(which, payee)]
        key = (line.currency, rate_line, rate_prog)
        with localcontext(EXACT):
            sums[key] = sums.get(key, Decimal(0)) + line.amount
        if per_unit is not None and which == "current":
            earned = points_for_line(
                line.amount, per_unit, rate_line=rate_line, rate_prog=rate_prog
            )
            points[payee] += earned
            points_by_day[(payee, line.sold_on)] += earned

    payees = {payee for _, payee in groups} | {payee for _, payee in quantities}
    aggregates = []
    for payee in payees:
        aggregates.append(
            PayeeAggregate(
                payee_key=payee,
                measure=_measure(spec, groups, quantities, ("current", payee)),
                previous_measure=_measure(spec, groups, quantities, ("previous", payee))
                if spec.growth
                else None,
                points=points.get(payee, 0),
            )
        )
    results = {result.payee_key: result for result in calculate_all(spec, aggregates)}
    earnings = tuple(
        PointsEarning(payee, day, last_usable_day(day, expiry_days), total)
        for (payee, day), total in sorted(points_by_day.items())
        if total != 0 and expiry_days is not None
    )
    unusable.sort(key=_line_order)
    return ReferenceOutcome(results=results, unusable=tuple(unusable), earnings=earnings)


def _line_order(unusable: UnusableLine) -> tuple[Any, ...]:
    line = unusable.line
    return (
        line.sold_on,
        line.partner,
        line.external_id,
        line.sku,
        line.category_path,
        line.currency,
        line.amount,
        line.quantity,
        line.deal_ref or "",
    )


def _measure(
    spec: ProgramSpec,
    groups: Mapping[tuple[str, str], Mapping[tuple[str, Decimal, Decimal], Decimal]],
    quantities: Mapping[tuple[str, str], Sequence[Decimal]],
    key: tuple[str, str],
) -> Decimal:
    if spec.measure == Measure.QUANTITY:
        return measure_from_quantities(quantities.get(key, ()))
    sums = groups.get(key, {})
    return measure_from_groups(
        FxGroup(currency, rate_line, rate_prog, amount)
        for (currency, rate_line, rate_prog), amount in sums.items()
    )
