"""The schema comes from the migrations: they must build exactly what the models declare."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from portal.extensions import db as _db

from .conftest import run_python


def test_the_migrations_build_exactly_the_models_schema(app):
    with _db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, _db.metadata) == []


def test_the_migration_commands_are_flask_migrates_own(app):
    """`portal db …` is Flask-Migrate's group, with its options, though Alembic is loaded
    only when one of its commands runs (tests/test_startup.py)."""
    heads = run_python(app, "-m", "portal.cli", "db", "--directory", "migrations", "heads")
    assert "(head)" in heads
    listed = app.test_cli_runner().invoke(args=["db", "--help"])
    assert listed.exit_code == 0 and "upgrade" in listed.output and "--x-arg" in listed.output
