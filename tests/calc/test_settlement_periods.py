"""Settlements over different periods of one program: each day's earnings are paid once.

A settlement nets off the payout lines of every settled period within it; a period that lies
within a settled one, or cuts through it, is refused at the start of the run and at approval.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from portal.models import CalcRun, PayoutLine
from portal.programs.services import save_program
from tests import factories
from tests.calc.conftest import build_scenario, execute_inline, load_program, rolled_back_session
from tests.calc.test_scenarios import AFTER_Q3
from workflows.calc import runs, settlement
from workflows.calc.errors import CalcError
from workflows.engine import parse_period

FLAT = """
code: FLAT-1
name: One per cent of EMEA revenue
kind: rebate
currency: USD
period: 2025-Q3
eligible: {territories: [EMEA]}
payee: partner
tiers: {mode: retroactive, bands: [{from: 0, rate: 0.01}]}
"""


def settle(program, scenario, period: str) -> CalcRun:
    run = runs.start_run(
        program, parse_period(period), kind="settlement", actor=scenario.finance, on=AFTER_Q3
    )
    return execute_inline(run.id)


def approve(run, scenario) -> list[tuple[str, str, str]]:
    lines = settlement.approve_run(run, actor=scenario.finance_2)
    return [(line["period_label"], str(line["amount"]), line["kind"]) for line in lines]


def paid_total(db) -> Decimal:
    return db.session.scalar(select(func.coalesce(func.sum(PayoutLine.amount), 0)))


@pytest.fixture
def program(scenario):
    return load_program(FLAT, scenario.finance)


@pytest.fixture
def sales(make, scenario):
    for amount, day in (
        ("1000", date(2025, 7, 10)),
        ("2000", date(2025, 8, 3)),
        ("4000", date(2025, 8, 20)),
    ):
        make.sale(scenario.goldie, scenario.switch, amount, sold_on=day, currency="USD")


def test_a_longer_period_after_a_settled_month_pays_only_the_days_not_yet_paid(
    db, redis, scenario, program, sales
):
    assert approve(settle(program, scenario, "2025-07"), scenario) == [
        ("2025-07", "10.0000", "settlement")
    ]
    # The case: July again as part of a longer period is netted off, not paid twice.
    assert approve(settle(program, scenario, "2025-07-01..2025-08-05"), scenario) == [
        ("2025-07-01..2025-08-05", "20.0000", "adjustment")
    ]
    assert approve(settle(program, scenario, "2025-Q3"), scenario) == [
        ("2025-Q3", "40.0000", "adjustment")
    ]
    assert paid_total(db) == Decimal("70")  # 1 % of 7,000, once


@pytest.mark.parametrize(
    ("later", "message"),
    [
        ("2025-08", "2025-08 overlaps 2025-07-01..2025-08-05, which is already settled"),
        ("2025-07", "2025-07 lies within 2025-07-01..2025-08-05, which is already settled"),
        ("2025-08-05..2025-08-05", "lies within 2025-07-01..2025-08-05"),
        ("2025-06-15..2025-07-01", "overlaps 2025-07-01..2025-08-05"),
    ],
)
def test_a_period_cutting_through_or_inside_a_settled_one_is_refused_and_nothing_is_written(
    db, redis, scenario, program, sales, later, message
):
    approve(settle(program, scenario, "2025-07-01..2025-08-05"), scenario)
    runs_before = db.session.scalar(select(func.count()).select_from(CalcRun))
    with pytest.raises(CalcError, match=message.replace(".", r"\.")):
        settle(program, scenario, later)
    assert db.session.scalar(select(func.count()).select_from(CalcRun)) == runs_before
    assert paid_total(db) == Decimal("30")


def test_approval_refuses_a_run_whose_period_was_cut_through_after_it_started(
    db, redis, scenario, program, sales
):
    august = settle(program, scenario, "2025-08")
    straddling = settle(program, scenario, "2025-07-15..2025-08-15")
    approve(august, scenario)
    with pytest.raises(CalcError, match="overlaps 2025-08, which is already settled"):
        approve(straddling, scenario)
    assert db.session.get(CalcRun, straddling.id).approved_at is None
    assert paid_total(db) == Decimal("60")


def test_an_older_run_of_a_longer_period_is_not_approved_over_a_newer_settled_month(
    db, redis, scenario, program, sales
):
    quarter = settle(program, scenario, "2025-Q3")
    approve(settle(program, scenario, "2025-07"), scenario)
    with pytest.raises(CalcError, match="later settlement of 2025-07, within this period"):
        approve(quarter, scenario)
    assert approve(settle(program, scenario, "2025-Q3"), scenario) == [
        ("2025-Q3", "60.0000", "adjustment")
    ]
    assert paid_total(db) == Decimal("70")


def test_claim_lines_of_a_period_are_not_netted_off(db, redis, make, scenario, program, sales):
    """Approved claims pay on their own lines; a settlement never claws them back."""
    approve(settle(program, scenario, "2025-07"), scenario)
    db.session.add(
        PayoutLine(
            program_id=program.id,
            period_start=date(2025, 7, 10),
            period_end=date(2025, 7, 10),
            period_label="2025-07-10..2025-07-10",
            payee_id=scenario.goldie.id,
            currency="USD",
            amount=Decimal("99"),
            kind="claim",
        )
    )
    db.session.flush()
    assert approve(settle(program, scenario, "2025-Q3"), scenario) == [
        ("2025-Q3", "60.0000", "adjustment")
    ]


# --- any order of settlements on the real path -----------------------------------------------

Q3_START = date(2025, 7, 1)
periods = st.tuples(st.integers(0, 91), st.integers(0, 91)).map(
    lambda pair: f"{Q3_START + timedelta(days=min(pair))}..{Q3_START + timedelta(days=max(pair))}"
)
line_days = st.lists(st.tuples(st.integers(0, 91), st.integers(1, 90)), min_size=1, max_size=6)


@settings(max_examples=12, deadline=None, database=None)
@given(lines=line_days, sequence=st.lists(periods, min_size=1, max_size=5))
def test_any_sequence_of_approved_settlements_pays_each_settled_day_once(app, lines, sequence):
    """A flat rate makes earnings additive per day, so the payout lines must add up to the rate
    times the revenue of the days that some accepted settlement covered, once."""
    with rolled_back_session() as session:
        make = factories.Factory(session)
        scenario = build_scenario(make)
        program, _version, _created = save_program(FLAT, actor=scenario.finance)
        days = {}
        for offset, hundreds in lines:
            day = Q3_START + timedelta(days=offset)
            make.sale(
                scenario.goldie, scenario.switch, str(hundreds * 100), sold_on=day, currency="USD"
            )
            days[day] = days.get(day, 0) + hundreds * 100
        covered: set[date] = set()
        for text in sequence:
            try:
                run = settle(program, scenario, text)
            except CalcError:
                continue
            settlement.approve_run(run, actor=scenario.finance_2)
            period = parse_period(text)
            covered |= {d for d in days if period.start <= d <= period.end}
        paid = session.scalar(select(func.coalesce(func.sum(PayoutLine.amount), 0)))
        assert Decimal(paid) == sum((Decimal(days[d]) / 100 for d in covered), Decimal(0))
