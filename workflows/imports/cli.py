"""`portal import KIND FILE [--dry-run]`: print a summary and every error; commit on success."""

from __future__ import annotations

from pathlib import Path

import click

from portal.extensions import db
from portal.models import ImportBatch
from workflows.rollups import (
    RANKING_KINDS,
    ROLLUP_KINDS,
    refresh_quarter_leaders,
    refresh_sales_monthly,
)

from .base import ImportResult
from .service import import_csv


def counted(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def summary_line(result: ImportResult) -> str:
    prefix = "Dry run, nothing changed: " if result.dry_run else ""
    return (
        f"{prefix}{result.kind}: {counted(result.rows_total, 'row')} — {result.inserted} new, "
        f"{result.updated} updated, {result.unchanged} unchanged."
    )


def run_cli_import(kind: str, path: str | Path, dry_run: bool = False) -> ImportResult:
    """Import `path`; exit non-zero with a readable message when the file is missing or bad."""
    file = Path(path)
    if not file.is_file():
        raise click.ClickException(f"{file} does not exist or is not a file.")
    batch = ImportBatch(kind=kind, filename=file.name[:255], dry_run=dry_run, status="running")
    db.session.add(batch)
    db.session.flush()
    try:
        result = import_csv(kind, file, dry_run=dry_run, batch=batch)
    except BaseException:
        db.session.rollback()
        raise
    if not result.ok:
        db.session.rollback()
        click.echo(f"{file.name}: {counted(result.error_count, 'problem')} found.", err=True)
        for error in result.errors:
            click.echo(str(error), err=True)
        raise click.ClickException(
            f"Nothing was imported: fix the rows listed above and import {file.name} again."
        )
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
        if kind in ROLLUP_KINDS and result.stale_months != frozenset():
            refresh_sales_monthly(months=result.stale_months)
            db.session.commit()
        if kind in RANKING_KINDS:
            refresh_quarter_leaders()
            db.session.commit()
    click.echo(summary_line(result))
    return result
