"""The road from an approved settlement to payment: settled → approved → period closed → in a
payout batch → batch approved by a second finance user → exported, each step done or waiting
with who and when, and the next action where the reader may take it.

Built for many runs at once from existing rows in a fixed number of queries (closures, the
runs' payout lines with their batches, the people named), never one query per run or line.
A step is done when every payout line of the run has passed it; "partial" when some have (a
batch took some lines, not all), so a partly paid period shows both what was paid and what
still waits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from workflows.banking.payees import hold_reasons

from ..extensions import db
from ..models import (
    CalcRun,
    ClosedPeriod,
    Partner,
    PayoutBatch,
    PayoutBatchLine,
    PayoutLine,
    Program,
    User,
)
from ..security import Perm, can

DONE, PARTIAL, WAITING = "done", "partial", "waiting"
STEPS = ("settled", "approved", "closed", "batched", "batch_approved", "exported")


@dataclass(frozen=True)
class Step:
    """One stop on the road: its state, who took it and when, and the batches it concerns."""

    key: str
    state: str
    who: str | None = None
    when: datetime | None = None
    batches: tuple[int, ...] = ()
    done_lines: int = 0
    total_lines: int = 0


@dataclass(frozen=True)
class Action:
    """The next thing to do: a button (`close`, `build`, `approve`, `export`) when the reader may
    do it, otherwise a note (`wait_checker` for the batch's builder, `wait_finance`, `held` when
    every line not in a batch waits for its partner's verified bank account)."""

    kind: str
    batch_id: int | None = None
    who: str | None = None
    held: int = 0


@dataclass
class Road:
    run: CalcRun
    steps: list[Step] = field(default_factory=list)
    action: Action | None = None
    line_count: int = 0

    @property
    def paid(self) -> bool:
        return all(step.state == DONE for step in self.steps)


def recent_approved_settlements(limit: int = 10) -> list[CalcRun]:
    """The latest approved settlement runs, newest first: the periods on their way to payment
    (co-op settlements earn into an MDF fund instead, so they are not among them)."""
    return list(
        db.session.scalars(
            select(CalcRun)
            .join(Program, Program.id == CalcRun.program_id)
            .where(
                CalcRun.kind == "settlement",
                CalcRun.approved_at.is_not(None),
                Program.kind != "coop",
            )
            .order_by(CalcRun.approved_at.desc(), CalcRun.id.desc())
            .limit(limit)
        )
    )


def roads_for(runs: list[CalcRun], user) -> dict[int, Road]:
    """Run id → its road to payment, for the approved settlement runs among `runs`."""
    runs = [
        r
        for r in runs
        if r.kind == "settlement" and r.approved_at is not None and r.program.kind != "coop"
    ]
    if not runs:
        return {}
    closures = _closures({r.program_id for r in runs})
    lines = _lines([r.id for r in runs])
    held = _held_lines(lines)
    batches = _batches({batch_id for rows in lines.values() for _, batch_id in rows} - {None})
    names = _names(
        {r.approved_by_id for r in runs}
        | {c.closed_by_id for c in closures}
        | {
            u
            for b in batches.values()
            for u in (b.created_by_id, b.approved_by_id, b.exported_by_id)
        }
    )
    roads = {}
    for run in runs:
        closure = next(
            (
                c
                for c in closures
                if c.program_id == run.program_id
                and c.period_start <= run.period_start
                and c.period_end >= run.period_end
            ),
            None,
        )
        run_batches = [batches[b] for _, b in lines.get(run.id, []) if b is not None]
        road = _road(run, closure, lines.get(run.id, []), run_batches, names, user)
        unbatched = {line_id for line_id, batch_id in lines.get(run.id, []) if batch_id is None}
        if road.action and road.action.kind == "build" and unbatched and unbatched <= held:
            road.action = _past_held(run_batches, len(unbatched), names, user)
        roads[run.id] = road
    return roads


def road_for(run: CalcRun, user) -> Road | None:
    return roads_for([run], user).get(run.id)


def _batch_step(key, done, verb: str, done_lines: int, total: int, names) -> Step:
    """A step the run's payout batches take: who took it last (`<verb>_by_id`) and when."""
    latest = done[-1] if done else None
    return Step(
        key,
        _state(done_lines, total),
        who=names.get(getattr(latest, f"{verb}_by_id")) if latest else None,
        when=getattr(latest, f"{verb}_at") if latest else None,
        batches=tuple(b.id for b in done),
        done_lines=done_lines,
        total_lines=total,
    )


def _road(run, closure, lines, run_batches, names, user) -> Road:
    total = len(lines)
    batched = sum(1 for _, batch_id in lines if batch_id is not None)
    by_id = {b.id: b for b in run_batches}
    ordered = [by_id[i] for i in sorted(by_id)]
    approved_lines = sum(1 for b in run_batches if b.status in ("approved", "exported"))
    exported_lines = sum(1 for b in run_batches if b.status == "exported")
    steps = [
        Step("settled", DONE, when=run.finished_at),
        Step("approved", DONE, who=names.get(run.approved_by_id), when=run.approved_at),
        Step(
            "closed",
            DONE if closure else WAITING,
            who=names.get(closure.closed_by_id) if closure else None,
            when=closure.closed_at if closure else None,
        ),
    ]
    approved = [b for b in ordered if b.approved_at is not None]
    exported = [b for b in ordered if b.exported_at is not None]
    steps += [
        _batch_step("batched", ordered, "created", batched, total, names),
        _batch_step("batch_approved", approved, "approved", approved_lines, total, names),
        _batch_step("exported", exported, "exported", exported_lines, total, names),
    ]
    road = Road(run=run, steps=steps, line_count=total)
    road.action = _next_action(steps, ordered, names, user)
    return road


def _state(done: int, total: int) -> str:
    """No payout lines (nothing left to pay) counts as done: nothing waits on this step."""
    if done >= total:
        return DONE
    return PARTIAL if done else WAITING


def _next_action(steps: list[Step], batches: list[PayoutBatch], names, user) -> Action | None:
    """The first step not done decides; a button only for a reader holding the permission, and
    never the approval of a batch the reader built (maker–checker)."""
    pending = next((step for step in steps if step.state != DONE), None)
    if pending is None:
        return None
    if pending.key == "closed":
        return Action("close" if can(user, Perm.CLOSE_PERIODS) else "wait_finance")
    if not can(user, Perm.MANAGE_PAYOUT_BATCHES):
        return Action("wait_finance")
    if pending.key == "batched":
        return Action("build")
    if pending.key == "batch_approved":
        draft = next(b for b in batches if b.status == "draft")
        if draft.created_by_id == user.id:
            return Action("wait_checker", batch_id=draft.id, who=names.get(draft.created_by_id))
        return Action("approve", batch_id=draft.id, who=names.get(draft.created_by_id))
    waiting = next(b for b in batches if b.status == "approved")
    return Action("export", batch_id=waiting.id)


def _closures(program_ids: set[int]) -> list[ClosedPeriod]:
    return list(
        db.session.scalars(
            select(ClosedPeriod).where(
                ClosedPeriod.program_id.in_(program_ids), ClosedPeriod.reopened_at.is_(None)
            )
        )
    )


def _lines(run_ids: list[int]) -> dict[int, list[tuple[int, int | None]]]:
    """Run id → [(payout line id, batch id or None)]."""
    rows = db.session.execute(
        select(PayoutLine.run_id, PayoutLine.id, PayoutBatchLine.batch_id)
        .outerjoin(
            PayoutBatchLine,
            (PayoutBatchLine.payout_line_id == PayoutLine.id)
            & PayoutBatchLine.returned_at.is_(None),
        )
        .where(PayoutLine.run_id.in_(run_ids))
        .order_by(PayoutLine.id)
    )
    lines: dict[int, list[tuple[int, int | None]]] = {}
    for run_id, line_id, batch_id in rows:
        lines.setdefault(run_id, []).append((line_id, batch_id))
    return lines


def _past_held(batches: list[PayoutBatch], held: int, names, user) -> Action:
    """When only held lines wait to be batched, the next action is the batches' (approve,
    export), else a note that the lines wait for verified bank accounts."""
    drafts = sorted((b for b in batches if b.status == "draft"), key=lambda b: b.id)
    approved = sorted((b for b in batches if b.status == "approved"), key=lambda b: b.id)
    if drafts:
        draft = drafts[0]
        who = names.get(draft.created_by_id)
        kind = "wait_checker" if draft.created_by_id == user.id else "approve"
        return Action(kind, batch_id=draft.id, who=who, held=held)
    if approved:
        return Action("export", batch_id=approved[0].id, held=held)
    return Action("held", held=held)


def _held_lines(lines: dict[int, list[tuple[int, int | None]]]) -> set[int]:
    """The ids of lines in no batch whose partner the bank details hold (per its currency)."""
    unbatched = [line_id for rows in lines.values() for line_id, batch_id in rows if not batch_id]
    if not unbatched:
        return set()
    rows = db.session.execute(
        select(PayoutLine.id, Partner.id, Partner.currency)
        .join(Partner, Partner.id == PayoutLine.payee_id)
        .where(PayoutLine.id.in_(unbatched))
    ).all()
    by_currency: dict[str, set[int]] = {}
    for _line_id, partner_id, currency in rows:
        by_currency.setdefault(currency, set()).add(partner_id)
    held_partners = {
        (partner_id, currency)
        for currency, partner_ids in by_currency.items()
        for partner_id in hold_reasons(partner_ids, currency)
    }
    return {line_id for line_id, pid, currency in rows if (pid, currency) in held_partners}


def _batches(ids: set[int]) -> dict[int, PayoutBatch]:
    if not ids:
        return {}
    return {b.id: b for b in db.session.scalars(select(PayoutBatch).where(PayoutBatch.id.in_(ids)))}


def _names(ids: set[int | None]) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    rows = db.session.execute(select(User.id, User.name, User.email).where(User.id.in_(ids)))
    return {user_id: name or email for user_id, name, email in rows}
