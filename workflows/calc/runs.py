"""The life of a calculation run: queued → running → done | failed, shard by shard.

The calc_runs row is the status of record; RQ only carries the work. A run is split into
`shards_total` shards, each an RQ job that claims its calc_shards row, computes in a read-only
transaction, then — in ONE write transaction — replaces what it wrote before and marks itself
done while bumping the run's shards_done counter. A run of one shard writes its result lines
and totals itself. A larger run splits the sales lines by id (`line_ranges`): each shard sums
its range into partial rows, and the shard whose bump reaches shards_total enqueues the fan-in,
which adds the partials up, applies the tiers, totals the run and marks it done. A retried or
re-enqueued shard therefore never duplicates lines, and the fan-in never waits on an RQ job id
that a sweeper re-enqueue (or a Redis restart) has replaced.

Functions here flush and never commit: jobs and request/CLI edges own the transactions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from math import ceil

from flask import current_app
from sqlalchemy import BigInteger, cast, delete, func, insert, select, update

from portal.extensions import db
from portal.foundation.audit import record_event
from portal.models import (
    CalcPartial,
    CalcResult,
    CalcRun,
    CalcShard,
    ClosedPeriod,
    Program,
    SaleLine,
    utcnow,
)
from portal.models.programs import ProgramVersion
from portal.security import Perm, ensure
from workflows.engine import N_, Period, ProgramSpec, measuring_spec, previous, spec_from_dict
from workflows.engine.settling import settlement_conflict

from . import contests, coop, writers
from .compute import ShardOutcome, reduce_partials
from .errors import CalcError
from .loaders import EligibleLines, LineRange, Scope, make_scope, raw, sale_lines
from .points_measure import measures_points

CALCULATED_KINDS = ("rebate", "spif", "coop", "contest")
RUN_TRANSITIONS = {"queued": ("running", "failed"), "running": ("done", "failed")}


def today() -> date:
    return utcnow().date()


def plan_shards(line_count: int, *, per_shard: int, max_shards: int) -> int:
    """One shard per `per_shard` lines, between 1 and max_shards."""
    return max(1, min(max_shards, ceil(line_count / max(per_shard, 1))))


def line_ranges(lowest: int, highest: int, shards: int) -> list[tuple[int | None, int | None]]:
    """Each shard's first and last sale line id: [lowest, highest] cut into `shards` stretches
    of equal length that together cover it exactly once (ids are unique and only grow). A run of
    one shard has no range: it reads every line up to the run's watermark."""
    if shards == 1:
        return [(None, None)]
    step = max(1, ceil((highest - lowest + 1) / shards))
    firsts = [lowest + n * step for n in range(shards)]
    return [
        (first, highest if n == shards - 1 else min(highest, first + step - 1))
        for n, first in enumerate(firsts)
    ]


def version_of(program: Program, number: int | None = None) -> ProgramVersion:
    wanted = program.current_version if number is None else number
    return db.session.scalars(
        select(ProgramVersion).where(
            ProgramVersion.program_id == program.id, ProgramVersion.version == wanted
        )
    ).one()


def active_closure(program_id: int, period: Period) -> ClosedPeriod | None:
    """A closed, not reopened period of the program that overlaps this one."""
    return db.session.scalars(
        select(ClosedPeriod)
        .where(
            ClosedPeriod.program_id == program_id,
            ClosedPeriod.reopened_at.is_(None),
            ClosedPeriod.period_start <= period.end,
            ClosedPeriod.period_end >= period.start,
        )
        .order_by(ClosedPeriod.id)
    ).first()


def refuse_if_closed(program: Program, period: Period) -> None:
    closure = active_closure(program.id, period)
    if closure is not None:
        raise CalcError(
            N_("The period %(period)s of %(program)s is closed; reopen it first."),
            period=closure.period_label,
            program=program.code,
        )


def approved_settlements(program_id: int, *, after_run_id: int = 0) -> list[Period]:
    """The periods of the program's approved settlement runs (of runs after `after_run_id`)."""
    rows = db.session.execute(
        select(CalcRun.period_start, CalcRun.period_end)
        .where(
            CalcRun.program_id == program_id,
            CalcRun.kind == "settlement",
            CalcRun.approved_at.is_not(None),
            CalcRun.id > after_run_id,
        )
        .distinct()
    )
    return sorted(Period(start, end) for start, end in rows)


