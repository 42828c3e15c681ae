"""Properties of the pure pieces, checked on generated inputs (hypothesis)."""

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from math import trunc

from hypothesis import given, settings
from hypothesis import strategies as st

from workflows.engine import (
    MINOR_UNITS,
    Band,
    FxGroup,
    Mode,
    Period,
    canonical_json,
    measure_from_groups,
    measure_from_scaled,
    parse_period,
    parse_spec,
    points_for_line,
    points_rule,
    previous,
    round_money,
    spec_from_dict,
    spec_hash,
    spec_to_dict,
    tiered_amount,
)

PROPERTY = settings(max_examples=300, deadline=None, database=None)

amounts = st.decimals(
    min_value=-(10**9), max_value=10**9, places=4, allow_nan=False, allow_infinity=False
)
measures = st.decimals(
    min_value=-1000, max_value=10**7, places=2, allow_nan=False, allow_infinity=False
)
rates = st.decimals(min_value=0, max_value=1, places=4, allow_nan=False, allow_infinity=False)
positive_rates = st.decimals(
    min_value=Decimal("0.0001"), max_value=1000, places=4, allow_nan=False, allow_infinity=False
)


@st.composite
def band_lists(draw, ascending_rates=False):
    starts = draw(st.lists(st.integers(0, 10**6), min_size=1, max_size=6, unique=True))
    band_rates = draw(st.lists(rates, min_size=len(starts), max_size=len(starts)))
    if ascending_rates:
        band_rates = sorted(band_rates)
    return tuple(Band(Decimal(s), r) for s, r in zip(sorted(starts), band_rates, strict=True))


@PROPERTY
@given(band_lists(), measures, measures)
def test_marginal_amount_never_falls_as_the_measure_grows(bands, first, second):
    low, high = sorted((first, second))
    assert (
        tiered_amount(low, bands, mode=Mode.MARGINAL).amount
        <= tiered_amount(high, bands, mode=Mode.MARGINAL).amount
    )


@PROPERTY
@given(band_lists(ascending_rates=True), measures)
def test_retroactive_pays_at_least_marginal_when_rates_ascend(bands, measure):
    retroactive = tiered_amount(measure, bands, mode=Mode.RETROACTIVE)
    marginal = tiered_amount(measure, bands, mode=Mode.MARGINAL)
    assert retroactive.amount >= marginal.amount
    assert retroactive.band == marginal.band


@PROPERTY
@given(band_lists(), measures)
def test_marginal_slices_cover_the_measure_above_the_first_band(bands, measure):
    result = tiered_amount(measure, bands, mode=Mode.MARGINAL)
    if result.band is not None:
        assert sum(s.base for s in result.slices) == measure - bands[0].from_
        assert sum(s.amount for s in result.slices) == result.amount
    else:
        assert result.amount == 0


@PROPERTY
@given(amounts, st.sampled_from(sorted(MINOR_UNITS)))
def test_rounding_is_idempotent_and_within_half_a_minor_unit(amount, currency):
    once = round_money(amount, currency)
    assert round_money(once, currency) == once
    assert str(round_money(once, currency)) == str(once)
    assert abs(once - amount) <= Decimal(1).scaleb(-MINOR_UNITS[currency]) / 2
    assert -once.as_tuple().exponent == MINOR_UNITS[currency]


groups = st.lists(
    st.tuples(st.sampled_from(["EUR", "GBP", "JPY"]), positive_rates, positive_rates, amounts),
    max_size=12,
)


@PROPERTY
@given(groups, st.randoms(use_true_random=False))
def test_measure_bytes_do_not_depend_on_how_lines_are_split_or_ordered(rows, rnd):
    whole = [FxGroup(c, rl, rp, a) for c, rl, rp, a in rows]
    split = []
    for group in whole:
        part = (group.amount / 3).quantize(Decimal("0.0001"))
        split += [
            FxGroup(group.currency, group.rate_line, group.rate_prog, part),
            FxGroup(group.currency, group.rate_line, group.rate_prog, group.amount - part),
        ]
    rnd.shuffle(split)
    assert str(measure_from_groups(split)) == str(measure_from_groups(whole))


