"""`portal points balance|ledger|adjust|expire|post|level` and `portal redemptions
request|approve|reject`: the same services and permission checks as the pages."""

from __future__ import annotations

import click

from workflows.rewards import earnings, ledger, levels, points, redemptions

from ..cli_support import POINTS, RECORD_ID, acting, as_of_option, by_code, by_id, period_or_fail
from ..csv_export import csv_rows
from ..extensions import db
from ..models import Partner, Program, Redemption, RewardItem
from ..security import Perm, ensure

LEDGER_COLUMNS = ("date", "kind", "points", "expires_on", "reference")


def _partner(code: str, actor) -> Partner:
    return by_code(Partner, Partner.code, code, "partner", visible_to=actor)


@click.group("points")
def points_group():
    """Loyalty points ledger."""


@points_group.command("balance")
@click.argument("partner_code")
@as_of_option("Day to compute the balance for (YYYY-MM-DD).")
@acting()
def balance_command(partner_code, as_of, actor):
    """Available, held and expiring-within-90-days points."""
    ensure(actor, Perm.VIEW_POINTS)
    partner = _partner(partner_code, actor)
    result = ledger.balance(partner.id, as_of)
    click.echo(f"available={result.available}")
    click.echo(f"held={result.held}")
    click.echo(f"expiring_90_days={result.expiring}")


@points_group.command("ledger")
@click.argument("partner_code")
@click.option("--format", "fmt", type=click.Choice(["text", "csv"]), default="text")
@acting()
def ledger_command(partner_code, fmt, actor):
    """Every entry: date, kind, points, expires_on, reference."""
    ensure(actor, Perm.VIEW_POINTS)
    partner = _partner(partner_code, actor)
    rows = [
        (
            e.occurred_on.isoformat(),
            e.kind,
            str(e.points),
            e.expires_on.isoformat() if e.expires_on else "",
            e.source,
        )
        for e in db.session.scalars(ledger.entries(partner.id))
    ]
    if fmt == "csv":
        click.echo("".join(csv_rows(LEDGER_COLUMNS, rows)), nl=False)
    else:
        for row in rows:
            click.echo("  ".join(row))


@points_group.command("adjust")
@click.argument("partner_code")
@click.argument("amount", type=POINTS)
@click.option("--reason", required=True, help="Why (kept in the ledger and the audit trail).")
@acting()
def adjust_command(partner_code, amount, reason, actor):
    """A discretionary entry; prints entry_id=<id>."""
    entry = points.adjust(_partner(partner_code, actor), amount, actor=actor, reason=reason)
    db.session.commit()
    click.echo(f"entry_id={entry.id}")


@points_group.command("expire")
@as_of_option("Expire what was last usable before this day.")
@acting()
def expire_command(as_of, actor):
    """Post expiry entries (the scheduled job's code for a given day)."""
    posted = points.expire_all(as_of, actor=actor)
    db.session.commit()
    for entry in posted:
        click.echo(f"entry_id={entry.id}")
    click.echo(f"expired_entries={len(posted)}")


@points_group.command("post")
@click.argument("program_code")
@click.option("--period", required=True, help="2026-Q3, 2026-07, … (the sales to post).")
@acting()
def post_command(program_code, period, actor):
    """Post a loyalty program's earnings for a period (idempotent)."""
    program = by_code(Program, Program.code, program_code, "program")
    created = earnings.post_earnings(program, period_or_fail(period), actor=actor)
    db.session.commit()
    click.echo(f"posted_entries={len(created)}")


@points_group.command("level")
@click.argument("program_code")
@click.argument("code")
@click.argument("name")
@click.argument("min_points", type=POINTS)
@acting()
def level_command(program_code, code, name, min_points, actor):
    """Create or change a status level of a loyalty program."""
    program = by_code(Program, Program.code, program_code, "program")
    level = levels.set_level(program, code, name, min_points, actor=actor)
    db.session.commit()
    click.echo(f"level_id={level.id}")


@click.group("redemptions")
def redemptions_group():
    """Redemption requests."""


@redemptions_group.command("request")
@click.argument("partner_code")
@click.argument("item_code")
@click.option("--quantity", type=click.IntRange(1, 10_000), default=1, show_default=True)
@acting()
def request_command(partner_code, item_code, quantity, actor):
    """Hold the points for a catalog item; prints redemption_id=<id>."""
    partner = _partner(partner_code, actor)
    item = by_code(RewardItem, RewardItem.code, item_code, "catalog item")
    redemption = redemptions.request_redemption(partner, item, actor=actor, quantity=quantity)
    db.session.commit()
    click.echo(f"redemption_id={redemption.id}")


@redemptions_group.command("approve")
@click.argument("redemption_id", type=RECORD_ID)
@acting()
def approve_command(redemption_id, actor):
    """Spend the held points."""
    redemption = redemptions.approve_redemption(
        by_id(Redemption, redemption_id, "redemption"), actor=actor
    )
    db.session.commit()
    click.echo(f"redemption_id={redemption.id} status={redemption.status}")


@redemptions_group.command("reject")
@click.argument("redemption_id", type=RECORD_ID)
@click.option("--reason", required=True)
@acting()
def reject_command(redemption_id, reason, actor):
    """Release the held points."""
    redemption = redemptions.reject_redemption(
        by_id(Redemption, redemption_id, "redemption"), actor=actor, reason=reason
    )
    db.session.commit()
    click.echo(f"redemption_id={redemption.id} status={redemption.status}")
