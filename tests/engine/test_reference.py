"""The line-by-line reference: effective dating, groups, returns, FX gaps, deals, growth, points."""

import random
from datetime import date
from decimal import Decimal

import pytest

from tests.engine.builders import BASE_LOYALTY, D, bands, make_spec
from workflows.engine import FxGroup, measure_from_groups, parse_period
from workflows.engine.reference import (
    PointsEarning,
    RefLine,
    RefWorld,
    reference_calculate,
    top_parent,
)

FLAT_1PCT = bands("retroactive", ("0", "0.01"))
EMEA = ("WORLD", "EMEA")
DACH = (*EMEA, "DACH")
US = ("WORLD", "AMER", "US")
NETWORKING = ("HW", "NET")
SWITCHES = (*NETWORKING, "NET-SW")
STORAGE = ("HW", "STORAGE")

WORLD = RefWorld(
    parents={"BRANCH-1": "GROUP", "BRANCH-2": "GROUP", "GROUP": "HOLDING", "SOLO": None},
    territories={
        "MOVER": [(date(2020, 1, 1), DACH), (date(2026, 8, 15), US)],
        "BRANCH-1": [(date(2020, 1, 1), DACH)],
        "BRANCH-2": [(date(2020, 1, 1), EMEA)],
        "GOLDIE": [(date(2020, 1, 1), DACH)],
        "SOLO": [(date(2020, 1, 1), DACH)],
    },
    tiers={
        "GOLDIE": [(date(2025, 1, 1), "gold"), (date(2026, 8, 1), "silver")],
        "SOLO": [(date(2025, 1, 1), "gold")],
    },
    fx_rates={
        "EUR": [(date(2026, 1, 1), D("1.10")), (date(2026, 8, 1), D("1.20"))],
        "GBP": [(date(2026, 9, 1), D("1.30"))],
    },
    base_currency="USD",
    won_deals=frozenset({"DEAL-WON"}),
)


def line(
    partner,
    sold_on,
    amount,
    *,
    currency="USD",
    quantity="1",
    categories=SWITCHES,
    sku="SKU-1",
    deal_ref=None,
    external_id="",
):
    return RefLine(
        partner, sku, categories, sold_on, D(quantity), D(amount), currency, deal_ref, external_id
    )


def measures(outcome):
    return {payee: format(result.measure, "f") for payee, result in outcome.results.items()}


def test_partner_moved_territory_mid_quarter_counts_old_territory_before_the_move():
    spec = make_spec(eligible={"territories": ["EMEA"]}, tiers=FLAT_1PCT)
    lines = [
        line("MOVER", date(2026, 8, 14), "1000"),
        line("MOVER", date(2026, 8, 15), "2000"),  # now in AMER: not EMEA any more
    ]
    outcome = reference_calculate(spec, lines, WORLD)
    assert measures(outcome) == {"MOVER": "1000.0000000000"}
    assert str(outcome.results["MOVER"].amount) == "10.00"


@pytest.mark.parametrize(
    ("payee", "expected"),
    [
        pytest.param(
            "partner_group",
            {"HOLDING": "3500.0000000000", "SOLO": "100.0000000000"},
            id="group-paid-at-top-parent",
        ),
        pytest.param(
            "partner",
            {
                "BRANCH-1": "1000.0000000000",
                "BRANCH-2": "2500.0000000000",
                "SOLO": "100.0000000000",
            },
            id="each-partner",
        ),
    ],
)
def test_payee_level(payee, expected):
    spec = make_spec(payee=payee, tiers=FLAT_1PCT)
    lines = [
        line("BRANCH-1", date(2026, 7, 5), "1000"),
        line("BRANCH-2", date(2026, 7, 6), "2000"),
        line("BRANCH-2", date(2026, 7, 7), "500"),
        line("SOLO", date(2026, 7, 8), "100"),
    ]
    assert measures(reference_calculate(spec, lines, WORLD)) == expected


def test_top_parent_walks_to_the_root_and_rejects_cycles():
    assert top_parent("BRANCH-1", WORLD.parents) == "HOLDING"
    assert top_parent("NOBODY", WORLD.parents) == "NOBODY"
    with pytest.raises(ValueError, match="cycle"):
        top_parent("A", {"A": "B", "B": "A"})


def test_gold_partner_demoted_mid_quarter_earns_only_while_gold():
    spec = make_spec(eligible={"partner_tiers": ["gold", "platinum"]}, tiers=FLAT_1PCT)
    lines = [
        line("GOLDIE", date(2026, 7, 31), "4000"),
        line("GOLDIE", date(2026, 8, 1), "9000"),  # silver from today
    ]
    assert measures(reference_calculate(spec, lines, WORLD)) == {"GOLDIE": "4000.0000000000"}


