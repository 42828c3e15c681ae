"""Per-payee results from aggregated measures: tier math, cap, then one half-up rounding."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, localcontext
from types import MappingProxyType
from typing import Any

from workflows.engine.fx import points_for_line
from workflows.engine.i18n import N_, Gettext, render_message, untranslated
from workflows.engine.kinds import KINDS, KindCalculator, register_kind
from workflows.engine.money import EXACT, minor_unit, require_decimal, round_money
from workflows.engine.spec_types import Measure, ProgramSpec
from workflows.engine.tiers import Mode, TierResult, tiered_amount

__all__ = [
    "KINDS",
    "ExplanationStep",
    "KindCalculator",
    "LoyaltyKind",
    "PayeeAggregate",
    "PayeeResult",
    "TieredKind",
    "calculate_all",
    "calculate_payee",
    "last_usable_day",
    "points_for_line",
]


@dataclass(frozen=True)
class PayeeAggregate:
    """One payee's eligible measure for the period (and the previous one, for growth programs).

    For loyalty, `points` is the sum over the payee's lines of points_for_line (computed per line,
    never from the total, because each line truncates on its own).
    """

    payee_key: str
    measure: Decimal
    previous_measure: Decimal | None = None
    points: int = 0


@dataclass(frozen=True)
class ExplanationStep:
    """One translatable sentence of how an amount was reached."""

    template: str
    params: dict[str, Any] = field(default_factory=dict, hash=False)

    def render(self, gettext: Gettext = untranslated) -> str:
        """The sentence in the caller's language."""
        return render_message(self.template, self.params, gettext)


@dataclass(frozen=True)
class PayeeResult:
    """A payee's outcome: measure after growth, band, rate, amount before the cap, final amount."""

    payee_key: str
    measure: Decimal
    band_from: Decimal | None
    rate: Decimal | None
    raw_amount: Decimal
    capped: bool
    amount: Decimal
    explanation: tuple[ExplanationStep, ...]


def _step(template: str, **params: Any) -> ExplanationStep:
    return ExplanationStep(template, params)


def _measure_step(spec: ProgramSpec, measure: Decimal) -> ExplanationStep:
    if spec.measure == Measure.QUANTITY:
        return _step(N_("Eligible quantity in the period: %(measure)s units."), measure=measure)
    return _step(
        N_("Eligible revenue in the period: %(measure)s %(currency)s."),
        measure=measure,
        currency=spec.currency,
    )


def _growth_measure(
    spec: ProgramSpec, aggregate: PayeeAggregate
) -> tuple[Decimal, list[ExplanationStep]]:
    """Growth programs count only the increase over the previous period, never below zero."""
    current = require_decimal(aggregate.measure, "measure")
    steps = [_measure_step(spec, current)]
    if not spec.growth:
        return current, steps
    # No previous aggregate means no eligible sales then: the whole measure is growth.
    previous = Decimal(0)
    if aggregate.previous_measure is not None:
        previous = require_decimal(aggregate.previous_measure, "previous_measure")
    with localcontext(EXACT):
        difference = current - previous
    # A decline counts as zero, written at the difference's scale so measures print uniformly.
    growth = difference if difference > 0 else Decimal(0).quantize(difference)
    steps.append(
        _step(
            N_(
                "Growth over the previous period: %(current)s - %(previous)s, never below zero,"
                " gives %(growth)s."
            ),
            current=current,
            previous=previous,
            growth=growth,
        )
    )
    return growth, steps


def _tier_steps(
    result: TierResult, measure: Decimal, mode: Mode, first_threshold: Decimal
) -> list[ExplanationStep]:
    if result.band is None:
        if measure <= 0:
            return [_step(N_("No reward: the measure is not above zero."))]
        return [
            _step(
                N_("No reward: the measure is below the first band, from %(threshold)s."),
                threshold=first_threshold,
            )
        ]
    if mode == Mode.RETROACTIVE:
        return [
            _step(
                N_(
                    "Band from %(threshold)s reached; the whole measure earns its rate:"
                    " %(measure)s × %(rate)s = %(amount)s."
                ),
                threshold=result.band.from_,
                measure=measure,
                rate=result.rate,
                amount=result.amount,
            )
        ]
    steps = [
        _step(
            N_("Band from %(threshold)s reached; each slice earns its own band's rate."),
            threshold=result.band.from_,
        )
    ]
    for piece in result.slices:
        params = {"lower": piece.from_, "base": piece.base, "rate": piece.rate}
        if piece.to is None:
            template = N_("Slice from %(lower)s: %(base)s × %(rate)s = %(amount)s.")
        else:
            template = N_("Slice %(lower)s to %(upper)s: %(base)s × %(rate)s = %(amount)s.")
            params["upper"] = piece.to
        steps.append(_step(template, amount=piece.amount, **params))
    steps.append(_step(N_("Sum of the slices: %(amount)s."), amount=result.amount))
    return steps


