"""Posting a loyalty program's points in the background: finance's request becomes a Task row
(the status of record, with progress) that a worker executes after the request commits."""

from __future__ import annotations

from portal.extensions import db
from portal.foundation.audit import record_event
from portal.models import Program, Task, User
from portal.security import Perm, ensure
from workflows.calc.runs import refuse_if_closed
from workflows.engine import N_, Period, parse_period
from workflows.tasks import Progress, create_task, handler

from . import earnings
from .errors import RewardsError

TASK_KIND = "points_post"


def request_posting(program: Program, period: Period, *, actor) -> Task:
    """Record a posting task (the caller commits, then enqueues it)."""
    ensure(actor, Perm.RUN_CALCULATIONS)
    if program.kind != "loyalty":
        raise RewardsError(N_("%(program)s is not a loyalty program."), program=program.code)
    refuse_if_closed(program, period)
    task = create_task(TASK_KIND, {"program_id": program.id, "period": period.label}, actor=actor)
    record_event(
        actor,
        "points.post.request",
        program,
        after={"period": period.label, "task": task.id},
    )
    return task


@handler(TASK_KIND)
def run_posting(task: Task, progress: Progress) -> None:
    """Post the program's earnings for the period as the user who asked for it."""
    program = db.session.get(Program, task.params["program_id"])
    if program is None:
        raise LookupError(f"program {task.params['program_id']} does not exist")
    actor = db.session.get(User, task.created_by_id) if task.created_by_id else None
    # Progress is committed on another connection; SQLite would then refuse this transaction's
    # first write (its read snapshot is older), so there only the final count is reported.
    reporter = None if db.engine.dialect.name == "sqlite" else progress
    created = earnings.post_earnings(
        program, parse_period(task.params["period"]), actor=actor, progress=reporter
    )
    db.session.commit()
    progress(len(created), len(created))