def refuse_if_cut_through_settled(program: Program, period: Period) -> None:
    """Settled periods nest: a new one may contain settled periods or equal one, never lie
    inside one or cut through one, or a day would be netted against the wrong payments."""
    conflict = settlement_conflict(period, approved_settlements(program.id))
    if conflict is None:
        return
    if conflict.how == "inside":
        raise CalcError(
            N_(
                "%(period)s lies within %(settled)s, which is already settled for %(program)s: "
                "settle %(settled)s again instead."
            ),
            period=period.label,
            settled=conflict.settled.label,
            program=program.code,
        )
    raise CalcError(
        N_(
            "%(period)s overlaps %(settled)s, which is already settled for %(program)s, "
            "without containing it: settle a period that contains all of %(settled)s or none "
            "of it."
        ),
        period=period.label,
        settled=conflict.settled.label,
        program=program.code,
    )


def _check_kind(spec: ProgramSpec, period: Period, kind: str, on: date) -> None:
    if spec.kind not in CALCULATED_KINDS:
        raise CalcError(
            N_("%(kind)s programs are not calculated by runs."), kind=spec.kind.capitalize()
        )
    if kind == "settlement" and period.end >= on:
        raise CalcError(
            N_("A settlement run needs a period that has ended; %(period)s ends on %(end)s."),
            period=period.label,
            end=period.end,
        )
    if kind == "accrual" and period.start > on:
        raise CalcError(
            N_("An accrual run needs a period that has started; %(period)s starts on %(start)s."),
            period=period.label,
            start=period.start,
        )


def start_run(
    program: Program,
    period: Period | None = None,
    *,
    kind: str = "accrual",
    actor,
    shards: int | None = None,
    on: date | None = None,
) -> CalcRun:
    """Create a queued run of the program's current version and its shard rows (enqueue the
    shards with enqueue.calc_run after commit). Without a period, the spec's fixed period."""
    ensure(actor, Perm.RUN_CALCULATIONS)
    if kind not in ("accrual", "settlement"):
        raise CalcError(N_("Unknown run kind %(kind)s."), kind=kind)
    version = version_of(program)
    spec = spec_from_dict(version.spec)
    if period is None and spec.kind == contests.KIND and kind == "accrual" and spec.period:
        # Standings as of today while the contest runs: the days so far, not the whole year.
        period = Period(
            spec.period.start, min(spec.period.end, max(spec.period.start, on or today()))
        )
    period = period or spec.period
    if period is None:
        raise CalcError(N_("%(program)s has no fixed period: give one."), program=program.code)
    _check_kind(spec, period, kind, on or today())
    if spec.kind == coop.KIND:
        coop.check_run(spec, period)
    if spec.kind == contests.KIND:
        contests.check_run(spec, period, kind)
    refuse_if_closed(program, period)
    if kind == "settlement":
        refuse_if_cut_through_settled(program, period)
    lowest, watermark = db.session.execute(
        select(func.coalesce(func.min(SaleLine.id), 1), func.coalesce(func.max(SaleLine.id), 0))
    ).one()
    if measures_points(spec):
        shards = 1  # the points ledger, not sales lines: a few entries per partner and month
    elif shards is None:
        config = current_app.config
        per_shard = config["CALC_LINES_PER_SHARD"]
        if watermark - lowest + 1 <= per_shard:
            shards = 1  # ids are unique integers: the whole table fits one shard, no need to count
        else:
            growth = measuring_spec(spec).growth
            first_day = previous(period).start if growth else period.start
            lines = _lines_between(first_day, period.end)
            shards = plan_shards(lines, per_shard=per_shard, max_shards=config["CALC_MAX_SHARDS"])
    run = CalcRun(
        program_id=program.id,
        program_version_id=version.id,
        period_start=period.start,
        period_end=period.end,
        period_label=period.label,
        kind=kind,
        status="queued",
        currency=spec.currency,
        shards_total=max(1, shards),
        shards_done=0,
        line_watermark=watermark,
        started_by_id=actor.id,
    )
    db.session.add(run)
    db.session.flush()
    now = utcnow()
    db.session.execute(
        insert(CalcShard),
        [
            {
                "run_id": run.id,
                "shard": n,
                "enqueued_at": now,
                "first_line_id": first,
                "last_line_id": last,
            }
            for n, (first, last) in enumerate(line_ranges(lowest, watermark, run.shards_total))
        ],
    )
    record_event(
        actor,
        "calc.run.start",
        run,
        after={
            "program": program.code,
            "version": version.version,
            "period": period.label,
            "kind": kind,
            "shards": run.shards_total,
        },
    )
    return run