def test_returns_reduce_the_measure_of_the_period_they_are_dated_in():
    spec = make_spec(tiers=FLAT_1PCT)
    lines = [
        line("SOLO", date(2026, 7, 10), "5000"),
        line("SOLO", date(2026, 8, 20), "-1500", quantity="-1"),
        line("SOLO", date(2026, 10, 2), "-5000", quantity="-1"),  # next quarter's return
    ]
    outcome = reference_calculate(spec, lines, WORLD)
    assert measures(outcome) == {"SOLO": "3500.0000000000"}
    assert str(outcome.results["SOLO"].amount) == "35.00"


def test_a_line_with_no_fx_rate_is_reported_unusable_not_zero():
    spec = make_spec(tiers=FLAT_1PCT)
    lines = [
        line("SOLO", date(2026, 7, 10), "1000", currency="EUR"),
        line("SOLO", date(2026, 8, 10), "1000", currency="GBP", external_id="S-2"),  # GBP from 9/1
        line("SOLO", date(2026, 9, 10), "1000", currency="GBP"),
    ]
    outcome = reference_calculate(spec, lines, WORLD)
    assert measures(outcome) == {"SOLO": "2400.0000000000"}  # 1100 + 1300
    (unusable,) = outcome.unusable
    assert unusable.line.external_id == "S-2"
    assert unusable.render() == "No FX rate for GBP on or before 2026-08-10."


def test_program_currency_without_a_rate_makes_its_lines_unusable():
    spec = make_spec(tiers=FLAT_1PCT, currency="GBP")
    lines = [line("SOLO", date(2026, 8, 10), "1300"), line("SOLO", date(2026, 9, 10), "1300")]
    outcome = reference_calculate(spec, lines, WORLD)
    assert measures(outcome) == {"SOLO": "1000.0000000000"}
    assert [u.params["currency"] for u in outcome.unusable] == ["GBP"]


def test_conversion_uses_the_rate_effective_on_the_sale_date():
    spec = make_spec(tiers=FLAT_1PCT, currency="EUR")
    lines = [
        line("SOLO", date(2026, 7, 31), "1100"),  # USD → EUR at 1.10: 1000 EUR
        line("SOLO", date(2026, 8, 1), "1200"),  # at 1.20: 1000 EUR
        line("SOLO", date(2026, 8, 2), "50", currency="EUR"),
    ]
    assert measures(reference_calculate(spec, lines, WORLD)) == {"SOLO": "2050.0000000000"}


def test_registered_deals_only_counts_won_registered_deals():
    spec = make_spec(eligible={"registered_deals_only": True}, tiers=FLAT_1PCT)
    lines = [
        line("SOLO", date(2026, 7, 10), "1000", deal_ref="DEAL-WON"),
        line("SOLO", date(2026, 7, 11), "2000", deal_ref="DEAL-LOST"),
        line("SOLO", date(2026, 7, 12), "4000"),
    ]
    assert measures(reference_calculate(spec, lines, WORLD)) == {"SOLO": "1000.0000000000"}


@pytest.mark.parametrize(
    ("eligible", "expected"),
    [
        pytest.param({"categories": ["NET"]}, "3000.0000000000", id="category-subtree"),
        pytest.param({"categories": ["NET-SW"]}, "1000.0000000000", id="leaf-category"),
        pytest.param({"skus": ["SKU-S"]}, "4000.0000000000", id="sku"),
        pytest.param(
            {"categories": ["NET"], "skus": ["SKU-S"]}, "7000.0000000000", id="category-or-sku"
        ),
        pytest.param({"territories": ["EMEA"]}, "7000.0000000000", id="territory-subtree"),
        pytest.param(
            {"territories": ["DACH"], "categories": ["STORAGE"]},
            "4000.0000000000",
            id="filters-combine-with-and",
        ),
        pytest.param({"territories": ["AMER"]}, None, id="nothing-eligible"),
    ],
)
def test_eligibility_filters_match_whole_subtrees(eligible, expected):
    spec = make_spec(eligible=eligible, tiers=FLAT_1PCT)
    lines = [
        line("SOLO", date(2026, 7, 10), "1000", categories=SWITCHES),
        line("SOLO", date(2026, 7, 11), "2000", categories=NETWORKING),
        line("SOLO", date(2026, 7, 12), "4000", categories=STORAGE, sku="SKU-S"),
    ]
    outcome = reference_calculate(spec, lines, WORLD)
    assert measures(outcome) == ({} if expected is None else {"SOLO": expected})


