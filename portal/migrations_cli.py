"""`portal db …`: Flask-Migrate's commands, with Alembic loaded only when one of them runs.

Importing Flask-Migrate imports Alembic, about a fifth of the start-up of every other command
(an import, a worker) and of every web worker, none of which need it. The app registers this
group under `db`; listing or running its commands binds Flask-Migrate to the app first.
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import ScriptInfo

from .config import PROJECT_ROOT
from .extensions import db

MIGRATIONS = PROJECT_ROOT / "migrations"


def bind_migrations(app: Flask) -> None:
    """Flask-Migrate bound to `app`, as its functions (`flask_migrate.upgrade`, …) expect."""
    if "migrate" not in app.extensions:
        from flask_migrate import Migrate

        Migrate(app, db, directory=str(MIGRATIONS), render_as_batch=True)


class MigrationCommands(click.Group):
    """Stands for Flask-Migrate's `db` group: asked for, it hands over to the real one (its
    options, its callback and its commands)."""

    def _group(self, ctx: click.Context | None) -> click.Group:
        info = ctx.ensure_object(ScriptInfo) if ctx is not None else ScriptInfo()
        bind_migrations(info.load_app())
        from flask_migrate.cli import db as commands

        return commands

    def make_context(self, info_name, args, parent=None, **extra) -> click.Context:
        return self._group(parent).make_context(info_name, args, parent=parent, **extra)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return self._group(ctx).list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return self._group(ctx).get_command(ctx, cmd_name)


def register(app: Flask) -> None:
    app.cli.add_command(MigrationCommands("db", help="Perform database migrations."))