scaled_groups = st.dictionaries(
    st.tuples(
        st.sampled_from(["USD", "EUR", "JPY"]),
        st.integers(1, 10**13),  # rate × 10**10: up to 1,000 base units per unit
        st.one_of(st.just(10**10), st.integers(1, 10**13)),  # mostly a program rate of 1
    ),
    st.integers(-(10**16), 10**16),  # amount × 10**4: up to a trillion
    max_size=12,
)


@PROPERTY
@given(scaled_groups)
def test_integer_measure_is_the_decimal_measure(sums):
    """The integer path (program rate 1) and the Decimal path give the same bytes."""
    groups = [
        FxGroup(c, Decimal(rl).scaleb(-10), Decimal(rp).scaleb(-10), Decimal(a).scaleb(-4))
        for (c, rl, rp), a in sums.items()
    ]
    assert str(measure_from_scaled(sums, 4, 10)) == str(measure_from_groups(groups))


@PROPERTY
@given(amounts, positive_rates, positive_rates, positive_rates)
def test_points_are_the_exact_truncation_toward_zero(amount, per_unit, rate_line, rate_prog):
    points = points_for_line(amount, per_unit, rate_line=rate_line, rate_prog=rate_prog)
    exact = Fraction(amount) * Fraction(rate_line) * Fraction(per_unit) / Fraction(rate_prog)
    assert points == trunc(exact)


@PROPERTY
@given(
    st.integers(-(10**16), 10**16),  # amount × 10**4
    st.integers(1, 10**13),  # rates × 10**10
    st.integers(1, 10**13),
    st.decimals(min_value=Decimal("0.0001"), max_value=1000, places=4, allow_nan=False),
)
def test_integer_points_are_the_decimal_points(amount, rate_line, rate_prog, per_unit):
    as_decimals = points_for_line(
        Decimal(amount).scaleb(-4),
        per_unit,
        rate_line=Decimal(rate_line).scaleb(-10),
        rate_prog=Decimal(rate_prog).scaleb(-10),
    )
    assert points_rule(per_unit, 4)(amount, rate_line, rate_prog) == as_decimals


@PROPERTY
@given(
    st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 1, 1)),
    st.integers(min_value=0, max_value=800),
)
def test_period_label_round_trips_and_previous_ends_the_day_before(start, length):
    period = Period(start, start + timedelta(days=length))
    assert parse_period(period.label) == period
    before = previous(period)
    assert before.end + timedelta(days=1) == period.start
    if period.shape == "range":
        assert before.days == period.days
    else:
        assert before.shape == period.shape


calendar_labels = st.one_of(
    st.integers(2, 9998).map(lambda y: f"{y:04d}"),
    st.builds(lambda y, q: f"{y:04d}-Q{q}", st.integers(2, 9998), st.integers(1, 4)),
    st.builds(lambda y, m: f"{y:04d}-{m:02d}", st.integers(2, 9998), st.integers(1, 12)),
)


@PROPERTY
@given(calendar_labels)
def test_previous_calendar_unit_is_the_same_kind_of_unit(label):
    period = parse_period(label)
    assert period.label == label
    before = previous(period)
    assert before.shape == period.shape
    assert before.end + timedelta(days=1) == period.start


@PROPERTY
@given(band_lists(), st.one_of(st.none(), positive_rates), st.sampled_from(["EUR", "JPY"]))
def test_spec_canonical_form_round_trips_with_a_stable_hash(bands, cap, currency):
    data = {
        "code": "GEN-1",
        "name": "Generated",
        "kind": "rebate",
        "currency": currency,
        "cap": None if cap is None else str(cap),
        "tiers": {
            "mode": "marginal",
            "bands": [{"from": str(b.from_), "rate": str(b.rate)} for b in bands],
        },
    }
    spec = spec_from_dict(data)
    assert spec_from_dict(spec_to_dict(spec)) == spec
    assert spec_hash(spec_from_dict(spec_to_dict(spec))) == spec_hash(spec)
    assert spec_hash(parse_spec(canonical_json(spec))) == spec_hash(spec)