@dataclass(frozen=True)
class TieredKind:
    """Rebates and SPIFs: tier math on the measure (per unit for quantity), cap, one rounding."""

    fixed_fields: Mapping[str, object]
    required_fields: frozenset[str] = frozenset({"tiers"})

    def calculate(self, spec: ProgramSpec, aggregate: PayeeAggregate) -> PayeeResult:
        """The payee's money amount in the program currency."""
        if spec.tiers is None:
            raise ValueError(f"program {spec.code} of kind {spec.kind} has no tiers")
        measure, steps = _growth_measure(spec, aggregate)
        tiers = spec.tiers
        result = tiered_amount(measure, tiers.bands, mode=tiers.mode)
        steps += _tier_steps(result, measure, tiers.mode, tiers.bands[0].from_)
        payable, capped = result.amount, False
        if spec.cap is not None and result.amount > spec.cap:
            payable, capped = spec.cap, True
            steps.append(
                _step(
                    N_("Capped at %(cap)s %(currency)s (calculated %(raw)s)."),
                    cap=spec.cap,
                    currency=spec.currency,
                    raw=result.amount,
                )
            )
        amount = round_money(payable, spec.currency)
        steps.append(
            _step(
                N_("Rounded half-up once to %(places)s decimal places: %(amount)s %(currency)s."),
                places=minor_unit(spec.currency),
                amount=amount,
                currency=spec.currency,
            )
        )
        return PayeeResult(
            payee_key=aggregate.payee_key,
            measure=measure,
            band_from=None if result.band is None else result.band.from_,
            rate=result.rate,
            raw_amount=result.amount,
            capped=capped,
            amount=amount,
            explanation=tuple(steps),
        )


@dataclass(frozen=True)
class LoyaltyKind:
    """Loyalty: whole points per sale line, truncated toward zero; returns give negative points."""

    required_fields: frozenset[str] = frozenset({"points_per_unit", "expires_after_days"})
    fixed_fields: Mapping[str, object] = field(
        default_factory=lambda: MappingProxyType(
            {
                "tiers": None,
                "cap": None,
                "growth": False,
                "measure": Measure.REVENUE,
                "claim_required": False,
                "claim_approval_threshold": None,
            }
        )
    )

    def calculate(self, spec: ProgramSpec, aggregate: PayeeAggregate) -> PayeeResult:
        """The payee's points; the aggregate carries the per-line sum, the measure is shown."""
        points = Decimal(aggregate.points)
        steps = (
            _measure_step(spec, require_decimal(aggregate.measure, "measure")),
            _step(
                N_(
                    "Each sale line earns its converted amount × %(points_per_unit)s points,"
                    " truncated toward zero: %(points)s points."
                ),
                points_per_unit=spec.points_per_unit,
                points=aggregate.points,
            ),
        )
        return PayeeResult(
            payee_key=aggregate.payee_key,
            measure=aggregate.measure,
            band_from=None,
            rate=spec.points_per_unit,
            raw_amount=points,
            capped=False,
            amount=points,
            explanation=steps,
        )


def last_usable_day(sold_on: date, expires_after_days: int) -> date:
    """Points from a sale stay usable through sold_on + expires_after_days, that day included."""
    return sold_on + timedelta(days=expires_after_days)


_NOT_LOYALTY = {"points_per_unit": None, "expires_after_days": None}
register_kind(
    "rebate",
    TieredKind(
        MappingProxyType(
            {**_NOT_LOYALTY, "claim_required": False, "claim_approval_threshold": None}
        )
    ),
)
register_kind("spif", TieredKind(MappingProxyType(_NOT_LOYALTY)))
register_kind("loyalty", LoyaltyKind())


def calculate_payee(spec: ProgramSpec, aggregate: PayeeAggregate) -> PayeeResult:
    """Dispatch to the spec's kind; every kind returns the same explained result shape."""
    try:
        calculator = KINDS[spec.kind]
    except KeyError:
        raise ValueError(f"unknown program kind {spec.kind!r}") from None
    return calculator.calculate(spec, aggregate)


def calculate_all(spec: ProgramSpec, aggregates: Iterable[PayeeAggregate]) -> list[PayeeResult]:
    """Results for every payee, sorted by payee key so runs are deterministic; keys are unique."""
    by_payee: dict[str, PayeeAggregate] = {}
    for aggregate in aggregates:
        if aggregate.payee_key in by_payee:
            raise ValueError(f"payee {aggregate.payee_key!r} appears twice in the aggregates")
        by_payee[aggregate.payee_key] = aggregate
    return [calculate_payee(spec, by_payee[key]) for key in sorted(by_payee)]
