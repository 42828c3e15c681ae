"""`portal deals expire`: run the deal expiry pass now (the worker runs it daily by itself)."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import with_appcontext

from workflows import enqueue
from workflows.deals.expiry import expire_deals

from ..extensions import db
from ..models import utcnow


@click.group("deals")
def deals():
    """Deal registrations."""


@deals.command("expire")
@click.option("--as-of", "as_of", help="Day to run for, YYYY-MM-DD (default: today, UTC).")
@with_appcontext
def expire(as_of):
    """Expire registrations past their protection date and send expiry reminders."""
    try:
        day = date.fromisoformat(as_of) if as_of else utcnow().date()
    except ValueError:
        raise click.BadParameter("use YYYY-MM-DD, e.g. 2026-09-30", param_hint="--as-of") from None
    outcome = expire_deals(day)
    db.session.commit()
    enqueue.pending_mail()
    click.echo(
        f"{day.isoformat()}: expired {len(outcome.expired)}, reminded {len(outcome.reminded)}, "
        f"released {outcome.released_won} claims of won deals"
    )
