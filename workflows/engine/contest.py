"""Sales contests: partners ranked by a measure, qualified by a threshold, a rank, or both.

A contest run measures each payee like any other program (eligibility, hierarchy, FX, growth
over the previous equal period come from the same aggregate); the kind's result is the measure
and earns no money by itself. Standings rank the measures: rank 1 is the highest measure, ties
go to the payee that reached its final measure on the earlier day, then to the lower partner
code — never to chance — so every payee of a group has its own rank.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_CEILING, Decimal, localcontext
from typing import Any

from workflows.engine.calculate import (
    ExplanationStep,
    PayeeAggregate,
    PayeeResult,
    _growth_measure,
)
from workflows.engine.contest_rules import Award, AwardKind, ContestMeasure, ContestRules
from workflows.engine.i18n import N_
from workflows.engine.kinds import ON_REVENUE_ALONE, register_kind
from workflows.engine.money import EXACT, HIGH_PRECISION, minor_unit, require_decimal
from workflows.engine.spec_types import Measure, ProgramSpec

KIND = "contest"


def measuring_spec(spec: ProgramSpec) -> ProgramSpec:
    """The spec as the loaders read it: units are the quantity measure, growth compares with
    the previous period of equal length; points are whole numbers too (no FX), read from the
    loyalty ledger instead of the sale lines."""
    rules = spec.contest
    if rules is None:
        return spec
    if rules.measure.whole:
        return replace(spec, measure=Measure.QUANTITY, growth=False)
    return replace(spec, measure=Measure.REVENUE, growth=rules.measure == ContestMeasure.GROWTH)


@dataclass(frozen=True)
class ContestKind:
    """The measure per payee, explained line by line; standings rank it, awards settle it."""

    required_fields: frozenset[str] = frozenset({"contest"})
    fixed_fields: Mapping[str, object] = field(default_factory=lambda: ON_REVENUE_ALONE)

    def calculate(self, spec: ProgramSpec, aggregate: PayeeAggregate) -> PayeeResult:
        """The payee's contest measure; the amount is zero until a settlement awards prizes."""
        if spec.contest is None:
            raise ValueError(f"contest program {spec.code} has no contest rules")
        if spec.contest.measure == ContestMeasure.POINTS:
            measure, steps = _points_measure(aggregate)
            steps.append(
                ExplanationStep(
                    N_(
                        "Contest measure: %(points)s points; the standings rank it against "
                        "the others."
                    ),
                    {"points": int(measure)},
                )
            )
        else:
            measure, steps = _growth_measure(measuring_spec(spec), aggregate)
            steps.append(
                ExplanationStep(
                    N_("Contest measure: %(measure)s; the standings rank it against the others."),
                    {"measure": measure},
                )
            )
        zero = Decimal(0).quantize(Decimal(1).scaleb(-minor_unit(spec.currency)))
        return PayeeResult(
            payee_key=aggregate.payee_key,
            measure=measure,
            band_from=None,
            rate=None,
            raw_amount=zero,
            capped=False,
            amount=zero,
            explanation=tuple(steps),
        )


def _points_measure(aggregate: PayeeAggregate) -> tuple[Decimal, list[ExplanationStep]]:
    """Points earned in the period: the loyalty programs' earnings net of returns (whole)."""
    measure = require_decimal(aggregate.measure, "measure")
    if measure != measure.to_integral_value():
        raise ValueError(f"points measure {measure} is not whole")
    steps = [
        ExplanationStep(
            N_(
                "Loyalty points earned in the period, returns deducted: %(points)s points "
                "(adjustments, contest awards, redemptions and expiries do not count)."
            ),
            {"points": int(measure)},
        )
    ]
    return measure, steps


register_kind(KIND, ContestKind())


@dataclass(frozen=True)
class Entry:
    """One payee in the standings: its measure, the day it reached it, its group and tier."""

    code: str
    measure: Decimal
    reached_on: date | None
    group: str = ""
    tier: str | None = None


@dataclass(frozen=True)
class Standing:
    """A payee's place: rank within its group (1 = best), qualified, and the gap to qualify."""

    code: str
    group: str
    rank: int
    measure: Decimal
    reached_on: date | None
    qualified: bool
    gap: Decimal
    tier: str | None = None


def order_key(entry: Entry) -> tuple[Any, ...]:
    """The documented order: higher measure, then the earlier day of reaching it (payees
    without such a day after those with one), then the partner code."""
    return (-entry.measure, entry.reached_on is None, entry.reached_on or date.min, entry.code)


