"""Accepting an uploaded CSV: store it outside static/, record the batch, hand it to a worker."""

from __future__ import annotations

import uuid
from pathlib import Path

from flask import current_app

from portal.foundation.audit import record_event
from workflows.engine.i18n import N_, Refusal
from workflows.imports import task as _import_task  # noqa: F401 - registers the task handler
from workflows.tasks import create_task

from .. import stored_files
from ..extensions import db
from ..models import ImportBatch
from ..security import Perm, ensure

ALLOWED_TYPES = {"text/csv", "text/plain", "application/vnd.ms-excel", "application/octet-stream"}


class UploadRejected(Refusal, ValueError):
    """The upload is not a file we can import; the message says why."""


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start > len(head) - 4  # a multi-byte character cut at the sample's end
    return True


def start_upload_import(kind: str, upload, *, dry_run: bool, actor) -> ImportBatch:
    """Save the upload and create the batch and its task (the caller commits, then enqueues)."""
    ensure(actor, Perm.IMPORT_DATA)
    if upload.mimetype not in ALLOWED_TYPES:
        raise UploadRejected(N_("This file is not a CSV file."))
    head = upload.stream.read(4096)
    upload.stream.seek(0)
    if not head.strip():
        raise UploadRejected(N_("The file is empty."))
    if not _looks_like_text(head):
        raise UploadRejected(N_("This file is not a UTF-8 CSV file."))
    folder = Path(current_app.config["UPLOAD_DIR"]) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}.csv"
    upload.save(path)
    stored_files.written(db.session, path)  # gone again unless the batch is committed
    batch = ImportBatch(
        kind=kind,
        filename=(upload.filename or "upload.csv")[:255],
        dry_run=dry_run,
        created_by_id=actor.id,
    )
    db.session.add(batch)
    db.session.flush()
    task = create_task("import", {"batch_id": batch.id, "path": str(path)}, actor=actor)
    batch.task_id = task.id
    record_event(
        actor,
        "import.upload",
        batch,
        after={"kind": kind, "filename": batch.filename, "dry_run": dry_run},
    )
    return batch
