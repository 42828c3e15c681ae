"""FX: effective-dated rates, group conversion at 50 digits, a 10-place measure, line points."""

from datetime import date
from decimal import Decimal

import pytest

from tests.engine.builders import D
from workflows.engine import (
    FxGroup,
    convert_group,
    measure_from_groups,
    measure_from_quantities,
    points_for_line,
    rate_for,
    rate_on,
)

EUR_RATES = [(date(2026, 7, 1), D("1.10")), (date(2026, 8, 1), D("1.20"))]


@pytest.mark.parametrize(
    ("day", "rate"),
    [
        pytest.param(date(2026, 6, 30), None, id="before-first-rate"),
        pytest.param(date(2026, 7, 1), D("1.10"), id="on-valid-from"),
        pytest.param(date(2026, 7, 31), D("1.10"), id="day-before-change"),
        pytest.param(date(2026, 8, 1), D("1.20"), id="change-day"),
    ],
)
def test_rate_on_uses_latest_valid_from_on_or_before(day, rate):
    assert rate_on(EUR_RATES, day) == rate


def test_base_currency_has_implicit_rate_one():
    assert rate_for("USD", date(1999, 1, 1), {}, "USD") == 1
    assert rate_for("EUR", date(2026, 7, 5), {"EUR": EUR_RATES}, "USD") == D("1.10")
    assert rate_for("GBP", date(2026, 7, 5), {"EUR": EUR_RATES}, "USD") is None


@pytest.mark.parametrize(
    ("amount", "rate_line", "rate_prog", "expected"),
    [
        pytest.param("1000", "1.1", "1", "1100.0", id="eur-to-usd-base"),
        pytest.param("1100", "1", "1.1", "1E+3", id="usd-to-eur-program"),
        pytest.param(
            "100",
            "1",
            "3",
            "33.333333333333333333333333333333333333333333333333",
            id="fifty-significant-digits",
        ),
        pytest.param("-250", "1.2", "1.2", "-250", id="same-currency-return"),
    ],
)
def test_convert_group(amount, rate_line, rate_prog, expected):
    assert convert_group(D(amount), D(rate_line), D(rate_prog)) == D(expected)


@pytest.mark.parametrize("bad", [D("0"), D("-1")], ids=["zero", "negative"])
def test_convert_group_rejects_non_positive_rates(bad):
    with pytest.raises(ValueError, match="positive"):
        convert_group(D("1"), bad, D("1"))


def test_measure_is_quantized_to_ten_places_half_even():
    groups = [FxGroup("XTS", D("1"), D("3"), D("100"))]
    assert str(measure_from_groups(groups)) == "33.3333333333"
    # A tie at the 11th place goes to the even neighbour (documented: half-even).
    assert str(measure_from_groups([FxGroup("USD", D("1"), D("1"), D("0.00000000005"))])) == (
        "0E-10"
    )
    assert str(measure_from_groups([FxGroup("USD", D("1"), D("1"), D("0.00000000015"))])) == (
        "2E-10"
    )


def test_measure_merges_groups_so_any_grouping_gives_the_same_bytes():
    lines = [("EUR", "1.1", "1", "0.01")] * 7 + [
        ("GBP", "1.3", "1", "100"),
        ("EUR", "1.2", "1", "5"),
    ]
    one_group_per_line = [FxGroup(c, D(rl), D(rp), D(a)) for c, rl, rp, a in lines]
    pre_grouped = [
        FxGroup("GBP", D("1.3"), D("1"), D("100")),
        FxGroup("EUR", D("1.2"), D("1"), D("5")),
        FxGroup("EUR", D("1.10"), D("1"), D("0.07")),
    ]
    expected = measure_from_groups(pre_grouped)
    assert str(measure_from_groups(one_group_per_line)) == str(expected)
    assert str(measure_from_groups(reversed(one_group_per_line))) == str(expected)
    assert str(expected) == "136.0770000000"


def test_empty_measure_is_an_unsigned_zero():
    assert measure_from_groups([]) == 0
    assert not measure_from_groups([FxGroup("USD", D("1"), D("1"), D("-0.00"))]).is_signed()


def test_quantity_measure_sums_exactly_including_returns():
    assert str(measure_from_quantities([D("10"), D("5"), D("-3")])) == "12.0000000000"
    with pytest.raises(TypeError):
        measure_from_quantities([D("1"), 2.5])


@pytest.mark.parametrize(
    ("amount", "per_unit", "rates", "points"),
    [
        pytest.param("10.99", "1", ("1", "1"), 10, id="truncates-down"),
        pytest.param("-10.99", "1", ("1", "1"), -10, id="return-truncates-toward-zero"),
        pytest.param("0.999", "1", ("1", "1"), 0, id="under-one-point"),
        pytest.param("100", "1.5", ("1", "1"), 150, id="fractional-points-per-unit"),
        pytest.param("1000", "1", ("1.1", "1"), 1100, id="converted-from-eur"),
        pytest.param("100", "3", ("1", "3"), 100, id="no-lost-point-from-repeating-decimal"),
        pytest.param("-100", "3", ("1", "3"), -100, id="negative-repeating-decimal"),
        pytest.param("99.99", "1", ("1", "3"), 33, id="repeating-decimal-truncates"),
    ],
)
def test_points_for_line(amount, per_unit, rates, points):
    rate_line, rate_prog = rates
    assert points_for_line(
        D(amount), D(per_unit), rate_line=D(rate_line), rate_prog=D(rate_prog)
    ) == (points)


def test_points_for_line_rejects_floats():
    with pytest.raises(TypeError):
        points_for_line(10.5, Decimal(1))  # type: ignore[arg-type]
