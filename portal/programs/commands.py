"""`portal programs load FILE`: create or version a program from a YAML or JSON spec."""

from __future__ import annotations

from pathlib import Path

import click

from workflows.engine import SpecError

from ..cli_support import acting
from ..extensions import db
from ..security import Forbidden
from .services import save_program


@click.group()
def programs():
    """Programs as data."""


@programs.command("load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["yaml", "json"]), help="Default: by content.")
@acting()
def load(file: Path, fmt: str | None, actor):
    """Validate a program spec and store it; an unchanged spec adds no version."""
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise click.ClickException(f"{file} is not UTF-8 text") from None
    try:
        program, version, created = save_program(text, actor=actor, fmt=fmt)
    except SpecError as exc:
        db.session.rollback()
        for problem in exc.problems:
            click.echo(f"{problem.path or 'spec'}: {problem.render()}", err=True)
        raise click.ClickException(
            f"{file}: {len(exc.problems)} problem(s); nothing stored"
        ) from None
    except Forbidden:
        db.session.rollback()
        raise click.ClickException(f"{actor.email} may not manage programs") from None
    db.session.commit()
    if not created:
        click.echo("unchanged: the spec equals the current version", err=True)
    click.echo(f"program={program.code} version={version.version}")
