"""Per-payee math: growth, tiers, cap before the one rounding, kinds from the registry."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import pytest

from tests.engine.builders import BASE_LOYALTY, D, bands, make_spec
from workflows.engine import (
    KINDS,
    PayeeAggregate,
    PayeeResult,
    calculate_all,
    calculate_payee,
    last_usable_day,
    parse_spec,
    register_kind,
    spec_from_dict,
)
from workflows.engine.kinds import KINDS as REGISTRY

RETRO = bands("retroactive", ("0", "0"), ("100000", "0.02"), ("250000", "0.035"))
MARGINAL = bands("marginal", ("0", "0"), ("100000", "0.02"), ("250000", "0.035"))


def run(value, previous=None, **changes):
    """Calculate payee P1 with the given measure under the base rebate changed as given."""
    spec = make_spec(**changes)
    before = None if previous is None else D(previous)
    return calculate_payee(spec, PayeeAggregate("P1", D(value), before))


@pytest.mark.parametrize(
    ("changes", "measure", "amount", "raw", "capped"),
    [
        pytest.param({"cap": "5000"}, "200000", "4000.00", "4000.00", False, id="below-cap"),
        pytest.param({"cap": "4000"}, "200000", "4000.00", "4000.00", False, id="equal-to-cap"),
        pytest.param({"cap": "5000"}, "250000", "5000.00", "8750.000", True, id="above-cap"),
        pytest.param(
            {"cap": "1234.567"},
            "250000",
            "1234.57",
            "8750.000",
            True,
            id="cap-applied-before-the-rounding",
        ),
        pytest.param(
            {"tiers": MARGINAL, "cap": "3000"},
            "300000",
            "3000.00",
            "4750.000",
            True,
            id="marginal-capped",
        ),
        pytest.param(
            {}, "100000.25", "2000.01", "2000.0050", False, id="half-up-at-half-cent-not-half-even"
        ),
        pytest.param({}, "100000.37", "2000.01", "2000.0074", False, id="rounded-once-usd"),
        pytest.param(
            {"currency": "JPY"}, "123456", "2469", "2469.12", False, id="jpy-zero-decimals"
        ),
        pytest.param(
            {"currency": "JPY", "tiers": bands("retroactive", ("0", "0.005"))},
            "100",
            "1",
            "0.500",
            False,
            id="jpy-half-yen-rounds-up",
        ),
        pytest.param(
            {"currency": "KWD"},
            "100000.0005",
            "2000.000",
            "2000.000010",
            False,
            id="kwd-three-decimals",
        ),
        pytest.param(
            {"currency": "HUF"}, "123456.78", "2469", "2469.1356", False, id="huf-no-filler"
        ),
        pytest.param(
            {"currency": "COP", "tiers": bands("retroactive", ("0", "0.005"))},
            "100",
            "1",
            "0.500",
            False,
            id="cop-half-peso-rounds-up",
        ),
        pytest.param(
            {"currency": "IDR"}, "100000.40", "2000", "2000.0080", False, id="idr-whole-rupiah"
        ),
        pytest.param(
            {"currency": "BHD"}, "100000.0005", "2000.000", "2000.000010", False, id="bhd-3dp"
        ),
        pytest.param({}, "0", "0.00", "0", False, id="zero-measure"),
        pytest.param({}, "-1500", "0.00", "0", False, id="negative-measure-from-returns"),
    ],
)
def test_cap_and_rounding(changes, measure, amount, raw, capped):
    result = run(measure, **{"tiers": RETRO, **changes})
    assert str(result.amount) == amount
    assert str(result.raw_amount) == raw
    assert result.capped is capped


@pytest.mark.parametrize(
    ("quantity", "mode", "amount", "band_from", "rate"),
    [
        pytest.param("9", "retroactive", "225.00", "0", "25", id="below-10-units"),
        pytest.param("10", "retroactive", "400.00", "10", "40", id="at-10-units-all-at-40"),
        pytest.param("11", "retroactive", "440.00", "10", "40", id="above-10-units"),
        pytest.param("11", "marginal", "290.00", "10", "40", id="marginal-per-unit"),
        pytest.param("-2", "retroactive", "0.00", None, None, id="net-returns"),
    ],
)
def test_spif_quantity_rates_are_per_unit(quantity, mode, amount, band_from, rate):
    result = run(
        quantity, kind="spif", measure="quantity", tiers=bands(mode, ("0", "25"), ("10", "40"))
    )
    assert str(result.amount) == amount
    assert (None if result.band_from is None else str(result.band_from)) == band_from
    assert (None if result.rate is None else str(result.rate)) == rate


@pytest.mark.parametrize(
    ("measure", "previous", "growth_measure", "amount"),
    [
        pytest.param("300000", "100000", "200000", "4000.00", id="positive-growth"),
        pytest.param("300000", "300000", "0", "0.00", id="flat"),
        pytest.param("100000", "400000", "0", "0.00", id="decline-is-zero-not-negative"),
        pytest.param("300000", None, "300000", "10500.00", id="no-previous-sales"),
        pytest.param("-100", "50", "0", "0.00", id="returns-only"),
    ],
)
def test_growth_counts_only_the_increase(measure, previous, growth_measure, amount):
    result = run(measure, previous, growth=True, tiers=RETRO)
    assert result.measure == D(growth_measure)
    assert str(result.amount) == amount


def test_without_growth_the_previous_measure_is_ignored():
    assert run("300000", "100000", tiers=RETRO).measure == D("300000")


def test_explanation_tells_the_whole_story():
    result = run("300000", "50000", growth=True, tiers=MARGINAL, cap="4000")
    lines = [step.render() for step in result.explanation]
    assert lines == [
        "Eligible revenue in the period: 300000 USD.",
        "Growth over the previous period: 300000 - 50000, never below zero, gives 250000.",
        "Band from 250000 reached; each slice earns its own band's rate.",
        "Slice 0 to 100000: 100000 × 0 = 0.",
        "Slice 100000 to 250000: 150000 × 0.02 = 3000.00.",
        "Slice from 250000: 0 × 0.035 = 0.000.",
        "Sum of the slices: 3000.000.",
        "Rounded half-up once to 2 decimal places: 3000.00 USD.",
    ]


@pytest.mark.parametrize(
    ("measure", "expected"),
    [
        pytest.param("0", "No reward: the measure is not above zero.", id="zero"),
        pytest.param(
            "500", "No reward: the measure is below the first band, from 1000.", id="below-first"
        ),
        pytest.param(
            "2000",
            "Band from 1000 reached; the whole measure earns its rate: 2000 × 0.05 = 100.00.",
            id="retroactive",
        ),
    ],
)
def test_explanation_of_the_tier_step(measure, expected):
    result = run(measure, tiers=bands("retroactive", ("1000", "0.05")), cap="60")
    rendered = [step.render() for step in result.explanation]
    assert rendered[1] == expected
    if result.capped:
        assert rendered[2] == "Capped at 60 USD (calculated 100.00)."


def test_explanation_translates_each_step():
    result = run("2000", tiers=bands("retroactive", ("1000", "0.05")))
    template = "Eligible revenue in the period: %(measure)s %(currency)s."
    french = {template: "Chiffre d'affaires éligible sur la période : %(measure)s %(currency)s."}
    first = result.explanation[0]
    assert first.render(lambda s: french.get(s, s)) == (
        "Chiffre d'affaires éligible sur la période : 2000 USD."
    )


def test_loyalty_result_carries_the_per_line_points():
    spec = make_spec(BASE_LOYALTY)
    result = calculate_payee(spec, PayeeAggregate("P1", D("1234.5600000000"), points=1232))
    assert result.amount == Decimal(1232)
    assert result.rate == Decimal(1)
    assert result.capped is False
    assert [s.render() for s in result.explanation][-1] == (
        "Each sale line earns its converted amount × 1 points, truncated toward zero: 1232 points."
    )


def test_last_usable_day_counts_the_expiry_day_in():
    assert last_usable_day(date(2026, 7, 1), 365) == date(2027, 7, 1)


def test_calculate_all_is_sorted_and_rejects_duplicate_payees():
    spec = make_spec(tiers=RETRO)
    aggregates = [PayeeAggregate(key, D("150000")) for key in ("P3", "P1", "P2")]
    assert [r.payee_key for r in calculate_all(spec, aggregates)] == ["P1", "P2", "P3"]
    with pytest.raises(ValueError, match="appears twice"):
        calculate_all(spec, [PayeeAggregate("P1", D("1")), PayeeAggregate("P1", D("2"))])


def test_float_measures_are_rejected():
    with pytest.raises(TypeError):
        calculate_payee(make_spec(tiers=RETRO), PayeeAggregate("P1", 1000.0))  # type: ignore


def test_registry_holds_the_three_kinds():
    assert {"rebate", "spif", "loyalty"} <= set(KINDS)
    with pytest.raises(ValueError, match="already registered"):
        register_kind("rebate", KINDS["rebate"])


@dataclass(frozen=True)
class FlatFeeKind:
    """A test-only kind: a flat 100 whenever the measure is positive."""

    required_fields: frozenset[str] = frozenset()
    fixed_fields: dict = field(default_factory=lambda: {"tiers": None})

    def calculate(self, spec, aggregate):
        amount = Decimal("100.00") if aggregate.measure > 0 else Decimal("0.00")
        return PayeeResult(
            aggregate.payee_key, aggregate.measure, None, None, amount, False, amount, ()
        )


def test_a_new_kind_plugs_in_without_touching_engine_code():
    register_kind("flat_fee", FlatFeeKind())
    try:
        spec = spec_from_dict(
            {"code": "FLAT", "name": "Flat", "kind": "flat_fee", "currency": "EUR"}
        )
        assert calculate_payee(spec, PayeeAggregate("P1", D("5"))).amount == D("100.00")
    finally:
        del REGISTRY["flat_fee"]
    with pytest.raises(Exception, match="Unknown value flat_fee"):
        parse_spec("{code: FLAT, name: Flat, kind: flat_fee, currency: EUR}")
