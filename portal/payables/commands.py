"""`portal payouts batch create|approve|export`: payout batches for scripted finance work, through
the same workflow functions and permission checks as the batch pages (maker–checker included)."""

from __future__ import annotations

from pathlib import Path

import click

from workflows.payables import batches

from ..cli_support import RECORD_ID, acting, by_code, by_id, period_or_fail
from ..csv_export import csv_rows
from ..extensions import db
from ..models import PayoutBatch, Program


@click.group("batch")
def batch_group():
    """Payout batches: build, approve (someone else), export the payment file."""


@batch_group.command("create")
@click.option("--period", required=True, help="Lines of the program periods within this one.")
@click.option("--program", "code", help="Only this program's lines.")
@acting(required=True)
def create_command(period, code, actor):
    """Build a draft batch from payable lines of closed periods; prints batch_id=<id>."""
    program = by_code(Program, Program.code, code, "program") if code else None
    batch = batches.build_batch(actor=actor, period=period_or_fail(period), program=program)
    db.session.commit()
    click.echo(f"batch_id={batch.id} lines={batch.line_count}")


@batch_group.command("approve")
@click.argument("batch_id", type=RECORD_ID)
@acting(required=True)
def approve_command(batch_id, actor):
    """Approve a draft batch (not by the user who built it)."""
    batch = batches.approve_batch(by_id(PayoutBatch, batch_id, "payout batch"), actor=actor)
    db.session.commit()
    click.echo(f"batch_id={batch.id} status={batch.status}")


@batch_group.command("export")
@click.argument("batch_id", type=RECORD_ID)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write the payment file here instead of printing it.",
)
@acting(required=True)
def export_command(batch_id, output, actor):
    """The payment file (CSV) of an approved batch; the first export marks it exported."""
    rows = batches.export_batch(by_id(PayoutBatch, batch_id, "payout batch"), actor=actor)
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
