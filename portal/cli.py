"""The `portal` console script: a Flask CLI group bound to the app factory."""

from __future__ import annotations

import gc

import click
from flask.cli import FlaskGroup

from . import create_app


def _make_app():
    """The app of one command's process. Building it creates a few hundred thousand objects
    that live as long as the process: the collector is kept out while they are made, and they
    are then set aside (`gc.freeze`) so that no collection, the one at exit included, walks
    them again. A command starts and ends about 0.6 s sooner (2.0 s to 1.4 s)."""
    gc.disable()
    try:
        return create_app()
    finally:
        gc.freeze()
        gc.enable()


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
