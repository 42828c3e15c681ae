"""`portal calc run|results|approve|close|reopen` and `portal payouts export`."""

from __future__ import annotations

import sys
import time

import click
from redis.exceptions import RedisError
from sqlalchemy import select

from portal.foundation.redis_conn import RedisNotConfigured
from workflows import enqueue
from workflows.calc import runs, settlement
from workflows.engine.numbers import currency_digits, plain_decimal
from workflows.rewards import contest_awards

from ..cli_support import RECORD_ID, acting, by_code, by_id, period_or_fail
from ..csv_export import csv_rows
from ..extensions import db
from ..models import CalcRun, Program


def _program(code: str) -> Program:
    return by_code(Program, Program.code, code, "program")


def _run(run_id: int) -> CalcRun:
    return by_id(CalcRun, run_id, "calculation run")


@click.group("calc")
def calc():
    """Calculation runs."""


@calc.command("run")
@click.argument("code")
@click.option("--period", help="2026-Q3, 2026-07, 2026 or 2026-07-01..2026-09-30.")
@click.option("--settlement", is_flag=True, help="A settlement run (the period must have ended).")
@click.option("--wait", is_flag=True, help="Block until the run ends; exit 1 if it failed.")
@click.option("--shards", type=click.IntRange(1, 64), help="Shard jobs (default: by size).")
@click.option(
    "--timeout", type=click.IntRange(1), default=3600, show_default=True, help="Seconds to --wait."
)
@acting()
def run_command(code, period, settlement, wait, shards, timeout, actor):
    """Start a run of a program's current version; prints run_id=<id>."""
    kind = "settlement" if settlement else "accrual"
    run = runs.start_run(
        _program(code), period_or_fail(period), kind=kind, actor=actor, shards=shards
    )
    db.session.commit()
    click.echo(f"run_id={run.id}")
    sys.stdout.flush()
    try:
        enqueue.calc_run(run.id, run.shards_total)
    except (RedisError, RedisNotConfigured) as exc:
        # The run row is the status of record: a worker's sweeper queues its shards again once
        # Redis is back, so --wait keeps following the row rather than giving up.
        unqueued = f"run {run.id} is recorded but could not be queued ({exc}); "
        if not wait:
            raise click.ClickException(
                unqueued + "the sweeper queues it again once Redis is reachable"
            ) from None
        click.echo(
            unqueued + "waiting for a worker's sweeper to queue it again once Redis is "
            f"reachable (up to {timeout} s)",
            err=True,
        )
    if wait:
        _wait_for(run.id, timeout)


WAIT_REPORT_EVERY = 30  # seconds between "still waiting" lines


def _wait_for(run_id: int, timeout: int) -> None:
    """Follow the run row until it is done (exit 0) or failed (exit 1), at most `timeout` s."""
    started = time.monotonic()
    deadline = started + timeout
    next_report = started + WAIT_REPORT_EVERY
    while True:
        row = db.session.execute(
            select(
                CalcRun.status,
                CalcRun.error,
                CalcRun.payee_count,
                CalcRun.total_amount,
                CalcRun.currency,
                CalcRun.unusable_count,
            ).where(CalcRun.id == run_id)
        ).one()
        db.session.rollback()  # a fresh snapshot on every poll
        if row.status == "done":
            click.echo(
                f"status=done payees={row.payee_count} "
                f"total={plain_decimal(row.total_amount, currency_digits(row.currency))} "
                f"currency={row.currency} unusable_lines={row.unusable_count}"
            )
            return
        if row.status == "failed":
            raise click.ClickException(f"run {run_id} failed: {row.error}")
        now = time.monotonic()
        if now > deadline:
            raise click.ClickException(f"run {run_id} still {row.status} after {timeout} s")
        if now >= next_report:
            click.echo(f"run {run_id} is {row.status} after {now - started:.0f} s", err=True)
            next_report += WAIT_REPORT_EVERY
        time.sleep(0.2)


@calc.command("results")
@click.argument("run_id", type=RECORD_ID)
@click.option("--format", "fmt", type=click.Choice(["csv"]), default="csv", show_default=True)
@acting()
def results(run_id, fmt, actor):
    """Print a run's payee lines as CSV (as --as, only the payees that user may see)."""
    run = _run(run_id)
    if run.status != "done":
        raise click.ClickException(f"run {run_id} is {run.status}, not done")
    rows = settlement.result_rows(run, actor)
    db.session.commit()
    for chunk in csv_rows(settlement.RESULT_COLUMNS, rows):
        click.echo(chunk, nl=False)


@calc.command("approve")
@click.argument("run_id", type=RECORD_ID)
@acting(required=True)
def approve(run_id, actor):
    """Approve a settlement run (as --as, not who started it): write its payout lines (settled
    − already paid); for a co-op program, post its earned rows to the MDF fund (settled −
    already earned)."""
    run = _run(run_id)
    lines = settlement.approve_run(run, actor=actor)
    db.session.commit()
    enqueue.pending_mail()  # a contest's winners
    written = "earned_rows" if run.program.kind == "coop" else "payout_lines"
    entries, points = contest_awards.posted_by(run_id)
    posted = f" points_entries={entries} points={points}" if entries else ""
    click.echo(f"approved run_id={run_id} {written}={len(lines)}{posted}")


def _period_command(name: str, change, past: str, doc: str) -> None:
    """`portal calc close|reopen CODE --period P`: one period-state change, audited."""

    @calc.command(name, help=doc)
    @click.argument("code")
    @click.option("--period", required=True)
    @acting()
    def command(code, period, actor):
        closure = change(_program(code), period_or_fail(period), actor=actor)
        db.session.commit()
        click.echo(f"{past} program={code} period={closure.period_label}")


_period_command(
    "close",
    settlement.close_period,
    "closed",
    "Close a program's period: runs and approvals are refused until it is reopened.",
)
_period_command("reopen", settlement.reopen_period, "reopened", "Reopen a closed period (audited).")


@click.group("payouts")
def payouts():
    """Payout lines and payout batches."""


@payouts.command("export")
@click.option("--period", required=True, help="Lines of the program periods within this one.")
@click.option("--program", "code", help="Only this program.")
@click.option("--format", "fmt", type=click.Choice(["csv"]), default="csv", show_default=True)
@acting()
def export(period, code, fmt, actor):
    """Print payout lines as CSV (spreadsheet formulas neutralised)."""
    program = _program(code) if code else None
    rows = settlement.payout_rows(period_or_fail(period), actor, program)
    db.session.commit()
    for chunk in csv_rows(settlement.PAYOUT_COLUMNS, rows):
        click.echo(chunk, nl=False)
