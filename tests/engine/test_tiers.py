"""Tier math at, just below and just above every threshold, both modes, without rounding."""

from decimal import Decimal

import pytest

from tests.engine.builders import D
from workflows.engine import Band, Mode, Slice, tiered_amount

VOLUME = (Band(D("0"), D("0")), Band(D("100000"), D("0.02")), Band(D("250000"), D("0.035")))
FROM_1000 = (Band(D("1000"), D("0.05")),)
PER_UNIT = (Band(D("0"), D("5")), Band(D("100"), D("7.5")))


@pytest.mark.parametrize(
    ("bands", "measure", "amount", "band_from"),
    [
        pytest.param(VOLUME, "99999.99", "0.00", "0", id="below-first-paid-band"),
        pytest.param(VOLUME, "100000", "2000.00", "100000", id="at-100k-inclusive"),
        pytest.param(VOLUME, "100000.01", "2000.0002", "100000", id="just-above-100k"),
        pytest.param(VOLUME, "249999.99", "4999.9998", "100000", id="just-below-250k"),
        pytest.param(VOLUME, "250000", "8750.000", "250000", id="at-250k-whole-measure-jumps"),
        pytest.param(VOLUME, "250000.01", "8750.00035", "250000", id="just-above-250k"),
        pytest.param(FROM_1000, "999.99", "0", None, id="below-first-band-not-from-zero"),
        pytest.param(FROM_1000, "1000", "50.00", "1000", id="at-first-band-not-from-zero"),
        pytest.param(PER_UNIT, "99", "495", "0", id="per-unit-below"),
        pytest.param(PER_UNIT, "100", "750.0", "100", id="per-unit-at"),
        pytest.param(PER_UNIT, "120", "900.0", "100", id="per-unit-above"),
    ],
)
def test_retroactive(bands, measure, amount, band_from):
    result = tiered_amount(D(measure), bands, mode=Mode.RETROACTIVE)
    assert str(result.amount) == amount
    assert (None if result.band is None else str(result.band.from_)) == band_from
    assert result.slices == ()


@pytest.mark.parametrize(
    ("bands", "measure", "amount", "band_from"),
    [
        pytest.param(VOLUME, "99999.99", "0.00", "0", id="below-first-paid-band"),
        pytest.param(VOLUME, "100000", "0.00", "100000", id="at-100k-empty-slice"),
        pytest.param(VOLUME, "100000.01", "0.0002", "100000", id="just-above-100k"),
        pytest.param(VOLUME, "249999.99", "2999.9998", "100000", id="just-below-250k"),
        pytest.param(VOLUME, "250000", "3000.000", "250000", id="at-250k"),
        pytest.param(VOLUME, "250000.01", "3000.00035", "250000", id="just-above-250k"),
        pytest.param(VOLUME, "300000", "4750.000", "250000", id="well-above-250k"),
        pytest.param(FROM_1000, "999.99", "0", None, id="below-first-band-not-from-zero"),
        pytest.param(FROM_1000, "1000", "0.00", "1000", id="at-first-band-not-from-zero"),
        pytest.param(FROM_1000, "1500", "25.00", "1000", id="only-slice-above-first-from"),
        pytest.param(PER_UNIT, "120", "650.0", "100", id="per-unit-slices"),
    ],
)
def test_marginal(bands, measure, amount, band_from):
    result = tiered_amount(D(measure), bands, mode="marginal")
    assert str(result.amount) == amount
    assert (None if result.band is None else str(result.band.from_)) == band_from


def test_marginal_slices_each_earn_their_own_rate():
    result = tiered_amount(D("300000"), VOLUME, mode=Mode.MARGINAL)
    assert result.slices == (
        Slice(D("0"), D("100000"), D("100000"), D("0"), D("0")),
        Slice(D("100000"), D("250000"), D("150000"), D("0.02"), D("3000.00")),
        Slice(D("250000"), None, D("50000"), D("0.035"), D("1750.000")),
    )
    assert result.rate == D("0.035")


@pytest.mark.parametrize("mode", list(Mode))
@pytest.mark.parametrize("measure", ["0", "0.00", "-0.01", "-500000"], ids=lambda m: f"m={m}")
def test_zero_and_negative_measures_earn_nothing(mode, measure):
    result = tiered_amount(D(measure), VOLUME, mode=mode)
    assert result.amount == 0
    assert result.band is None
    assert result.rate is None


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        pytest.param((1000.0, VOLUME, "retroactive"), TypeError, id="float-measure"),
        pytest.param((D("1"), VOLUME, "stepped"), ValueError, id="unknown-mode"),
        pytest.param((D("1"), tuple(reversed(VOLUME)), "marginal"), ValueError, id="unsorted"),
        pytest.param((D("1"), (VOLUME[0], VOLUME[0]), "marginal"), ValueError, id="duplicate"),
    ],
)
def test_bad_arguments_raise(arguments, error):
    measure, bands, mode = arguments
    with pytest.raises(error):
        tiered_amount(measure, bands, mode=mode)


def test_no_rounding_in_tier_math():
    result = tiered_amount(D("123456.789"), VOLUME, mode=Mode.RETROACTIVE)
    assert result.amount == Decimal("2469.13578")
