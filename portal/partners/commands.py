"""`portal partners …`: partner organisations at the command line."""

from __future__ import annotations

import click

from workflows.banking import accounts, vault

from ..cli_support import acting, by_code
from ..csv_export import csv_rows
from ..models import Partner


@click.group("partners")
def partners():
    """Partner organisations."""


@partners.command("bank-account")
@click.argument("partner_code")
@acting()
def bank_account(partner_code, actor):
    """The partner's payout accounts, masked, with their state (newest first per currency)."""
    partner = by_code(Partner, Partner.code, partner_code, "partner", visible_to=actor)
    rows = accounts.visible_accounts(actor, partner=partner)
    if not rows:
        click.echo(f"{partner.code} has no payout account.")
        return
    header = ("id", "currency", "state", "scheme", "country", "holder", "account", "bic")
    rows = (
        (
            row.id,
            row.currency,
            row.state,
            row.scheme,
            row.country,
            row.holder_name,
            vault.mask(row.last4),
            row.bic,
            row.entered_at.isoformat(timespec="seconds"),
            row.reason,
        )
        for row in rows
    )
    for line in csv_rows((*header, "entered_at", "reason"), rows):
        click.echo(line, nl=False)
