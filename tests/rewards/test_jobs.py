"""The daily jobs: registered on RQ's scheduler, and their code (expiry, levels) for a given day.
The job wrappers only add the commit and the chain; their code runs here in-process."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal.models import PartnerLevel, Program
from workflows import jobs as _all_jobs  # noqa: F401 - registers every periodic job
from workflows.periodic import PERIODIC
from workflows.rewards import levels, points

from .conftest import earn


def test_points_jobs_run_daily_on_the_scheduler():
    assert PERIODIC["expire_points"].func == "workflows.rewards.jobs.expire_points"
    assert PERIODIC["loyalty_levels"].func == "workflows.rewards.jobs.recompute_levels"
    assert PERIODIC["expire_points"].every.days == 1


def test_levels_follow_the_trailing_twelve_months(db, world):
    program = Program(code="PTS", name="Points", kind="loyalty")
    db.session.add(program)
    db.session.flush()
    lot = earn(world.acme, 6000, date(2026, 1, 1), date(2026, 3, 31))
    lot.program_id = program.id
    levels.set_level(program, "silver", "Silver", 5000, actor=world.finance)
    levels.set_level(program, "gold", "Gold", 20000, actor=world.finance)
    assert levels.recompute(date(2026, 2, 1)) == 1
    level = db.session.scalars(select(PartnerLevel)).one()
    assert (level.points_12m, level.level.code) == (6000, "silver")
    (progress,) = levels.progress_for(world.acme.id, date(2026, 2, 1))
    assert (progress.missing, progress.percent) == (14000, 30)
    levels.recompute(date(2027, 1, 1))  # the earning left the 12-month window
    db.session.refresh(level)
    assert (level.points_12m, level.level_id) == (0, None)
    assert [e.points for e in points.expire_all(date(2026, 4, 1))] == [-6000]
