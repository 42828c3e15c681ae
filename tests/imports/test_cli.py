"""`portal import KIND FILE [--dry-run]`: summary, errors per row, exit codes, no tracebacks."""

import subprocess
import sys

import click
import pytest
from sqlalchemy import select

from portal.models import ImportBatch, Territory
from workflows.imports.cli import run_cli_import

from ..conftest import run_python, worker_env
from .helpers import HEADERS, csv_bytes

TREE = HEADERS["territories"]


@pytest.fixture
def cli(app, db):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=["import", *map(str, args)])


@pytest.fixture
def write(tmp_path):
    def to_file(*lines: str, name: str = "territories.csv", raw: bytes | None = None):
        path = tmp_path / name
        path.write_bytes(raw if raw is not None else csv_bytes(*lines))
        return path

    return to_file


def test_import_commits_and_prints_a_summary(cli, write, db, rows_of):
    result = cli("territories", write(TREE, "WORLD,World,", "EMEA,EMEA,WORLD"))
    assert result.exit_code == 0, result.output
    assert "territories: 2 rows — 2 new, 0 updated, 0 unchanged." in result.output
    assert rows_of(Territory) == 2
    batch = db.session.scalars(select(ImportBatch)).one()
    assert (batch.filename, batch.status, batch.inserted) == ("territories.csv", "done", 2)


def test_dry_run_changes_nothing(cli, write, rows_of):
    result = cli("territories", write(TREE, "WORLD,World,"), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Dry run, nothing changed: territories: 1 row — 1 new" in result.output
    assert rows_of(Territory) == 0
    assert rows_of(ImportBatch) == 0


def test_bad_rows_are_listed_and_the_exit_code_is_non_zero(cli, write, rows_of):
    result = cli("territories", write(TREE, "WORLD,World,", "EMEA,,NOWHERE"))
    assert result.exit_code == 1
    assert "row 3, column name: A value is required." in result.output
    assert (
        "row 3, column parent_code: No row of this file and no existing record has the code "
        "NOWHERE." in result.output
    )
    assert "Error: Nothing was imported" in result.output
    assert "Traceback" not in result.output
    assert rows_of(Territory) == 0 and rows_of(ImportBatch) == 0


def test_file_that_is_not_utf8(cli, write):
    result = cli("territories", write(raw="code,name,parent_code\nZ,Zürich,\n".encode("latin-1")))
    assert result.exit_code == 1
    assert "The file is not UTF-8 text (line 2 cannot be decoded)" in result.output


def test_missing_file(cli, tmp_path, db):
    result = cli("territories", tmp_path / "missing.csv")
    assert result.exit_code == 2 and "does not exist" in result.output
    with pytest.raises(click.ClickException, match="does not exist"):
        run_cli_import("territories", tmp_path / "missing.csv")


def test_real_console_script_fails_readably(app, write):
    env = worker_env(app)
    path = write(raw=b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00")
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "portal.cli", "import", "sales", str(path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "Error: Nothing was imported" in done.stderr


def test_names_with_direction_overrides_are_refused_by_the_command_too(cli, write, rows_of):
    result = cli("territories", write(TREE, "WORLD,World\u202edlroW,"))
    assert result.exit_code == 1
    assert "row 2, column name: Remove the control character U+202E at position 6." in result.output
    assert rows_of(Territory) == 0


def test_user_names_are_checked_on_the_command_line(app, db):
    runner = app.test_cli_runner()
    args = ["users", "create", "--email", "eve@example.com", "--password", "long enough 123"]
    result = runner.invoke(args=[*args, "--role", "finance", "--name", "Eve\u202eevE"])
    assert result.exit_code == 1
    assert "Remove the control character U+202E at position 4." in result.output
    assert "Traceback" not in result.output


def test_a_command_process_builds_its_app_with_the_collector_back_on(app):
    """The app is built with the collector off and then frozen (start-up and exit are faster);
    what the command does afterwards is collected as usual."""
    script = (
        "import gc; from portal.cli import _make_app; _make_app();"
        "print(gc.isenabled(), gc.get_freeze_count() > 100_000)"
    )
    printed = run_python(app, "-c", script)
    assert printed.split() == ["True", "True"]
