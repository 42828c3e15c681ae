"""'Accrued' on balances: one estimate per program and time, however the accrual runs overlap."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tests.calc.conftest import execute_inline, load_program
from workflows.calc import runs
from workflows.engine import parse_period
from workflows.payables.balances import program_balances

OPEN_ENDED = """
code: EMEA-OPEN
name: EMEA rebate without a fixed period
kind: rebate
currency: USD
eligible: {territories: [EMEA]}
payee: partner
tiers: {mode: retroactive, bands: [{from: 0, rate: 0.01}]}
"""


def accrue(program, period: str, actor) -> None:
    execute_inline(runs.start_run(program, parse_period(period), actor=actor, shards=1).id)


def accrued(actor, partner) -> Decimal:
    (balance,) = program_balances(actor, partner.id)
    return balance.accrued


def test_overlapping_periods_count_once_and_separate_ones_add_up(db, redis, make, scenario):
    s = scenario
    make.sale(s.goldie, s.switch, "1000", sold_on=date(2025, 7, 10), currency="USD")
    make.sale(s.goldie, s.switch, "3000", sold_on=date(2025, 8, 10), currency="USD")
    program = load_program(OPEN_ENDED, s.finance)

    accrue(program, "2025-07", s.finance)
    accrue(program, "2025-08", s.finance)
    assert accrued(s.finance, s.goldie) == Decimal("40.0000")  # 10 for July + 30 for August

    accrue(program, "2025-Q3", s.finance)  # covers both months: the newest estimate stands
    assert accrued(s.finance, s.goldie) == Decimal("40.0000")

    accrue(program, "2025-07", s.finance)  # July again: it stands for July, August's run for
    assert accrued(s.finance, s.goldie) == Decimal("40.0000")  # August, the quarter for nothing

    accrue(program, "2025-Q3", s.finance)
    accrue(program, "2025-10", s.finance)  # no sales in October: adds nothing, hides nothing
    assert accrued(s.finance, s.goldie) == Decimal("40.0000")
