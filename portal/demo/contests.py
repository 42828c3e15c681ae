"""The demo's running sales contest: the best networking sellers of DACH and France over the
half-year travel to Lisbon.

The contest runs from the start of the previous quarter to the end of the current one; it ranks
each region separately (top 3 with at least 5,000 EUR), one seat per winner and a second one for
gold and platinum partners. Today's run ranks it as of today, through the services the daily
job uses; a second load adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from workflows.calc.settlement import approve_run
from workflows.engine import Period

from ..actors import actor_for
from ..extensions import db
from ..programs.services import save_program
from .generate import DemoDates
from .programs import CHECKER, MAKER, ProgramsSummary, _quarter, _run_once

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
    # ranked at each past month's end, as the daily job would have, then as of today: the
    # partners' progress charts and the board's movement have a history to show
    for day in month_ends(start, dates.today):
        _run_once(program, Period(start, day), "accrual", maker, dates.today, summary)
    _run_once(program, Period(start, dates.today), "accrual", maker, dates.today, summary)
    return ContestSummary(CODE, dates.today.isoformat(), summary.runs)


def month_ends(start: date, before: date) -> list[date]:
    """The last days of the months from `start` on that end before `before`."""
    ends, first = [], start.replace(day=1)
    while True:
        following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        end = following - timedelta(days=1)
        if end >= before:
            return ends
        ends.append(end)
        first = following


TRIP_CODE = "DEMO-ALPS"
TRIP_DAYS_AFTER = 120  # the trip sets out four months after the contest: after any demo "today"


def trip_contest_spec(start, end, travel_on) -> str:
    return f"""\
code: {TRIP_CODE}
name: Alpine retreat for the best networking sellers of the quarter
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
    - from_rank: 1
      to_rank: 3
      trip:
        seats: 2
        cost_per_seat: 3900
        travel_on: {travel_on.isoformat()}
        pass_on_declined: true
"""


def load_demo_trip_contest(dates: DemoDates) -> ContestSummary:
    """A contest over the previous quarter, settled and approved: its winners' trip seats
    await their answers (declined seats pass on). A second load adds nothing."""
    maker, checker = actor_for(MAKER), actor_for(CHECKER)
    period = _quarter(dates.start)
    travel_on = period.end + timedelta(days=TRIP_DAYS_AFTER)
    program, _, _ = save_program(
        trip_contest_spec(period.start, period.end, travel_on), actor=maker
    )
    db.session.commit()
    summary = ProgramsSummary()
    settlement = _run_once(program, period, "settlement", maker, dates.today, summary)
    if settlement is not None and settlement.approved_at is None:
        approve_run(settlement, actor=checker)
        db.session.commit()
    return ContestSummary(TRIP_CODE, period.end.isoformat(), summary.runs)
