"""`portal contests standings CODE [--as-of DATE] --format csv`."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from workflows.calc import contests as contest_runs

from ..actors import actor_for
from ..cli_support import DAY, as_option, by_code, refusals
from ..csv_export import csv_rows
from ..extensions import db
from ..foundation.audit import record_event
from ..models import Program


@click.group("contests")
def contests():
    """Sales contests."""


@contests.command("standings")
@click.argument("code")
@click.option("--as-of", "as_of", type=DAY, help="The standings of the run through this day.")
@click.option("--format", "fmt", type=click.Choice(["csv"]), default="csv", show_default=True)
@as_option()
@with_appcontext
def standings(code, as_of, fmt, email):
    """Print a contest's standings (the latest run, or the run through --as-of) as CSV:
    rank 1 is the best; gap is what a payee still needs to qualify (0 when qualified)."""
    program = by_code(Program, Program.code, code, "program")
    actor = actor_for(email)
    with refusals():
        rows = contest_runs.standing_rows(program, actor, as_of)
    # Exports are audited, like the results CSV.
    record_event(actor, "contest.standings.export", program, after={"rows": len(rows)})
    db.session.commit()
    shown = [
        (code_, rank, measure, "true" if qualified else "false", gap)
        for code_, rank, measure, qualified, gap in rows
    ]
    for chunk in csv_rows(contest_runs.STANDING_COLUMNS, shown):
        click.echo(chunk, nl=False)