def _lines_between(first_day: date, last_day: date) -> int:
    """Lines of the period (and the previous one, for growth) the run will read: sizes shards.
    Only the sold_on index is needed (an index-only scan), so sizing costs little."""
    return db.session.scalar(
        select(func.count())
        .select_from(sale_lines)
        .where(sale_lines.c.sold_on >= first_day, sale_lines.c.sold_on <= last_day)
    )


@dataclass(frozen=True)
class ShardClaim:
    run_id: int
    shard: int
    shards_total: int
    line_range: LineRange | None = None


def claim_shard(run_id: int, shard: int, worker: str) -> ShardClaim | None:
    """queued → running (the run too, on its first shard); None when there is nothing to do."""
    now = utcnow()
    db.session.execute(
        update(CalcRun)
        .where(CalcRun.id == run_id, CalcRun.status == "queued")
        .values(status="running", started_at=now)
    )
    run = db.session.execute(
        select(CalcRun.status, CalcRun.shards_total).where(CalcRun.id == run_id)
    ).one_or_none()
    if run is None or run.status != "running":
        return None
    claimed = db.session.execute(
        update(CalcShard)
        .where(CalcShard.run_id == run_id, CalcShard.shard == shard, CalcShard.status == "queued")
        .values(
            status="running",
            attempts=CalcShard.attempts + 1,
            claimed_by=worker[:128],
            started_at=now,
            heartbeat_at=now,
            error=None,
        )
        .returning(CalcShard.first_line_id, CalcShard.last_line_id)
    ).one_or_none()
    if claimed is None:
        return None
    first, last = claimed
    return ShardClaim(run_id, shard, run.shards_total, None if first is None else (first, last))


def run_scope(run_id: int) -> Scope:
    """What the run reads, rebuilt from its row: version spec, period, FX base, line watermark."""
    run = db.session.get(CalcRun, run_id)
    spec = spec_from_dict(run.program_version.spec)
    return make_scope(
        db.session,
        spec,
        Period(run.period_start, run.period_end),
        base_currency=current_app.config["BASE_CURRENCY"],
        watermark=run.line_watermark,
        read_at=run.created_at,
    )


def run_lines(run: CalcRun) -> EligibleLines:
    """The drill-down reads the lines with the very filters the run summed."""
    return EligibleLines(run_scope(run.id))


def complete_shard(run_id: int, shard: int, outcome: ShardOutcome) -> bool:
    """Replace the shard's lines and mark it done, in the caller's one transaction. True when
    this shard was the last one (enqueue the fan-in after commit)."""
    now = utcnow()
    # Writing first takes the shard row lock (SQLite: the write lock), so a concurrent duplicate
    # of this shard waits here and then finds it done.
    marked = db.session.execute(
        update(CalcShard)
        .where(CalcShard.run_id == run_id, CalcShard.shard == shard, CalcShard.status == "running")
        .values(
            status="done",
            finished_at=now,
            heartbeat_at=now,
            payee_count=outcome.payee_count,
            unusable_count=outcome.unusable_count,
        )
    )
    if marked.rowcount != 1:
        return False
    writers.replace_shard_results(run_id, shard, outcome)
    db.session.execute(
        update(CalcRun).where(CalcRun.id == run_id).values(shards_done=CalcRun.shards_done + 1)
    )
    done, total = db.session.execute(
        select(CalcRun.shards_done, CalcRun.shards_total).where(CalcRun.id == run_id)
    ).one()
    return done >= total


def finish_run(run_id: int) -> bool:
    """Fan-in: running → done once every shard is done. A line-range run's partial sums are
    added up and its tiers applied here, once per payee; then the totals come from the result
    lines. Marking the run done comes first: it takes the run's row (SQLite: the write lock),
    so a second fan-in of the same run waits and then finds it done."""
    finished = db.session.execute(
        update(CalcRun)
        .where(
            CalcRun.id == run_id,
            CalcRun.status == "running",
            CalcRun.shards_done >= CalcRun.shards_total,
        )
        .values(status="done", finished_at=utcnow())
    )
    if finished.rowcount != 1:
        return False
    if db.session.scalar(select(CalcRun.shards_total).where(CalcRun.id == run_id)) > 1:
        _reduce(run_id)
    results = select(CalcResult).where(CalcResult.run_id == run_id)
    db.session.execute(
        update(CalcRun)
        .where(CalcRun.id == run_id)
        .values(
            payee_count=select(func.count()).select_from(results.subquery()).scalar_subquery(),
            total_amount=select(func.coalesce(func.sum(raw(CalcResult.amount)), 0))
            .where(CalcResult.run_id == run_id)
            .scalar_subquery(),
            unusable_count=select(func.coalesce(func.sum(CalcShard.unusable_count), 0))
            .where(CalcShard.run_id == run_id)
            .scalar_subquery(),
        )
    )
    run = db.session.get(CalcRun, run_id)
    db.session.refresh(run)
    if run.program_version.spec.get("kind") == contests.KIND:
        standings = contests.write_standings(run, run_lines(run))
        if run.kind == "settlement":
            contests.write_awards(run, standings)
            amounts = db.session.scalars(
                select(CalcResult.amount).where(CalcResult.run_id == run_id)
            )
            run.total_amount = sum(amounts, Decimal(0))
    record_event(
        None,
        "calc.run.done",
        run,
        after={
            "payees": run.payee_count,
            "total": format(run.total_amount, "f"),
            "currency": run.currency,
            "unusable": run.unusable_count,
        },
    )
    return True


