"""`portal points balance|ledger|adjust|expire|post|level` and `portal redemptions
request|approve|reject`: the same services and permission checks as the pages."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from workflows.rewards import earnings, ledger, levels, points, redemptions

from ..actors import actor_for
from ..cli_support import POINTS, RECORD_ID, as_option, by_code, by_id, period_or_fail, refusals
from ..csv_export import csv_rows
from ..extensions import db
from ..models import Partner, Program, Redemption, RewardItem, utcnow
from ..security import Perm, ensure, is_visible

LEDGER_COLUMNS = ("date", "kind", "points", "expires_on", "reference")


def _partner(code: str, actor) -> Partner:
    """A partner the actor may see; others are reported exactly like unknown codes."""
    partner = db.session.scalar(select(Partner).where(Partner.code == code))
    if partner is None or not is_visible(partner, actor):
        raise click.ClickException(f"no partner with code {code}")
    return partner


def _redemption(redemption_id: int) -> Redemption:
    return by_id(Redemption, redemption_id, "redemption")


def _day(text: str | None) -> date:
    if text is None:
        return utcnow().date()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise click.ClickException(f"{text} is not a date: use YYYY-MM-DD") from None


@click.group("points")
def points_group():
    """Loyalty points ledger."""


@points_group.command("balance")
@click.argument("partner_code")
@click.option("--as-of", "as_of", help="Day to compute the balance for (YYYY-MM-DD).")
@as_option()
@with_appcontext
def balance_command(partner_code, as_of, email):
    """Available, held and expiring-within-90-days points."""
    with refusals():
        actor = actor_for(email)
        ensure(actor, Perm.VIEW_POINTS)
        partner = _partner(partner_code, actor)
        result = ledger.balance(partner.id, _day(as_of))
    click.echo(f"available={result.available}")
    click.echo(f"held={result.held}")
    click.echo(f"expiring_90_days={result.expiring}")


@points_group.command("ledger")
@click.argument("partner_code")
@click.option("--format", "fmt", type=click.Choice(["text", "csv"]), default="text")
@as_option()
@with_appcontext
def ledger_command(partner_code, fmt, email):
    """Every entry: date, kind, points, expires_on, reference."""
    with refusals():
        actor = actor_for(email)
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
@as_option()
@with_appcontext
def adjust_command(partner_code, amount, reason, email):
    """A discretionary entry; prints entry_id=<id>."""
    with refusals():
        actor = actor_for(email)
        entry = points.adjust(_partner(partner_code, actor), amount, actor=actor, reason=reason)
        db.session.commit()
    click.echo(f"entry_id={entry.id}")


@points_group.command("expire")
@click.option("--as-of", "as_of", help="Expire what was last usable before this day.")
@as_option()
@with_appcontext
def expire_command(as_of, email):
    """Post expiry entries (the scheduled job's code for a given day)."""
    with refusals():
        posted = points.expire_all(_day(as_of), actor=actor_for(email))
        db.session.commit()
    for entry in posted:
        click.echo(f"entry_id={entry.id}")
    click.echo(f"expired_entries={len(posted)}")


@points_group.command("post")
@click.argument("program_code")
@click.option("--period", required=True, help="2026-Q3, 2026-07, … (the sales to post).")
@as_option()
@with_appcontext
def post_command(program_code, period, email):
    """Post a loyalty program's earnings for a period (idempotent)."""
    parsed = period_or_fail(period)
    with refusals():
        program = by_code(Program, Program.code, program_code, "program")
        created = earnings.post_earnings(program, parsed, actor=actor_for(email))
        db.session.commit()
    click.echo(f"posted_entries={len(created)}")


@points_group.command("level")
@click.argument("program_code")
@click.argument("code")
@click.argument("name")
@click.argument("min_points", type=POINTS)
@as_option()
@with_appcontext
def level_command(program_code, code, name, min_points, email):
    """Create or change a status level of a loyalty program."""
    with refusals():
        program = by_code(Program, Program.code, program_code, "program")
        level = levels.set_level(program, code, name, min_points, actor=actor_for(email))
        db.session.commit()
    click.echo(f"level_id={level.id}")


@click.group("redemptions")
def redemptions_group():
    """Redemption requests."""


@redemptions_group.command("request")
@click.argument("partner_code")
@click.argument("item_code")
@click.option("--quantity", type=click.IntRange(1, 10_000), default=1, show_default=True)
@as_option()
@with_appcontext
def request_command(partner_code, item_code, quantity, email):
    """Hold the points for a catalog item; prints redemption_id=<id>."""
    with refusals():
        actor = actor_for(email)
        partner = _partner(partner_code, actor)
        item = by_code(RewardItem, RewardItem.code, item_code, "catalog item")
        redemption = redemptions.request_redemption(partner, item, actor=actor, quantity=quantity)
        db.session.commit()
    click.echo(f"redemption_id={redemption.id}")


@redemptions_group.command("approve")
@click.argument("redemption_id", type=RECORD_ID)
@as_option()
@with_appcontext
def approve_command(redemption_id, email):
    """Spend the held points."""
    with refusals():
        actor = actor_for(email)
        redemption = redemptions.approve_redemption(_redemption(redemption_id), actor=actor)
        db.session.commit()
    click.echo(f"redemption_id={redemption.id} status={redemption.status}")


@redemptions_group.command("reject")
@click.argument("redemption_id", type=RECORD_ID)
@click.option("--reason", required=True)
@as_option()
@with_appcontext
def reject_command(redemption_id, reason, email):
    """Release the held points."""
    with refusals():
        actor = actor_for(email)
        redemption = redemptions.reject_redemption(
            _redemption(redemption_id), actor=actor, reason=reason
        )
        db.session.commit()
    click.echo(f"redemption_id={redemption.id} status={redemption.status}")
