"""What-if figures are the engine's own: table-driven over bands, modes, cap and growth."""

from __future__ import annotations

from decimal import Decimal

import pytest

from portal.dashboards.presenters import percent_towards
from portal.dashboards.whatif import standing, what_if
from tests.engine.builders import bands, make_spec
from workflows.engine import PayeeAggregate, calculate_payee

RETRO = bands("retroactive", ("100000", "0.02"), ("250000", "0.035"))
MARGINAL = bands("marginal", ("0", "0"), ("100000", "0.02"), ("250000", "0.035"))


@pytest.mark.parametrize(
    ("tiers", "extra_fields", "measure", "next_from", "needed", "now", "gain"),
    [
        # below the first band: nothing earned yet; reaching 100,000 earns 2 % of it
        (RETRO, {}, "50000", "100000", "50000", "0.00", "2000.00"),
        # between bands: 2 % now, 3.5 % of 250,000 at the next threshold
        (RETRO, {}, "150000", "250000", "100000", "3000.00", "5750.00"),
        # exactly on a band's threshold (inclusive), next one still ahead
        (RETRO, {}, "100000", "250000", "150000", "2000.00", "6750.00"),
        # at the top band: no next threshold
        (RETRO, {}, "300000", None, None, "10500.00", None),
        # marginal: only the slice inside each band earns its rate
        (MARGINAL, {}, "150000", "250000", "100000", "1000.00", "2000.00"),
        # a cap is applied after the tier math: 8,750 capped at 5,000
        (RETRO, {"cap": "5000"}, "150000", "250000", "100000", "3000.00", "2000.00"),
        # JPY rounds to whole yen, half-up
        (RETRO, {"currency": "JPY"}, "123456.7", "250000", "126543.3", "2469", "6281"),
    ],
)
def test_standing_matches_the_engine(tiers, extra_fields, measure, next_from, needed, now, gain):
    spec = make_spec(tiers=tiers, **extra_fields)
    measure = Decimal(measure)
    result = standing(spec, measure)
    engine_now = calculate_payee(spec, PayeeAggregate("what-if", measure))
    assert result.now == engine_now
    assert str(result.now.amount) == now
    if next_from is None:
        assert result.next_band is None and result.needed is None and result.gain is None
        return
    assert result.next_band.from_ == Decimal(next_from)
    assert result.needed == Decimal(needed)
    at_next = calculate_payee(spec, PayeeAggregate("p", Decimal(next_from)))
    assert result.gain == at_next.amount - engine_now.amount
    assert str(result.gain) == gain


@pytest.mark.parametrize("mode", ["retroactive", "marginal"])
@pytest.mark.parametrize("extra", ["0", "1", "99999.99", "100000", "1000000"])
def test_what_if_is_the_engine_on_measure_plus_extra(mode, extra):
    spec = make_spec(tiers=bands(mode, ("0", "0"), ("100000", "0.02"), ("250000", "0.035")))
    measure, extra = Decimal("150000"), Decimal(extra)
    projection = what_if(spec, measure, None, extra)
    engine = calculate_payee(spec, PayeeAggregate("p", measure + extra))
    assert projection.result.amount == engine.amount
    now = calculate_payee(spec, PayeeAggregate("p", measure)).amount
    assert projection.gain == engine.amount - now


def test_growth_programs_add_the_extra_to_the_period_not_to_the_growth_twice():
    spec = make_spec(tiers=RETRO, growth=True)
    # stored result: growth 120,000 over a previous 80,000 → this period sold 200,000
    result = standing(spec, Decimal("120000"), Decimal("80000"))
    engine = calculate_payee(spec, PayeeAggregate("p", Decimal("200000"), Decimal("80000")))
    assert result.now.amount == engine.amount == Decimal("2400.00")
    assert result.needed == Decimal("130000")
    assert result.at_next.measure == Decimal("250000")


def test_quantity_programs_count_units():
    spec = make_spec(measure="quantity", tiers=bands("retroactive", ("10", "5"), ("50", "8")))
    result = standing(spec, Decimal("12"))
    assert result.now.amount == Decimal("60.00")
    assert result.needed == Decimal("38")
    assert result.gain == Decimal("340.00")


@pytest.mark.parametrize(
    ("measure", "start", "target", "percent"),
    [
        ("50", "0", "100", 50),
        ("100", "0", "100", 100),
        ("10", "0", None, 100),
        ("-5", "0", "10", 0),
    ],
)
def test_progress_towards_the_next_band(measure, start, target, percent):
    target = None if target is None else Decimal(target)
    assert percent_towards(Decimal(measure), Decimal(start), target) == percent


@pytest.mark.parametrize(
    ("locale", "value", "label"),
    [
        ("en", "1", "1 unit"),
        ("en", "12", "12 units"),
        ("en", "2.5", "2.5 units"),
        ("fr", "1", "1 unité"),
        ("fr", "1500", "1 500 unités"),
        ("de", "1", "1 Einheit"),
        ("ja", "3", "3 単位"),
    ],
)
def test_quantity_measures_read_in_the_readers_language(app, locale, value, label):
    from flask_babel import force_locale

    from portal.dashboards.presenters import measure_label

    spec = make_spec(measure="quantity", tiers=bands("retroactive", ("10", "5")))
    with app.test_request_context("/"), force_locale(locale):
        assert measure_label(Decimal(value), spec).replace("\u202f", " ") == label
