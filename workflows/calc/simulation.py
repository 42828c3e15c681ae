"""Back-testing a draft program: the real engine over the stored sales, nothing written.

Finance's "Simulate on period" records a `tasks` row holding the draft's source text and the
period; a worker parses the draft again, computes it with the loaders and compute code of a real
run (one shard, read-only), computes the program's current version on the same period and the
same sale lines, and stores the outcome on the task row. No calc_runs, calc_results or payout
lines are written: a simulation can never be approved or paid.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from portal.extensions import db
from portal.foundation.audit import record_event
from portal.models import Partner, Program, SaleLine, Task
from portal.security import Perm, ensure
from workflows.engine import (
    N_,
    Period,
    Problem,
    ProgramSpec,
    SpecError,
    parse_period,
    spec_from_dict,
)
from workflows.tasks import Progress, create_task, handler

from .compute import compute_shard
from .loaders import make_scope
from .runs import CALCULATED_KINDS, version_of
from .specs import parse_program

TASK_KIND = "program_simulation"
NOT_SIMULATED = N_(
    "Only rebates, SPIFs and co-op programs can be simulated: loyalty points are posted, not "
    "calculated."
)


def refuse_unless_simulated(spec: ProgramSpec) -> None:
    """Simulation runs the calculation of runs, which loyalty programs do not have."""
    if spec.kind not in CALCULATED_KINDS:
        raise SpecError([Problem("kind", NOT_SIMULATED)])


def request_simulation(
    spec: ProgramSpec, source: str, period: Period, *, actor, program: Program | None = None
) -> Task:
    """Record a simulation task for a validated draft (the caller commits, then enqueues it).
    `source` is the draft's text, parsed again by the worker."""
    ensure(actor, Perm.MANAGE_PROGRAMS)
    refuse_unless_simulated(spec)
    task = create_task(
        TASK_KIND,
        {
            "source": source,
            "period": period.label,
            "code": spec.code,
            "program_id": None if program is None else program.id,
        },
        actor=actor,
    )
    record_event(
        actor,
        "program.simulate",
        program or ("tasks", task.id),
        after={"code": spec.code, "period": period.label, "task": task.id},
    )
    return task


def _amounts(spec: ProgramSpec, period: Period, watermark: int) -> tuple[dict[int, Decimal], int]:
    """Payee id → amount, as a run of this spec over these lines would compute them; and the
    count of lines without a usable FX rate."""
    scope = make_scope(
        db.session,
        spec,
        period,
        base_currency=current_app.config["BASE_CURRENCY"],
        watermark=watermark,
    )
    outcome = compute_shard(
        db.session,
        scope,
        unusable_cap=0,
        work_mem=current_app.config["CALC_WORK_MEM"],
    )
    return {int(r.payee_key): r.amount for r in outcome.results}, outcome.unusable_count


def _current_spec(params: dict[str, Any]) -> tuple[Program | None, ProgramSpec | None]:
    """The program the draft would become a version of, and its current spec (when it is
    calculated: a loyalty program has nothing to compare)."""
    program = None
    if params.get("program_id") is not None:
        program = db.session.get(Program, params["program_id"])
    if program is None:
        program = db.session.scalar(select(Program).where(Program.code == params["code"]))
    if program is None:
        return None, None
    spec = spec_from_dict(version_of(program).spec)
    return program, spec if spec.kind in CALCULATED_KINDS else None


def simulate(params: dict[str, Any], progress=None) -> dict[str, Any]:
    """The outcome of a simulation task's parameters: per payee the draft's amount and the
    current version's amount on the same period and the same sale lines (read-only)."""
    draft = parse_program(params["source"])
    refuse_unless_simulated(draft)
    period = parse_period(params["period"])
    watermark = db.session.scalar(select(func.coalesce(func.max(SaleLine.id), 0)))
    draft_amounts, unusable = _amounts(draft, period, watermark)
    db.session.rollback()  # end the read-only transaction before progress is written
    if progress is not None:
        progress(1, 2)
    program, current = _current_spec(params)
    current_amounts: dict[int, Decimal] = {}
    if current is not None:
        current_amounts, _ = _amounts(current, period, watermark)
    payee_ids = sorted(set(draft_amounts) | set(current_amounts))
    names = dict(
        (pid, (code, name))
        for pid, code, name in db.session.execute(
            select(Partner.id, Partner.code, Partner.name).where(Partner.id.in_(payee_ids))
        )
    )
    db.session.rollback()

    def text(amount: Decimal | None) -> str | None:
        return None if amount is None else format(amount, "f")

    return {
        "currency": draft.currency,
        "period_start": period.start.isoformat(),
        "period_end": period.end.isoformat(),
        "watermark": watermark,
        "unusable": unusable,
        "total": text(sum(draft_amounts.values(), Decimal(0))),
        "current_version": None if current is None else program.current_version,
        "current_currency": None if current is None else current.currency,
        "current_total": None
        if current is None
        else text(sum(current_amounts.values(), Decimal(0))),
        "payees": [
            {
                "id": pid,
                "code": names.get(pid, (str(pid), ""))[0],
                "name": names.get(pid, ("", str(pid)))[1],
                "draft": text(draft_amounts.get(pid)),
                "current": text(current_amounts.get(pid)),
            }
            for pid in payee_ids
        ],
    }


@handler(TASK_KIND)
def run_simulation(task: Task, progress: Progress) -> None:
    """Compute the draft and the current version; store the outcome on the task row."""
    task_id, params = task.id, dict(task.params)
    outcome = simulate(params, progress)
    task = db.session.get(Task, task_id)
    task.params = {**params, "outcome": outcome}
    db.session.commit()
    progress(2, 2)
