"""What a process of the portal loads to start: a command, a worker or a web worker builds the
app without the libraries only some of its commands or pages use."""

from __future__ import annotations

import subprocess
import sys

from .conftest import worker_env

# Loaded by the commands or pages that use them: the migration commands (Alembic, through
# Flask-Migrate), the statements in PDF (ReportLab), the API's checks of what it is sent
# (jsonschema) and company sign-in (Authlib).
LOADED_WHEN_USED = ("alembic", "flask_migrate", "reportlab", "jsonschema", "authlib")


def test_building_the_app_leaves_out_what_only_some_commands_and_pages_use(app):
    script = (
        "import sys; from portal.cli import _make_app; _make_app();"
        f"print(*(name in sys.modules for name in {LOADED_WHEN_USED!r}))"
    )
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script],
        env=worker_env(app),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout.split() == ["False"] * len(LOADED_WHEN_USED)