def reference_ranks(entries: Iterable[Entry]) -> dict[str, tuple[str, int]]:
    """Plain ranking, the yardstick of the SQL path: code → (group, rank)."""
    groups: dict[str, list[Entry]] = {}
    for entry in entries:
        groups.setdefault(entry.group, []).append(entry)
    ranks: dict[str, tuple[str, int]] = {}
    for group, members in groups.items():
        for rank, entry in enumerate(sorted(members, key=order_key), start=1):
            ranks[entry.code] = (group, rank)
    return ranks


def qualify(
    rules: ContestRules, currency: str, ranked: Sequence[tuple[Entry, int]]
) -> list[Standing]:
    """Qualification and gap from ranked entries (each group ranked 1..n).

    A payee qualifies when its measure is above zero, at least the threshold (if any), and its
    rank within the top N (if any). The gap is what it still needs: up to the threshold, and
    past the payee ranked N by one step (an equal measure reached later loses the tie).
    """
    step = rules.step(currency)
    at_rank: dict[tuple[str, int], Decimal] = {
        (entry.group, rank): entry.measure for entry, rank in ranked
    }
    standings = []
    for entry, rank in ranked:
        with localcontext(EXACT):
            needs = [Decimal(0), step - entry.measure]
            if rules.threshold is not None:
                needs.append(rules.threshold - entry.measure)
            if rules.top is not None and rank > rules.top:
                needs.append(at_rank[(entry.group, rules.top)] + step - entry.measure)
            need = max(needs)
        # Shown as what to sell: rounded up to a whole step, so selling it is enough.
        with localcontext(HIGH_PRECISION):
            gap = need.quantize(step, rounding=ROUND_CEILING) if need > 0 else Decimal(0)
        qualified = gap == 0
        standings.append(
            Standing(
                code=entry.code,
                group=entry.group,
                rank=rank,
                measure=entry.measure,
                reached_on=entry.reached_on,
                qualified=qualified,
                gap=gap,
                tier=entry.tier,
            )
        )
    return sorted(standings, key=lambda s: (s.group, s.rank))


def reference_standings(
    rules: ContestRules, currency: str, entries: Iterable[Entry]
) -> list[Standing]:
    """Standings by the plain ranking: the whole calculation without a database."""
    listed = list(entries)
    ranks = reference_ranks(listed)
    return qualify(rules, currency, [(entry, ranks[entry.code][1]) for entry in listed])


def awards_for(rules: ContestRules, standing: Standing) -> list[Award]:
    """The awards a standing would win if the contest ended now (qualified payees only)."""
    if not standing.qualified:
        return []
    return [award for award in rules.awards if award.applies(standing.rank, standing.tier)]


def award_steps(won: Sequence[tuple[int, Award]], currency: str) -> list[ExplanationStep]:
    """The explanation's last steps for a payee that won: one sentence per award."""
    steps = []
    for rank, award in won:
        if award.kind == AwardKind.TRIP:
            steps.append(
                ExplanationStep(
                    N_(
                        "Final rank %(rank)s: trip seats: %(seats)s, at %(cost)s %(currency)s"
                        " each (a cost of the program, not paid out)."
                    ),
                    {
                        "rank": rank,
                        "seats": award.seats,
                        "cost": award.cost_per_seat,
                        "currency": currency,
                    },
                )
            )
        elif award.kind == AwardKind.AMOUNT:
            steps.append(
                ExplanationStep(
                    N_("Final rank %(rank)s: an award of %(amount)s %(currency)s."),
                    {"rank": rank, "amount": award.amount, "currency": currency},
                )
            )
        else:
            steps.append(
                ExplanationStep(
                    N_("Final rank %(rank)s: %(points)s points."),
                    {"rank": rank, "points": award.points},
                )
            )
    return steps


def neighbours(
    standings: Sequence[Standing], code: str
) -> tuple[Standing | None, Standing, Standing | None]:
    """The payee ranked just above, the payee itself, and the one just below, in its group."""
    own = next(s for s in standings if s.code == code)
    group = {s.rank: s for s in standings if s.group == own.group}
    return group.get(own.rank - 1), own, group.get(own.rank + 1)


def target_rank(rules: ContestRules, standing: Standing, group_size: int) -> int | None:
    """The rank the gap leads to: the top N's last place, or (threshold only) none."""
    if standing.qualified or rules.top is None:
        return None
    return min(rules.top, group_size)
