"""`portal payouts batch create|approve|export`: payout batches for scripted finance work, through
the same workflow functions and permission checks as the batch pages (maker–checker included)."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from workflows.calc.errors import CalcError
from workflows.engine import PeriodError, parse_period
from workflows.payables import batches

from ..actors import actor_for
from ..csv_export import csv_rows
from ..extensions import db
from ..models import PayoutBatch, Program
from ..security import Forbidden

as_option = click.option(
    "--as", "email", required=True, help="The finance user acting (permission checks and audit)."
)


@contextmanager
def refusals():
    """Refusals become a readable message and exit code 1, with nothing changed."""
    try:
        yield
    except CalcError as exc:
        db.session.rollback()
        raise click.ClickException(exc.render()) from None
    except Forbidden as exc:
        db.session.rollback()
        if exc.args and exc.args[0] == "maker_checker":
            raise click.ClickException(
                "not allowed: this user built the batch; another finance user must approve it"
            ) from None
        raise click.ClickException("not allowed for this user (see --as)") from None


def _batch(batch_id: int) -> PayoutBatch:
    found = db.session.get(PayoutBatch, batch_id)
    if found is None:
        raise click.ClickException(f"no payout batch {batch_id}")
    return found


@click.group("batch")
def batch_group():
    """Payout batches: build, approve (someone else), export the payment file."""


@batch_group.command("create")
@click.option("--period", required=True, help="Lines of the program periods within this one.")
@click.option("--program", "code", help="Only this program's lines.")
@as_option
@with_appcontext
def create_command(period, code, email):
    """Build a draft batch from payable lines of closed periods; prints batch_id=<id>."""
    try:
        parsed = parse_period(period)
    except PeriodError as exc:
        raise click.ClickException(exc.render()) from None
    with refusals():
        actor = actor_for(email)
        program = None
        if code:
            program = db.session.scalar(select(Program).where(Program.code == code))
            if program is None:
                raise click.ClickException(f"no program with code {code}")
        batch = batches.build_batch(actor=actor, period=parsed, program=program)
        db.session.commit()
    click.echo(f"batch_id={batch.id} lines={batch.line_count}")


@batch_group.command("approve")
@click.argument("batch_id", type=int)
@as_option
@with_appcontext
def approve_command(batch_id, email):
    """Approve a draft batch (not by the user who built it)."""
    with refusals():
        batch = batches.approve_batch(_batch(batch_id), actor=actor_for(email))
        db.session.commit()
    click.echo(f"batch_id={batch.id} status={batch.status}")


@batch_group.command("export")
@click.argument("batch_id", type=int)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write the payment file here instead of printing it.",
)
@as_option
@with_appcontext
def export_command(batch_id, output, email):
    """The payment file (CSV) of an approved batch; the first export marks it exported."""
    with refusals():
        rows = batches.export_batch(_batch(batch_id), actor=actor_for(email))
        db.session.commit()
    text = "".join(csv_rows(batches.BATCH_COLUMNS, rows))
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8", newline="")
    except OSError as exc:
        raise click.ClickException(
            f"batch {batch_id} is exported but {output} could not be written ({exc.strerror}); "
            "export it again to write the file"
        ) from None
    click.echo(f"batch_id={batch_id} rows={len(rows)} file={output}")