def test_period_bounds_are_inclusive_and_run_period_overrides_the_spec():
    spec = make_spec(tiers=FLAT_1PCT)
    lines = [line("SOLO", date(2026, m, d), "1") for m, d in [(6, 30), (7, 1), (9, 30), (10, 1)]]
    assert measures(reference_calculate(spec, lines, WORLD)) == {"SOLO": "2.0000000000"}
    july = reference_calculate(spec, lines, WORLD, period=parse_period("2026-07"))
    assert measures(july) == {"SOLO": "1.0000000000"}


def test_growth_uses_the_previous_quarter_with_the_same_eligibility():
    spec = make_spec(growth=True, eligible={"partner_tiers": ["gold"]}, tiers=FLAT_1PCT)
    lines = [
        line("SOLO", date(2026, 4, 1), "1000"),  # Q2, gold
        line("SOLO", date(2026, 6, 30), "500"),
        line("GOLDIE", date(2026, 5, 1), "3000"),  # Q2, gold
        line("GOLDIE", date(2026, 7, 15), "2000"),  # Q3, gold
        line("GOLDIE", date(2026, 8, 15), "9000"),  # Q3 but silver: not eligible
        line("SOLO", date(2026, 7, 1), "4000"),
        line("SOLO", date(2026, 3, 31), "99999"),  # Q1: neither period
    ]
    outcome = reference_calculate(spec, lines, WORLD)
    assert measures(outcome) == {"GOLDIE": "0.0000000000", "SOLO": "2500.0000000000"}
    assert str(outcome.results["SOLO"].amount) == "25.00"


def test_quantity_measure_needs_no_fx_rate():
    spec = make_spec(kind="spif", measure="quantity", tiers=bands("retroactive", ("0", "25")))
    lines = [
        line("SOLO", date(2026, 8, 10), "1000", currency="GBP", quantity="3"),
        line("SOLO", date(2026, 8, 11), "-300", currency="GBP", quantity="-1"),
    ]
    outcome = reference_calculate(spec, lines, WORLD)
    assert measures(outcome) == {"SOLO": "2.0000000000"}
    assert outcome.unusable == ()
    assert str(outcome.results["SOLO"].amount) == "50.00"


def test_loyalty_points_truncate_per_line_and_expire_per_sale_day():
    spec = make_spec(BASE_LOYALTY)
    lines = [
        line("SOLO", date(2026, 7, 10), "10.99"),
        line("SOLO", date(2026, 7, 10), "10.99"),
        line("SOLO", date(2026, 7, 20), "9.09", currency="EUR"),  # 9.999 USD
        line("SOLO", date(2026, 8, 1), "-5.50"),
    ]
    outcome = reference_calculate(spec, lines, WORLD)
    result = outcome.results["SOLO"]
    assert result.amount == Decimal(10 + 10 + 9 - 5)  # not trunc(26.479) = 26
    assert str(result.measure) == "26.4790000000"
    assert outcome.earnings == (
        PointsEarning("SOLO", date(2026, 7, 10), date(2027, 7, 10), 20),
        PointsEarning("SOLO", date(2026, 7, 20), date(2027, 7, 20), 9),
        PointsEarning("SOLO", date(2026, 8, 1), date(2027, 8, 1), -5),
    )


def test_reference_matches_the_grouped_sql_rule_byte_for_byte():
    spec = make_spec(tiers=FLAT_1PCT, currency="EUR")
    lines = [
        line("SOLO", date(2026, 7, 1 + i % 28), f"{i}.{i % 100:02d}", currency=c)
        for i, c in enumerate(["USD", "EUR", "GBP"] * 40)
    ]
    lines = [ln for ln in lines if ln.currency != "GBP"]
    outcome = reference_calculate(spec, lines, WORLD)
    # What the SQL path does: SUM per (currency, line rate, program rate), convert in Python.
    groups = [
        FxGroup(
            "USD",
            D("1"),
            D("1.10"),
            sum((ln.amount for ln in lines if ln.currency == "USD"), Decimal(0)),
        ),
        FxGroup(
            "EUR",
            D("1.10"),
            D("1.10"),
            sum((ln.amount for ln in lines if ln.currency == "EUR"), Decimal(0)),
        ),
    ]
    assert str(outcome.results["SOLO"].measure) == str(measure_from_groups(groups))
    shuffled = list(lines)
    random.Random(7).shuffle(shuffled)
    assert reference_calculate(spec, shuffled, WORLD) == outcome


def test_reference_requires_a_period():
    spec = make_spec(tiers=FLAT_1PCT, period=None)
    with pytest.raises(ValueError, match="no period"):
        reference_calculate(spec, [], WORLD)


def test_ref_line_rejects_float_amounts():
    with pytest.raises(TypeError):
        RefLine("SOLO", "SKU-1", (), date(2026, 7, 1), D("1"), 9.99, "USD")  # type: ignore
