"""The demo's running contest: a trip to Lisbon, ranked per region as of the demo's today."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.actors import SYSTEM
from portal.demo import load_demo
from portal.demo.contests import CODE, load_demo_contest, month_ends
from portal.models import CalcRun, ContestStanding, Program
from tests.test_demo import TODAY
from workflows.calc.contests import standing_rows
from workflows.calc.runs import version_of
from workflows.engine import AwardKind, spec_from_dict


def test_the_demo_has_a_running_contest_with_a_trip_and_a_reload_adds_nothing(db):
    dates = load_demo(db.session, today=TODAY).dates
    summary = load_demo_contest(dates)
    program = db.session.scalars(select(Program).where(Program.code == CODE)).one()
    spec = spec_from_dict(version_of(program).spec)
    assert spec.period.start <= TODAY <= spec.period.end  # still running
    assert {a.kind for a in spec.contest.awards} == {AwardKind.TRIP}
    ranked = db.session.scalars(
        select(CalcRun).where(CalcRun.program_id == program.id).order_by(CalcRun.period_end)
    ).all()
    # ranked at every past month's end and as of today: a history for charts and movement
    ends = month_ends(spec.period.start, TODAY)
    assert [r.period_end for r in ranked] == [*ends, TODAY] and len(ends) >= 2
    assert all(r.status == "done" and r.period_start == spec.period.start for r in ranked)
    assert summary.runs == len(ranked)
    run = ranked[-1]
    standings = db.session.scalars(
        select(ContestStanding).where(ContestStanding.run_id == run.id)
    ).all()
    assert {s.group_code for s in standings} == {"DACH", "FRANCE"}
    assert any(s.qualified for s in standings) and any(not s.qualified for s in standings)
    rows = standing_rows(program, SYSTEM)
    assert len(rows) == len(standings) and rows[0][1] == 1

    assert load_demo_contest(dates).runs == 0
    assert db.session.scalar(select(func.count()).select_from(CalcRun)) == len(ranked)
