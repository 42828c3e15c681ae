"""The daily contest run on RQ's scheduler: every open contest's standings as of today.

While a contest is open (and on the day after it ends, for the standings through its last
day), the chain starts one accrual run per contest and day; a day that already has a run that
did not fail gets none, so a re-run of the job changes nothing.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from sqlalchemy import select

from portal.extensions import db
from portal.models import CalcRun, Program, utcnow
from workflows import enqueue, periodic
from workflows.engine import Period, spec_from_dict

from . import runs
from .contests import KIND

log = logging.getLogger(__name__)


class ScheduledActor:
    """The schedule itself: finance's permissions, no identity (the audit trail names no
    user, and approvals still need a person)."""

    id = None
    email = None
    role = "finance"
    partner_id = None
    active = True
    is_authenticated = True


SCHEDULE = ScheduledActor()


def due_contests(day: date) -> list[tuple[int, Period]]:
    """(program id, period to rank) of every contest open on the day or ended the day before."""
    due = []
    for program in db.session.scalars(select(Program).where(Program.kind == KIND)):
        spec = spec_from_dict(runs.version_of(program).spec)
        if spec.period is None or not spec.period.start <= day <= spec.period.end + timedelta(1):
            continue
        period = Period(spec.period.start, min(day, spec.period.end))
        ranked = db.session.scalar(
            select(CalcRun.id).where(
                CalcRun.program_id == program.id,
                CalcRun.period_start == period.start,
                CalcRun.period_end == period.end,
                CalcRun.status != "failed",
            )
        )
        if ranked is None:
            due.append((program.id, period))
    return due


@periodic.periodic("contest_standings", every=timedelta(days=1))
def rank_open_contests(as_of: str | None = None) -> dict[str, int]:
    """Start today's run of every open contest (explicit ISO `as_of`: that day, no re-arm)."""
    day = date.fromisoformat(as_of) if as_of else utcnow().date()
    started: dict[str, int] = {}
    for program_id, period in due_contests(day):
        program = db.session.get(Program, program_id)
        run = runs.start_run(program, period, actor=SCHEDULE, on=day)
        db.session.commit()
        enqueue.calc_run(run.id, run.shards_total)
        started[program.code] = run.id
        log.info("contest %s ranked as of %s: run %s", program.code, period.end, run.id)
    return started
