"""A contest settled and approved whose winner holds two trip seats that pass on when declined.

Standings (one group): GOLDIE 1,000 EUR (rank 1, wins the trip), BRANCH-1 1,000 EUR reached
later (2), BRANCH-2 300 EUR (3), MOVER 200 EUR (4, below the 250 EUR threshold)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import select

from portal.models import CalcRun, ContestAward, TripAward
from tests.calc.conftest import build_scenario, execute_inline, load_program
from workflows.calc import runs, settlement

TRAVEL_ON = date(2027, 5, 10)
AFTER = date(2025, 10, 2)
CONTEST = """
code: TRIP-CUP
name: Summer cup trip
kind: contest
currency: EUR
period: {start: 2025-07-01, end: 2025-09-30}
eligible: {territories: [DACH, FR], categories: [HW]}
contest:
  measure: revenue
  qualify: {threshold: 250, top: 1}
  awards:
    - from_rank: 1
      to_rank: 1
      trip: {seats: 2, cost_per_seat: 4800, travel_on: %(travel_on)s, pass_on_declined: %(pass_on)s}
"""


@dataclass
class Trips:
    scenario: object
    run: CalcRun
    program: object
    goldie_admin: object
    branch_1_admin: object
    branch_2_admin: object
    goldie_user: object
    manager: object
    fr_manager: object

    def trip_of(self, partner) -> TripAward | None:
        from portal.extensions import db

        return db.session.scalars(
            select(TripAward)
            .join(ContestAward, ContestAward.id == TripAward.award_id)
            .where(ContestAward.run_id == self.run.id, TripAward.partner_id == partner.id)
            .order_by(TripAward.id.desc())
        ).first()

    @property
    def goldie_trip(self) -> TripAward:
        return self.trip_of(self.scenario.goldie)


def sell(make, s) -> None:
    make.sale(s.goldie, s.switch, "1100", sold_on=date(2025, 7, 10), currency="USD")
    make.sale(s.branch_1, s.switch, "1000", sold_on=date(2025, 7, 20))
    make.sale(s.branch_2, s.switch, "300", sold_on=date(2025, 7, 5))
    make.sale(s.mover, s.switch, "200", sold_on=date(2025, 8, 1))


def settle(make, monkeypatch, *, pass_on=True, approve=True) -> Trips:
    monkeypatch.setattr("portal.models.users.PASSWORD_METHOD", "pbkdf2:sha256:1000")
    s = build_scenario(make)
    sell(make, s)
    text = CONTEST % {"travel_on": TRAVEL_ON.isoformat(), "pass_on": str(pass_on).lower()}
    program = load_program(text, s.finance)
    run = runs.start_run(program, None, kind="settlement", actor=s.finance, on=AFTER)
    run = execute_inline(run.id)
    assert run.status == "done", run.error
    if approve:
        settlement.approve_run(run, actor=s.finance_2)
    return Trips(
        scenario=s,
        run=run,
        program=program,
        goldie_admin=make.user("partner_admin", partner=s.goldie, email="gina@goldie.example"),
        branch_1_admin=make.user("partner_admin", partner=s.branch_1, email="bo@branch1.example"),
        branch_2_admin=make.user("partner_admin", partner=s.branch_2, email="bea@branch2.example"),
        goldie_user=make.user("partner_user", partner=s.goldie),
        manager=make.user("channel_manager", territories=[s.t["DACH"]]),
        fr_manager=make.user("channel_manager", territories=[s.t["FR"]]),
    )


@pytest.fixture
def trips(make, db, redis, monkeypatch) -> Trips:
    return settle(make, monkeypatch)
