"""The demo's ended contest: settled and approved, its trip seats await the winners' answers."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.demo import load_demo
from portal.demo.contests import TRIP_CODE, load_demo_trip_contest
from portal.models import CalcRun, ContestAward, Partner, Program, TripAward
from tests.test_demo import TODAY
from workflows.calc.runs import version_of
from workflows.engine import spec_from_dict


def test_the_demo_has_a_settled_contest_whose_trip_seats_await_answers(db):
    dates = load_demo(db.session, today=TODAY).dates
    summary = load_demo_trip_contest(dates)
    program = db.session.scalars(select(Program).where(Program.code == TRIP_CODE)).one()
    spec = spec_from_dict(version_of(program).spec)
    assert spec.period.end < TODAY  # ended
    (trip_band,) = spec.contest.awards
    assert trip_band.pass_on_declined and trip_band.travel_on > TODAY
    run = db.session.scalars(select(CalcRun).where(CalcRun.program_id == program.id)).one()
    assert (run.kind, run.status, summary.runs) == ("settlement", "done", 1)
    assert run.approved_at is not None
    trips = db.session.execute(
        select(Partner.code, TripAward)
        .join(ContestAward, ContestAward.id == TripAward.award_id)
        .join(Partner, Partner.id == TripAward.partner_id)
        .where(ContestAward.run_id == run.id)
    ).all()
    assert trips and all(t.state == "pending" and t.seats == 2 for _code, t in trips)
    assert "ALPENNETZ" in {code for code, _t in trips}  # the demo partner admin's organisation

    assert load_demo_trip_contest(dates).runs == 0
    count = select(func.count()).select_from(TripAward)
    assert db.session.scalar(count) == len(trips)
