"""Claim proof files on disk: checked like claim invoices (PDF, PNG or JPEG by content, at most
DOCUMENT_MAX_BYTES) and kept under UPLOAD_DIR/mdf with a random name, never under static/.
A file written for a claim that is then refused is removed with the rolled-back transaction."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from werkzeug.datastructures import FileStorage

from workflows.mdf.claims import Proof

from ..onboarding.uploads import PAPER_TYPES, check_upload, store

MDF_FOLDER = "mdf"


def store_proof(upload: FileStorage) -> Proof:
    """Check an uploaded file and store it; UploadRejected says what is wrong with it."""
    checked = check_upload(upload, PAPER_TYPES)
    return Proof(checked.filename, store(checked, MDF_FOLDER), checked.content_type, checked.size)


def proof_from_path(path: Path) -> Proof:
    """A file named on the command line, typed by its name as a browser would, then checked by
    its content like an upload."""
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    with path.open("rb") as stream:
        return store_proof(
            FileStorage(stream=stream, filename=path.name, content_type=content_type)
        )
