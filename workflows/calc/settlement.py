"""Approving settlements into payout lines, closing and reopening periods, and the CSV rows.

Payout for (program, period, payee) = latest approved settled amount − what earlier payout lines
of that period, and of every settled period within it, already paid. Lines are only ever added:
a later settlement after late or restated sales adds an adjustment (positive) or a clawback
(negative), never a rewrite of paid history. A settlement period that would cut through a
settled one is refused (workflows/engine/settling.py).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from portal.extensions import db
from portal.foundation.audit import record_event
from portal.models import CalcResult, CalcRun, ClosedPeriod, Partner, PayoutLine, Program, utcnow
from portal.security import Perm, ensure, ensure_not_maker, visible_to
from workflows.engine import N_, Period, minor_unit, spec_from_dict
from workflows.engine.numbers import plain_decimal
from workflows.engine.settling import payout_differences, within

from . import contest_mail, contests, coop, writers
from .errors import CalcError
from .runs import (
    active_closure,
    approved_settlements,
    refuse_if_closed,
    refuse_if_cut_through_settled,
)

RESULT_COLUMNS = (
    "partner_code",
    "program_code",
    "period",
    "currency",
    "measure",
    "band_from",
    "rate",
    "amount",
)
PAYOUT_COLUMNS = ("partner_code", "program_code", "period", "currency", "amount", "kind")


def _locked(run: CalcRun) -> CalcRun:
    """Lock the program, then re-read the run, FOR UPDATE: approvals of one program run one after
    another (two settlements of a period approved at once must not both pay what neither saw
    paid), and a double-clicked approve waits here, then finds the run approved."""
    db.session.execute(select(Program.id).where(Program.id == run.program_id).with_for_update())
    return db.session.scalars(
        select(CalcRun)
        .where(CalcRun.id == run.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def _check_approvable(run: CalcRun, actor) -> None:
    if actor.id is None:
        raise CalcError(N_("An approval must be made by a named user."))
    ensure_not_maker(actor, run.started_by_id)
    if run.kind != "settlement":
        raise CalcError(N_("Only settlement runs are approved; this is an accrual run."))
    if run.status != "done":
        raise CalcError(N_("Only a finished run can be approved."))
    if run.approved_at is not None:
        raise CalcError(N_("This run is already approved."))
    period = Period(run.period_start, run.period_end)
    refuse_if_closed(run.program, period)
    refuse_if_cut_through_settled(run.program, period)
    later = [
        other
        for other in approved_settlements(run.program_id, after_run_id=run.id)
        if within(other, period)
    ]
    if later:
        raise CalcError(
            N_(
                "A later settlement of %(settled)s, within this period, is already approved; "
                "run this period again."
            ),
            settled=later[0].label,
        )


def approve_run(run: CalcRun, *, actor) -> list[dict]:
    """Maker–checker approval of a settlement run; writes and returns its payout lines (for a
    co-op program: the earned rows it posts to the MDF fund instead). A contest's winners are
    e-mailed (queued here; the caller runs `enqueue.pending_mail()` after committing)."""
    ensure(actor, Perm.APPROVE_CALCULATIONS)
    run = _locked(run)
    _check_approvable(run, actor)
    spec = spec_from_dict(run.program_version.spec)
    steps = contests.approval_steps(run) if spec.kind == contests.KIND else ()
    if any(name not in APPROVAL_STEPS for name in steps):
        raise CalcError(
            N_("%(program)s cannot be approved: nothing posts its points awards to the ledger."),
            program=run.program.code,
        )
    run.approved_by_id, run.approved_at = actor.id, utcnow()
    if spec.kind == coop.KIND:
        rows = coop.post_earnings(run, spec, actor)
        record_event(
            actor,
            "calc.run.approve",
            run,
            after={
                "fund": spec.fund,
                "earned_rows": len(rows),
                "earned_total": format(sum((row["amount"] for row in rows), Decimal(0)), "f"),
            },
        )
        return rows
    lines = payout_lines_for(run, actor)
    writers.insert_payout_lines(lines)
    facts: dict[str, object] = {}
    for name in steps:
        facts.update(APPROVAL_STEPS[name](run, actor))
    if spec.kind == contests.KIND:
        # Sent by the caller's pending_mail() after commit: a refused approval tells nobody.
        facts["winner_mails"] = contest_mail.mail_winners(run)
    record_event(
        actor,
        "calc.run.approve",
        run,
        after={
            "payout_lines": len(lines),
            "payout_total": format(sum((line["amount"] for line in lines), Decimal(0)), "f"),
            **facts,
        },
    )
    return lines


# What the layers above calculation runs do, in the approval's transaction, once a settlement is
# approved: name → step(run, actor) returning facts for the approval's audit event. Calculation
# decides which steps a run needs (contests.approval_steps); the layer that owns the effect
# registers the step (workflows.rewards posts contest points to the loyalty ledger), so runs
# never import what depends on them. A needed step that nobody registered refuses the approval.
ApprovalStep = Callable[[CalcRun, Any], dict[str, object]]
APPROVAL_STEPS: dict[str, ApprovalStep] = {}


def after_approval(name: str) -> Callable[[ApprovalStep], ApprovalStep]:
    """Register `name`'s approval step (decorator)."""

    def register(step: ApprovalStep) -> ApprovalStep:
        APPROVAL_STEPS[name] = step
        return step

    return register


