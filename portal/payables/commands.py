"""`portal payouts batch create|approve|export|paid|returned`: payout batches for scripted finance
work, through the same workflow functions and permission checks as the batch pages (maker–checker
included)."""

from __future__ import annotations

from pathlib import Path

import click

from workflows.payables import batches

from ..cli_support import DAY, RECORD_ID, acting, by_code, by_id, period_or_fail
from ..extensions import db
from ..models import Partner, PayoutBatch, Program
from ..models.payables import FILE_FORMATS


@click.group("batch")
def batch_group():
    """Payout batches: build, approve (someone else), export the payment file."""


@batch_group.command("create")
@click.option("--period", required=True, help="Lines of the program periods within this one.")
@click.option("--program", "code", help="Only this program's lines.")
@click.option("--currency", help="Only this currency's batch (default: one batch per currency).")
@acting(required=True)
def create_command(period, code, currency, actor):
    """Build a draft batch per currency from payable lines of closed periods; prints
    batch_id=<id> lines=<n> currency=<code> per batch, then a `held` line per partner held."""
    program = by_code(Program, Program.code, code, "program") if code else None
    built = batches.build_batches(
        actor=actor, period=period_or_fail(period), program=program, currency=currency
    )
    db.session.commit()
    for batch in built.batches:
        click.echo(f"batch_id={batch.id} lines={batch.line_count} currency={batch.currency}")
    for held in built.held:
        click.echo(
            f"held partner={held.partner.code} currency={held.currency} lines={held.lines} "
            f"amount={held.amount} reason={held.reason}"
        )


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
    "--format",
    "file_format",
    type=click.Choice(FILE_FORMATS),
    help="pain001 (EUR batches, the default for them) or csv (the bank's mapped CSV).",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write the payment file here instead of printing it.",
)
@acting(required=True)
def export_command(batch_id, file_format, output, actor):
    """The payment file of an approved batch; the first export keeps it and marks the batch
    exported, later ones give the same file again."""
    batch = by_id(PayoutBatch, batch_id, "payout batch")
    paid = batches.export_batch(batch, actor=actor, file_format=file_format)
    db.session.commit()
    if output is None:
        click.echo(paid.content, nl=False)
        return
    try:
        output.write_text(paid.content, encoding="utf-8", newline="")
    except OSError as exc:
        raise click.ClickException(
            f"batch {batch_id} is exported but {output} could not be written ({exc.strerror}); "
            "export it again to write the file"
        ) from None
    click.echo(f"batch_id={batch_id} format={paid.file_format} file={output}")


@batch_group.command("paid")
@click.argument("batch_id", type=RECORD_ID)
@click.option("--executed-on", type=DAY, required=True, help="The bank's execution date.")
@acting(required=True)
def paid_command(batch_id, executed_on, actor):
    """Mark an exported batch paid on the bank's execution date (shown on statements)."""
    batch = batches.mark_paid(
        by_id(PayoutBatch, batch_id, "payout batch"), actor=actor, executed_on=executed_on
    )
    db.session.commit()
    click.echo(f"batch_id={batch.id} executed_on={batch.executed_on.isoformat()}")


@batch_group.command("returned")
@click.argument("batch_id", type=RECORD_ID)
@click.option(
    "--partner", "partner_code", required=True, help="The partner whose transfer came back."
)
@click.option(
    "--reason", required=True, help="Why the bank returned it (e.g. AC04 account closed)."
)
@acting(required=True)
def returned_command(batch_id, partner_code, reason, actor):
    """Record that the bank returned a partner's transfer: its lines become payable again."""
    batch = by_id(PayoutBatch, batch_id, "payout batch")
    partner = by_code(Partner, Partner.code, partner_code, "partner")
    batches.return_payment(batch, partner, actor=actor, reason=reason)
    db.session.commit()
    click.echo(f"batch_id={batch.id} partner={partner.code} returned")
