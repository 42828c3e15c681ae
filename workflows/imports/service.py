"""`import_csv`: one all-or-nothing import inside the caller's transaction."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app

from portal.extensions import db
from portal.foundation import planner_stats
from portal.foundation.audit import record_event
from portal.models import ImportBatch, utcnow
from workflows.validators import sale_date_window

from . import catalog, fx, partners, products, sales, trees  # noqa: F401 - register importers
from .base import IMPORTERS, Context, Counts, ImportResult
from .errors import ErrorList
from .reading import CsvFile, ProgressCallback, Source, count_data_lines, source_name

KINDS = ("territories", "partners", "categories", "products", "fx", "sales", "catalog")
log = logging.getLogger(__name__)


def import_csv(
    kind: str,
    stream_or_path: Source,
    *,
    dry_run: bool = False,
    actor=None,
    batch: ImportBatch | None = None,
    progress: ProgressCallback | None = None,
) -> ImportResult:
    """Validate the whole file, then write it; one bad row means nothing is written.

    Runs in the caller's transaction and never commits: the rows are written inside a
    SAVEPOINT that is rolled back when any row is rejected or on a dry run. The audit event
    and the batch's status, counts and errors are written either way.
    """
    importer_class = IMPORTERS.get(kind)
    if importer_class is None:
        raise ValueError(f"unknown import kind {kind!r}; expected one of {', '.join(KINDS)}")
    session = db.session
    errors = ErrorList(current_app.config["IMPORT_MAX_ERRORS"])
    total = count_data_lines(stream_or_path) if progress is not None else None
    csv_file = CsvFile(stream_or_path, importer_class.layout, errors, progress, total)
    today = utcnow().date()
    context = Context(
        session=session,
        errors=errors,
        batch_id=batch.id if batch is not None else None,
        dry_run=dry_run,
        today=today,
        base_currency=current_app.config["BASE_CURRENCY"],
        sale_dates=sale_date_window(current_app.config, today),
        work_mem=current_app.config["IMPORT_WORK_MEM"],
    )
    session.flush()
    savepoint = session.begin_nested()
    timings: dict[str, float] = {}
    counts = None
    try:
        importer = importer_class(context)
        with _timed(timings, "read"):
            importer.read_file(csv_file)
        if csv_file.columns:  # the header was right, so rows were read
            with _timed(timings, "check"):
                importer.check()
            if not errors:
                with _timed(timings, "apply"):
                    counts = importer.apply()
    except BaseException:
        savepoint.rollback()
        raise
    if counts is None or dry_run:
        savepoint.rollback()
    else:
        savepoint.commit()
        for table in importer_class.tables:  # ANALYZEd at commit when the import was large
            planner_stats.wrote(session, table, counts.inserted + counts.updated)
    session.expire_all()
    phases = ", ".join(f"{phase} {seconds:.2f}s" for phase, seconds in timings.items())
    log.info("import %s of %s rows: %s", kind, csv_file.rows_read, phases)
    counts = counts or Counts()
    result = ImportResult(
        kind=kind,
        rows_total=csv_file.rows_read,
        inserted=counts.inserted,
        updated=counts.updated,
        unchanged=counts.unchanged,
        dry_run=dry_run,
        filename=batch.filename if batch is not None else source_name(stream_or_path),
        errors=errors.listed(importer_class.layout.columns),
        error_count=errors.total,
        stale_months=importer.stale_months if counts is not None and not dry_run else None,
    )
    record_event(actor, f"import.{kind}", batch or ("import", None), after=result.summary())
    if batch is not None:
        _finish_batch(batch, result)
    return result


@contextmanager
def _timed(timings: dict[str, float], phase: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    timings[phase] = time.perf_counter() - started


def _finish_batch(batch: ImportBatch, result: ImportResult) -> None:
    batch.status = "done" if result.ok else "failed"
    batch.rows_total = result.rows_total
    batch.inserted, batch.updated, batch.unchanged = (
        result.inserted,
        result.updated,
        result.unchanged,
    )
    batch.errors = [error.as_dict() for error in result.errors] or None
    batch.finished_at = utcnow()
    db.session.flush()
