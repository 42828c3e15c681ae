"""What a process of the portal loads to start: a command, a worker or a web worker builds the
app without the libraries only some of its commands or pages use."""

from __future__ import annotations

from .conftest import run_python

# Loaded by the commands or pages that use them: the migration commands (Alembic, through
# Flask-Migrate), the statements in PDF (ReportLab), the API's checks of what it is sent
# (jsonschema) and company sign-in (Authlib).
LOADED_WHEN_USED = ("alembic", "flask_migrate", "reportlab", "jsonschema", "authlib")


def test_building_the_app_leaves_out_what_only_some_commands_and_pages_use(app):
    script = (
        "import sys; from portal.cli import _make_app; _make_app();"
        f"print(*(name in sys.modules for name in {LOADED_WHEN_USED!r}))"
    )
    printed = run_python(app, "-c", script)
    assert printed.split() == ["False"] * len(LOADED_WHEN_USED)
