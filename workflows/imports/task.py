"""The background task behind an uploaded file: run the import and record it on the batch."""

from __future__ import annotations

from portal.extensions import db
from portal.models import ImportBatch, Task, User
from workflows import enqueue
from workflows.rollups import RANKING_KINDS, ROLLUP_KINDS, refresh_quarter_leaders
from workflows.tasks import Progress, handler

from .service import import_csv


@handler("import")
def run_import(task: Task, progress: Progress) -> None:
    """Import the batch's file; the batch ends done or failed (with its row errors) either way."""
    batch = db.session.get(ImportBatch, task.params["batch_id"])
    if batch is None:
        raise LookupError(f"import batch {task.params['batch_id']} does not exist")
    if batch.status in ("done", "failed"):
        return  # a retried job whose import already finished
    actor = db.session.get(User, batch.created_by_id) if batch.created_by_id else None
    batch.status = "running"
    db.session.commit()
    # Progress is committed on another connection while the import reads. SQLite then refuses
    # the import's first write (its read snapshot is older than that commit), so there only the
    # final count is reported.
    reporter = None if db.engine.dialect.name == "sqlite" else progress
    result = import_csv(
        batch.kind,
        task.params["path"],
        dry_run=batch.dry_run,
        actor=actor,
        batch=batch,
        progress=reporter,
    )
    db.session.commit()
    months = result.stale_months
    if result.ok and not batch.dry_run and batch.kind in ROLLUP_KINDS and months != frozenset():
        enqueue.refresh_sales_rollup(months)
    if result.ok and not batch.dry_run and batch.kind in RANKING_KINDS:
        refresh_quarter_leaders()  # new rates: rank again (5,000 partners: 0.3 s)
        db.session.commit()
    progress(result.rows_total, result.rows_total)
