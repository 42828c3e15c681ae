"""The co-op kind: its spec rules and its accrual at the boundaries (pure, no database)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from workflows.engine import (
    FundFacts,
    KnownCodes,
    PayeeAggregate,
    SpecError,
    calculate_payee,
    canonical_json,
    parse_spec,
    spec_from_dict,
    spec_to_dict,
)
from workflows.engine.reference import RefLine, RefWorld, reference_calculate

COOP = """
code: COOP-1
name: Co-op on networking
kind: coop
currency: EUR
period: 2025-Q3
fund: COOP-EU
accrual_rate: 2.5
eligible: {categories: [NET]}
"""
KNOWN = KnownCodes(
    categories={"NET"},
    funds={
        "COOP-EU": FundFacts("EUR", earned=True),
        "COOP-JP": FundFacts("JPY", earned=True),
        "MDF-EU": FundFacts("EUR", earned=False),
        "COOP-US": FundFacts("USD", earned=True),
    },
)


def coop(**changes) -> dict:
    data = spec_to_dict(parse_spec(COOP, known=KNOWN))
    data.update(changes)
    return data


def problems(data: dict, known: KnownCodes | None = KNOWN) -> list[tuple[str, str]]:
    with pytest.raises(SpecError) as caught:
        spec_from_dict(data, known=known)
    return [(p.path, p.render()) for p in caught.value.problems]


def accrue(measure: str, *, rate: str = "2.5", currency: str = "EUR", fund: str = "COOP-EU"):
    spec = spec_from_dict(coop(accrual_rate=rate, currency=currency, fund=fund), known=KNOWN)
    return calculate_payee(spec, PayeeAggregate("7", Decimal(measure)))


def test_a_coop_spec_reads_back_and_hashes_like_any_other():
    spec = parse_spec(COOP, known=KNOWN)
    assert (spec.kind, spec.fund, spec.accrual_rate) == ("coop", "COOP-EU", Decimal("2.5"))
    again = spec_from_dict(spec_to_dict(spec), known=KNOWN)
    assert canonical_json(again) == canonical_json(spec)
    assert '"accrual_rate":"2.5"' in canonical_json(spec)


def test_other_kinds_keep_their_canonical_form_without_the_coop_fields():
    rebate = spec_to_dict(
        spec_from_dict(
            {
                "code": "R",
                "name": "R",
                "kind": "rebate",
                "currency": "USD",
                "tiers": {"mode": "retroactive", "bands": [{"from": 0, "rate": "0.01"}]},
            }
        )
    )
    assert "fund" not in rebate and "accrual_rate" not in rebate


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"fund": "NOPE"}, [("fund", "Unknown MDF fund NOPE.")]),
        (
            {"fund": "MDF-EU"},
            [("fund", "MDF-EU is not an earned fund: co-op programs earn into earned funds only.")],
        ),
        ({"fund": "COOP-US"}, [("fund", "COOP-US is in USD; the program pays in EUR.")]),
        ({"accrual_rate": "100.01"}, [("accrual_rate", "Must be a percentage from 0 to 100.")]),
        ({"accrual_rate": "-0.5"}, [("accrual_rate", "Must not be negative.")]),
        (
            {"accrual_rate": 2.5},
            [("accrual_rate", "Must be an exact decimal number, not a binary float.")],
        ),
        ({"accrual_rate": "1e400"}, [("accrual_rate", "Must be less than 100,000,000,000,000.")]),
        (
            {"accrual_rate": "0.000000001"},
            [("accrual_rate", "Must have at most 8 decimal places.")],
        ),
        ({"accrual_rate": "lots"}, [("accrual_rate", "Must be a number.")]),
        (
            {"fund": "bad code!"},
            [
                (
                    "fund",
                    "Use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter"
                    " or digit.",
                )
            ],
        ),
        ({"fund": None}, [("fund", "Required for coop programs.")]),
        ({"accrual_rate": None}, [("accrual_rate", "Required for coop programs.")]),
        (
            {"tiers": {"mode": "retroactive", "bands": [{"from": 0, "rate": "0.01"}]}},
            [("tiers", "Not used by coop programs.")],
        ),
        ({"measure": "quantity"}, [("measure", "Must be revenue for coop programs.")]),
        ({"growth": True}, [("growth", "Must be false for coop programs.")]),
        ({"cap": "100"}, [("cap", "Not used by coop programs.")]),
    ],
)
def test_bad_coop_specs_are_refused_with_a_clear_message(changes, expected):
    assert problems(coop(**changes)) == expected


def test_other_kinds_refuse_the_coop_fields():
    data = {
        "code": "R",
        "name": "R",
        "kind": "rebate",
        "currency": "EUR",
        "fund": "COOP-EU",
        "accrual_rate": "1",
        "tiers": {"mode": "retroactive", "bands": [{"from": 0, "rate": "0.01"}]},
    }
    assert problems(data) == [
        ("accrual_rate", "Not used by rebate programs."),
        ("fund", "Not used by rebate programs."),
    ]


def test_without_known_codes_the_fund_is_not_looked_up():
    assert spec_from_dict(coop(fund="ANY-FUND"), known=None).fund == "ANY-FUND"


@pytest.mark.parametrize(
    ("measure", "rate", "currency", "fund", "amount"),
    [
        ("1000", "2.5", "EUR", "COOP-EU", "25.00"),
        ("1000", "0", "EUR", "COOP-EU", "0.00"),  # rate 0: an accrual of nothing
        ("1000", "100", "EUR", "COOP-EU", "1000.00"),  # the upper bound
        ("0.19", "2.5", "EUR", "COOP-EU", "0.00"),  # 0.00475 rounds down
        ("0.2", "2.5", "EUR", "COOP-EU", "0.01"),  # 0.005 rounds half-up
        ("19", "2.5", "JPY", "COOP-JP", "0"),  # JPY has no minor unit: 0.475 → 0
        ("20", "2.5", "JPY", "COOP-JP", "1"),  # 0.5 → 1
        ("-500", "2.5", "EUR", "COOP-EU", "0.00"),  # returns above sales earn nothing
        ("0", "2.5", "EUR", "COOP-EU", "0.00"),
        ("123.4567", "0.00000001", "EUR", "COOP-EU", "0.00"),
    ],
)
def test_accrual_at_the_boundaries(measure, rate, currency, fund, amount):
    result = accrue(measure, rate=rate, currency=currency, fund=fund)
    assert str(result.amount) == amount
    assert result.band_from is None and not result.capped


def test_the_explanation_names_the_revenue_the_rate_and_the_fund():
    result = accrue("1234.5678")
    assert result.rate == Decimal("0.025")
    assert [step.render() for step in result.explanation] == [
        "Eligible revenue in the period: 1234.5678 EUR.",
        "Accrual at 2.5 % of the eligible revenue: 1234.5678 × 0.025 = 30.8641950.",
        "Rounded half-up once to 2 decimal places: 30.86 EUR.",
        "Earned into the co-op fund COOP-EU when a settlement is approved.",
    ]


def test_the_reference_converts_to_the_fund_currency_and_skips_ineligible_lines():
    spec = parse_spec(COOP, known=KNOWN)
    world = RefWorld(
        fx_rates={"EUR": [(date(2025, 1, 1), Decimal("1.25"))]},
        base_currency="USD",
    )
    lines = [
        RefLine("P1", "SW-24", ("HW", "NET"), date(2025, 7, 10), Decimal(1), Decimal("500"), "USD"),
        RefLine("P1", "SW-24", ("HW", "NET"), date(2025, 8, 1), Decimal(1), Decimal("100"), "EUR"),
        # another category, and a day outside the period: neither counts
        RefLine("P1", "LIC-1", ("SWL",), date(2025, 7, 10), Decimal(1), Decimal("9000"), "EUR"),
        RefLine(
            "P1", "SW-24", ("HW", "NET"), date(2025, 10, 1), Decimal(1), Decimal("9000"), "EUR"
        ),
    ]
    result = reference_calculate(spec, lines, world).results["P1"]
    # 500 USD at 1.25 USD per EUR is 400 EUR; with 100 EUR, 500 EUR × 2.5 % = 12.50 EUR.
    assert (result.measure, result.amount) == (Decimal("500.000000"), Decimal("12.50"))
