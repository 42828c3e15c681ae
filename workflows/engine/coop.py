"""Co-op programs: a partner earns a percentage of its eligible revenue into an earned MDF fund.

Eligibility, FX and the partner hierarchy are the rebates' (the same aggregate reaches every
kind); the accrual is the measure × the rate, never below zero, rounded half-up once to the
program currency's minor unit, which the spec's validation makes the fund's currency too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, localcontext

from workflows.engine.calculate import ExplanationStep, PayeeAggregate, PayeeResult
from workflows.engine.i18n import N_
from workflows.engine.kinds import ON_REVENUE_ALONE, register_kind
from workflows.engine.money import EXACT, minor_unit, require_decimal, round_money
from workflows.engine.spec_types import ProgramSpec

KIND = "coop"


def accrual_fraction(percent: Decimal) -> Decimal:
    """A percentage as the fraction results store (2.5 → 0.025), exactly."""
    with localcontext(EXACT):
        return percent.scaleb(-2)


@dataclass(frozen=True)
class CoopKind:
    """One flat rate on the eligible revenue, earned into the fund the spec names."""

    required_fields: frozenset[str] = frozenset({"fund", "accrual_rate"})
    fixed_fields: Mapping[str, object] = field(default_factory=lambda: ON_REVENUE_ALONE)

    def calculate(self, spec: ProgramSpec, aggregate: PayeeAggregate) -> PayeeResult:
        """The payee's accrual in the program (and fund) currency."""
        if spec.accrual_rate is None or spec.fund is None:
            raise ValueError(f"co-op program {spec.code} has no fund or accrual rate")
        measure = require_decimal(aggregate.measure, "measure")
        rate = accrual_fraction(spec.accrual_rate)
        steps = [
            ExplanationStep(
                N_("Eligible revenue in the period: %(measure)s %(currency)s."),
                {"measure": measure, "currency": spec.currency},
            )
        ]
        if measure > 0:
            with localcontext(EXACT):
                raw = measure * rate
            steps.append(
                ExplanationStep(
                    N_(
                        "Accrual at %(percent)s %% of the eligible revenue:"
                        " %(measure)s × %(rate)s = %(amount)s."
                    ),
                    {
                        "percent": spec.accrual_rate,
                        "measure": measure,
                        "rate": rate,
                        "amount": raw,
                    },
                )
            )
        else:
            raw = Decimal(0)
            steps.append(ExplanationStep(N_("No reward: the measure is not above zero."), {}))
        amount = round_money(raw, spec.currency)
        steps += [
            ExplanationStep(
                N_("Rounded half-up once to %(places)s decimal places: %(amount)s %(currency)s."),
                {"places": minor_unit(spec.currency), "amount": amount, "currency": spec.currency},
            ),
            ExplanationStep(
                N_("Earned into the co-op fund %(fund)s when a settlement is approved."),
                {"fund": spec.fund},
            ),
        ]
        return PayeeResult(
            payee_key=aggregate.payee_key,
            measure=measure,
            band_from=None,
            rate=rate,
            raw_amount=raw,
            capped=False,
            amount=amount,
            explanation=tuple(steps),
        )


register_kind(KIND, CoopKind())
