"""Hierarchy, FX and tier rules end to end through runs, with amounts fixed to the cent.

The suite runs on PostgreSQL and again on SQLite (TEST_DATABASE_URL): the same expected figures
on both prove both databases give identical amounts.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from portal.models import DealRegistration
from tests.calc.conftest import execute_inline, load_program, results_by_code
from workflows.calc import runs
from workflows.engine import parse_period

Q3 = parse_period("2025-Q3")
AFTER_Q3 = date(2025, 11, 1)

EMEA_VOLUME = """
code: EMEA-VOL
name: EMEA volume rebate
kind: rebate
currency: USD
period: 2025-Q3
eligible: {territories: [EMEA]}
payee: partner
tiers: {mode: retroactive, bands: [{from: 0, rate: 0.01}, {from: 10000, rate: 0.02}]}
"""

GROUP_NETWORKING = """
code: GROUP-NET
name: Networking group rebate
kind: rebate
currency: USD
period: 2025-Q3
eligible: {categories: [NET]}
payee: partner_group
tiers:
  mode: %(mode)s
  bands: [{from: 0, rate: 0.01}, {from: 1000, rate: 0.02}, {from: 5000, rate: 0.05}]
%(extra)s
"""

GOLD_SPIF = """
code: GOLD-SPIF
name: Gold switch SPIF
kind: spif
currency: USD
period: 2025-Q3
eligible: {partner_tiers: [gold], skus: [SW-24]}
measure: quantity
tiers: {mode: retroactive, bands: [{from: 1, rate: 10}]}
"""


def settle(text: str, scenario, **start) -> int:
    program = load_program(text, scenario.finance)
    run = runs.start_run(
        program, Q3, kind="settlement", actor=scenario.finance, on=AFTER_Q3, **start
    )
    return execute_inline(run.id).id


def test_partner_moved_mid_quarter_counts_only_sales_before_the_move(db, redis, make, scenario):
    make.sale(scenario.mover, scenario.switch, "12000", sold_on=date(2025, 8, 14), currency="USD")
    make.sale(scenario.mover, scenario.switch, "5000", sold_on=date(2025, 8, 15), currency="USD")
    run_id = settle(EMEA_VOLUME, scenario)
    mover = results_by_code(run_id)["MOVER"]
    assert mover[:4] == ("12000.0000000000", "10000", "0.02", "240.0000")
    assert mover[5] == 1


def test_group_volume_accumulates_and_is_paid_at_the_top_parent(db, redis, make, scenario):
    s = scenario
    make.sale(s.group, s.switch, "1000", sold_on=date(2025, 7, 10), currency="USD")
    make.sale(s.branch_1, s.switch, "2000", sold_on=date(2025, 7, 10), currency="EUR")
    make.sale(s.branch_2, s.switch, "3000", sold_on=date(2025, 9, 30), currency="USD")
    make.sale(s.branch_2, s.licence, "500", sold_on=date(2025, 9, 30), currency="USD")
    make.sale(s.branch_2, s.switch, "999", sold_on=date(2025, 10, 1), currency="USD")
    run_id = settle(GROUP_NETWORKING % {"mode": "retroactive", "extra": ""}, scenario)
    results = results_by_code(run_id)
    assert set(results) == {"GROUP"}
    # 1,000 USD + 2,000 EUR at 1.10 + 3,000 USD; the licence is not networking, Oct 1 is Q4.
    assert results["GROUP"][:4] == ("6200.0000000000", "5000", "0.05", "310.0000")
    assert results["GROUP"][5] == 3


def test_marginal_slices_then_the_cap(db, redis, make, scenario):
    s = scenario
    make.sale(s.group, s.switch, "6200", sold_on=date(2025, 7, 10), currency="USD")
    text = GROUP_NETWORKING % {"mode": "marginal", "extra": "cap: 100"}
    run_id = settle(text, scenario)
    measure, band, rate, amount, *_rest, steps = results_by_code(run_id)["GROUP"]
    assert (measure, band, rate, amount) == ("6200.0000000000", "5000", "0.05", "100.0000")
    # 1,000 × 1 % + 4,000 × 2 % + 1,200 × 5 % = 150, capped at 100.
    assert {
        "template": "Capped at %(cap)s %(currency)s (calculated %(raw)s).",
        "params": {"cap": "100", "currency": "USD", "raw": "150.000000000000"},
    } in steps


def test_growth_counts_only_the_increase_over_the_previous_quarter(db, redis, make, scenario):
    s = scenario
    make.sale(s.group, s.switch, "4000", sold_on=date(2025, 6, 30), currency="USD")
    make.sale(s.group, s.switch, "6200", sold_on=date(2025, 7, 1), currency="USD")
    run_id = settle(GROUP_NETWORKING % {"mode": "retroactive", "extra": "growth: true"}, s)
    assert results_by_code(run_id)["GROUP"][:4] == ("2200.0000000000", "1000", "0.02", "44.0000")


def test_gold_partner_demoted_mid_quarter_earns_only_while_gold(db, redis, make, scenario):
    s = scenario
    make.sale(s.goldie, s.switch, "300", quantity="3", sold_on=date(2025, 7, 20), currency="USD")
    make.sale(s.goldie, s.switch, "-100", quantity="-1", sold_on=date(2025, 7, 25), currency="USD")
    make.sale(s.goldie, s.switch, "500", quantity="5", sold_on=date(2025, 8, 1), currency="USD")
    make.sale(s.goldie, s.licence, "900", quantity="9", sold_on=date(2025, 7, 20), currency="USD")
    run_id = settle(GOLD_SPIF, scenario)
    # 3 units − 1 returned while gold; silver from Aug 1; the licence is not the SPIF's SKU.
    assert results_by_code(run_id)["GOLDIE"][:4] == ("2.0000000000", "1", "10", "20.0000")


def test_jpy_program_converts_on_the_sale_date_and_rounds_half_up_to_whole_yen(
    db, redis, make, scenario
):
    s = scenario
    make.sale(s.mover, s.switch, "1000", sold_on=date(2025, 7, 31), currency="EUR")
    make.sale(s.mover, s.switch, "1000", sold_on=date(2025, 8, 1), currency="EUR")
    text = EMEA_VOLUME.replace("currency: USD", "currency: JPY").replace("EMEA-VOL", "EMEA-JPY")
    run_id = settle(text, scenario)
    measure, band, rate, amount, currency, *_ = results_by_code(run_id)["MOVER"]
    # 1,000 EUR × 1.10 / 0.0068 + 1,000 EUR × 1.20 / 0.0068 = 338,235.294117647…
    assert (measure, band, rate, currency) == ("338235.2941176471", "10000", "0.02", "JPY")
    assert amount == "6765.0000"  # 6,764.705882… rounded half-up once to whole yen


def test_a_line_without_fx_rate_is_listed_with_the_reason_not_counted_as_zero(
    db, redis, make, scenario
):
    from portal.models import CalcRun, CalcUnusableLine

    s = scenario
    make.sale(s.mover, s.switch, "100", sold_on=date(2025, 7, 3), currency="USD")
    gbp = make.sale(s.mover, s.switch, "100", sold_on=date(2025, 7, 3), currency="GBP")
    run_id = settle(EMEA_VOLUME, scenario)
    run = db.session.get(CalcRun, run_id)
    assert (run.status, run.payee_count, run.unusable_count) == ("done", 1, 1)
    listed = db.session.query(CalcUnusableLine).filter_by(run_id=run_id).one()
    assert listed.sale_line_id == gbp.id
    assert listed.params == {"currency": "GBP", "date": "2025-07-03"}
    assert results_by_code(run_id)["MOVER"][0] == "100.0000000000"


@pytest.mark.parametrize("shards", [1, 3])
def test_rerunning_the_same_version_on_unchanged_data_gives_identical_results(
    db, redis, make, scenario, shards
):
    s = scenario
    for day, amount, partner in [
        (7, "1000", s.group),
        (8, "2500.5", s.branch_1),
        (9, "7", s.mover),
    ]:
        make.sale(partner, s.switch, amount, sold_on=date(2025, day, 5), currency="EUR")
    program = load_program(GROUP_NETWORKING % {"mode": "marginal", "extra": ""}, s.finance)
    first = runs.start_run(program, Q3, actor=s.finance, shards=1)
    second = runs.start_run(program, Q3, actor=s.finance, shards=shards)
    assert results_by_code(execute_inline(first.id).id) == results_by_code(
        execute_inline(second.id).id
    )
    assert results_by_code(first.id)


WON_DEALS_SPIF = """
code: WON-SPIF
name: Won deals SPIF
kind: spif
currency: USD
period: 2025-Q3
eligible: {registered_deals_only: true}
tiers: {mode: retroactive, bands: [{from: 0, rate: 0.05}]}
"""


def test_registered_deals_only_counts_lines_of_won_registrations(db, redis, make, scenario):
    s = scenario
    user = make.user("partner_user", partner=s.mover, email="mo@example.com")
    for reference, state in (("DR-2025-000001", "won"), ("DR-2025-000002", "approved")):
        db.session.add(
            DealRegistration(
                reference=reference,
                partner_id=s.mover.id,
                submitted_by_id=user.id,
                state=state,
                customer_name="Acme",
                customer_key=f"acme {reference}",
                country="DE",
                estimated_value=Decimal("5000"),
                currency="USD",
                expected_close_on=date(2025, 8, 31),
            )
        )
    on = date(2025, 7, 20)
    make.sale(s.mover, s.switch, "1000", sold_on=on, currency="USD", deal_ref="DR-2025-000001")
    make.sale(s.mover, s.switch, "2000", sold_on=on, currency="USD", deal_ref="DR-2025-000002")
    make.sale(s.mover, s.switch, "4000", sold_on=on, currency="USD", deal_ref="DR-2025-999999")
    make.sale(s.mover, s.switch, "8000", sold_on=on, currency="USD")
    mover = results_by_code(settle(WON_DEALS_SPIF, scenario))["MOVER"]
    assert mover[:4] == ("1000.0000000000", "0", "0.05", "50.0000")
    assert mover[5] == 1