def payout_lines_for(run: CalcRun, actor) -> list[dict]:
    """settled − already paid per (payee, currency), netting off the payout lines of this period
    and of every settled period within it, for every payee settled now or paid before."""
    settled: dict[tuple[int, str], Decimal] = {
        (payee_id, currency): amount
        for payee_id, currency, amount in db.session.execute(
            select(CalcResult.payee_id, CalcResult.currency, CalcResult.amount).where(
                CalcResult.run_id == run.id
            )
        )
    }
    paid = (
        ((payee_id, currency), amount)
        for payee_id, currency, amount in db.session.execute(
            select(PayoutLine.payee_id, PayoutLine.currency, PayoutLine.amount).where(
                PayoutLine.program_id == run.program_id,
                PayoutLine.period_start >= run.period_start,
                PayoutLine.period_end <= run.period_end,
                PayoutLine.kind != "claim",  # approved claims are paid on their own lines
            )
        )
    )
    now = utcnow()
    return [
        {
            "program_id": run.program_id,
            "period_start": run.period_start,
            "period_end": run.period_end,
            "period_label": run.period_label,
            "payee_id": payee_id,
            "currency": currency,
            "amount": difference,
            "kind": kind,
            "run_id": run.id,
            "created_by_id": actor.id,
            "created_at": now,
        }
        for (payee_id, currency), difference, kind in payout_differences(settled, paid)
    ]


def close_period(program: Program, period: Period, *, actor) -> ClosedPeriod:
    """Lock a program's period: no runs, no approvals until an explicit reopen."""
    ensure(actor, Perm.CLOSE_PERIODS)
    refuse_if_closed(program, period)
    closure = ClosedPeriod(
        program_id=program.id,
        period_start=period.start,
        period_end=period.end,
        period_label=period.label,
        closed_by_id=actor.id,
    )
    db.session.add(closure)
    db.session.flush()
    record_event(
        actor, "calc.period.close", closure, after={"program": program.code, "period": period.label}
    )
    return closure


def reopen_period(program: Program, period: Period, *, actor) -> ClosedPeriod:
    """Reopen the closure that covers the period, so runs and approvals are possible again."""
    ensure(actor, Perm.CLOSE_PERIODS)
    closure = active_closure(program.id, period)
    if closure is None:
        raise CalcError(
            N_("The period %(period)s of %(program)s is not closed."),
            period=period.label,
            program=program.code,
        )
    closure.reopened_by_id, closure.reopened_at = actor.id, utcnow()
    db.session.flush()
    record_event(
        actor,
        "calc.period.reopen",
        closure,
        before={"closed_at": closure.closed_at.isoformat()},
        after={"program": program.code, "period": closure.period_label},
    )
    return closure


def _money(amount: Decimal, currency: str) -> str:
    return writers.amount_text(amount, minor_unit(currency))


def result_rows(run: CalcRun, actor) -> list[tuple]:
    """One CSV row per payee the actor may see (payee = the group's top partner for groups)."""
    ensure(actor, Perm.VIEW_CALC_RESULTS)
    stmt = (
        select(CalcResult, Partner.code)
        .join(Partner, Partner.id == CalcResult.payee_id)
        .where(CalcResult.run_id == run.id)
        .order_by(Partner.code)
    )
    rows = [
        (
            partner_code,
            run.program.code,
            run.period_label,
            result.currency,
            plain_decimal(result.measure),  # exactly, without padding zeros (205925.4, 0.035)
            plain_decimal(result.band_from),
            plain_decimal(result.rate),
            _money(result.amount, result.currency),
        )
        for result, partner_code in db.session.execute(visible_to(stmt, actor, CalcResult))
    ]
    record_event(actor, "calc.results.export", run, after={"rows": len(rows)})
    return rows


def payout_rows(period: Period, actor, program: Program | None = None) -> list[tuple]:
    """Payout lines of the periods within `period`, by program, period and partner; audited."""
    ensure(actor, Perm.EXPORT_PAYOUTS)
    stmt = (
        select(PayoutLine, Partner.code, Program.code)
        .join(Partner, Partner.id == PayoutLine.payee_id)
        .join(Program, Program.id == PayoutLine.program_id)
        .where(PayoutLine.period_start >= period.start, PayoutLine.period_end <= period.end)
        .order_by(Program.code, PayoutLine.period_start, Partner.code, PayoutLine.id)
    )
    if program is not None:
        stmt = stmt.where(PayoutLine.program_id == program.id)
    rows = [
        (
            partner_code,
            program_code,
            line.period_label,
            line.currency,
            _money(line.amount, line.currency),
            line.kind,
        )
        for line, partner_code, program_code in db.session.execute(
            visible_to(stmt, actor, PayoutLine)
        )
    ]
    record_event(
        actor,
        "payouts.export",
        program,
        after={"period": period.label, "rows": len(rows)},
    )
    return rows