def _reduce(run_id: int) -> None:
    """Add up the line-range shards' partial rows, apply the tiers, write the result lines (as
    shard 0's) and drop the partials, which were only ever working data."""
    partial = CalcPartial.__table__.c
    keys = (partial.payee_id, partial.is_current, partial.currency, partial.bucket)
    rows = db.session.execute(
        select(
            *keys,
            cast(func.sum(partial.total), BigInteger),  # exact; an overflow is an error
            func.sum(partial.line_count),
        )
        .where(partial.run_id == run_id)
        .group_by(*keys)
    ).all()
    writers.insert_results(run_id, 0, reduce_partials(run_scope(run_id), rows))
    db.session.execute(delete(CalcPartial).where(CalcPartial.run_id == run_id))


def fail_run(run_id: int, error: str, shard: int | None = None) -> None:
    """Record the failure on the shard and the run; the job re-raises after the commit."""
    now = utcnow()
    if shard is not None:
        db.session.execute(
            update(CalcShard)
            .where(CalcShard.run_id == run_id, CalcShard.shard == shard)
            .values(status="failed", error=error, finished_at=now)
        )
    failed = db.session.execute(
        update(CalcRun)
        .where(CalcRun.id == run_id, CalcRun.status.in_(("queued", "running")))
        .values(status="failed", error=error, finished_at=now)
    )
    if failed.rowcount == 1:
        record_event(None, "calc.run.failed", ("calc_runs", run_id), after={"error": error})


@dataclass(frozen=True)
class Sweep:
    """What the sweeper found: shards to enqueue again (shard, attempt) per run, runs to fan in."""

    shards: dict[int, list[tuple[int, int]]]
    fan_ins: list[int]
    failed: list[int]


def sweep_stale(older_than: timedelta, *, max_attempts: int, job_waiting) -> Sweep:
    """Running shards whose heartbeat stopped (worker killed) and queued shards whose job is gone
    (Redis restarted) go back on the queue; after max_attempts the run fails. Runs whose shards
    are all done but which never got their fan-in (killed between commit and enqueue) are listed.
    """
    cutoff = utcnow() - older_than
    requeue: dict[int, list[tuple[int, int]]] = {}
    failed: list[int] = []
    live = select(CalcRun.id).where(CalcRun.status.in_(("queued", "running")))
    candidates = db.session.scalars(
        select(CalcShard)
        .where(
            CalcShard.run_id.in_(live),
            (
                (CalcShard.status == "running") & (CalcShard.heartbeat_at < cutoff)
                | (CalcShard.status == "queued") & (CalcShard.enqueued_at < cutoff)
            ),
        )
        .order_by(CalcShard.run_id, CalcShard.shard)
    ).all()
    for shard in candidates:
        if shard.status == "queued" and job_waiting(shard.run_id, shard.shard, shard.attempts):
            continue
        if shard.attempts >= max_attempts:
            fail_run(shard.run_id, "the worker stopped responding too many times", shard.shard)
            failed.append(shard.run_id)
            continue
        shard.status, shard.enqueued_at, shard.claimed_by = "queued", utcnow(), None
        requeue.setdefault(shard.run_id, []).append((shard.shard, shard.attempts))
        record_event(
            None,
            "calc.shard.requeue",
            ("calc_runs", shard.run_id),
            after={"shard": shard.shard, "attempt": shard.attempts},
        )
    db.session.flush()
    fan_ins = db.session.scalars(
        select(CalcRun.id).where(
            CalcRun.status == "running", CalcRun.shards_done >= CalcRun.shards_total
        )
    ).all()
    return Sweep({k: v for k, v in requeue.items() if k not in failed}, list(fan_ins), failed)
