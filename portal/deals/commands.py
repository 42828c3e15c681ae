"""`portal deals expire`: run the deal expiry pass now (the worker runs it daily by itself)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from workflows import enqueue
from workflows.deals.expiry import expire_deals

from ..cli_support import as_of_option
from ..extensions import db


@click.group("deals")
def deals():
    """Deal registrations."""


@deals.command("expire")
@as_of_option("Day to run for, YYYY-MM-DD (default: today, UTC).")
@with_appcontext
def expire(as_of):
    """Expire registrations past their protection date and send expiry reminders."""
    outcome = expire_deals(as_of)
    db.session.commit()
    enqueue.pending_mail()
    click.echo(
        f"{as_of.isoformat()}: expired {len(outcome.expired)}, reminded {len(outcome.reminded)}, "
        f"released {outcome.released_won} claims of won deals"
    )
