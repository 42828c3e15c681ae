"""The `portal` console script: a Flask CLI group bound to the app factory."""

from __future__ import annotations

import click
from flask.cli import FlaskGroup

from . import create_app


def _make_app():
    return create_app()


@click.group(cls=FlaskGroup, create_app=_make_app, add_version_option=False)
def cli():
    """Channel partner portal."""


def register_commands(app) -> None:
    from .admin.commands import users
    from .audit.commands import audit
    from .calc.commands import calc, payouts
    from .calc.contest_commands import contests
    from .deals.commands import deals
    from .demo.commands import demo
    from .imports.commands import import_command
    from .launcher import up, worker
    from .mdf.commands import mdf
    from .partners.commands import partners
    from .payables.commands import batch_group
    from .programs.commands import programs
    from .rewards.commands import points_group, redemptions_group
    from .webhooks.commands import webhooks

    payouts.add_command(batch_group)
    for command in (users, audit, import_command, up, worker, demo, programs, calc, payouts):
        app.cli.add_command(command)
    app.cli.add_command(deals)
    app.cli.add_command(points_group)
    app.cli.add_command(redemptions_group)
    app.cli.add_command(mdf)
    app.cli.add_command(partners)
    app.cli.add_command(contests)
    app.cli.add_command(webhooks)


if __name__ == "__main__":
    cli()
