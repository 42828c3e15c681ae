"""The demo's running sales contest: the best networking sellers of DACH and France over the
half-year travel to Lisbon.

The contest runs from the start of the previous quarter to the end of the current one; it ranks
each region separately (top 3 with at least 5,000 EUR), one seat per winner and a second one for
gold and platinum partners. Today's run ranks it as of today, through the services the daily
job uses; a second load adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from workflows.engine import Period

from ..actors import actor_for
from ..extensions import db
from ..programs.services import save_program
from .generate import DemoDates
from .programs import MAKER, ProgramsSummary, _quarter, _run_once

CODE = "DEMO-LISBON"


def contest_spec(start, end) -> str:
    return f"""\
code: {CODE}
name: Lisbon incentive trip for the best networking sellers
kind: contest
currency: EUR
period: {{start: {start.isoformat()}, end: {end.isoformat()}}}
eligible: {{territories: [DACH, FRANCE], categories: [NET]}}
payee: partner
contest:
  measure: revenue
  qualify: {{threshold: 5000, top: 3}}
  group_by: territory
  board_public: false
  awards:
    - {{from_rank: 1, to_rank: 3, trip: {{seats: 1, cost_per_seat: 4800}}}}
    - from_rank: 1
      to_rank: 3
      partner_tiers: [gold, platinum]
      trip: {{seats: 1, cost_per_seat: 4800}}
"""


@dataclass
class ContestSummary:
    code: str
    as_of: str
    runs: int


def load_demo_contest(dates: DemoDates) -> ContestSummary:
    """The contest program and its standings as of today."""
    maker = actor_for(MAKER)
    start, end = _quarter(dates.start).start, _quarter(dates.quarter_start).end
    program, _, _ = save_program(contest_spec(start, end), actor=maker)
    db.session.commit()
    summary = ProgramsSummary()
    _run_once(program, Period(start, dates.today), "accrual", maker, dates.today, summary)
    return ContestSummary(CODE, dates.today.isoformat(), summary.runs)
