"""Checking and storing uploaded documents (application papers, resource library files).

A file is accepted only when its declared content type is allowed, its name has a matching
extension, its first bytes are what that type starts with, and it is neither empty nor larger
than DOCUMENT_MAX_BYTES. Accepted files are stored under UPLOAD_DIR (never under static/) with
a random name and served only through views that check who may see them.
"""

from __future__ import annotations

import io
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from workflows.engine.i18n import N_
from workflows.onboarding.errors import OnboardingError

from .. import stored_files
from ..extensions import db

OFFICE_TYPES = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
}
# content type → (extensions, sniffing test on the whole file)
PAPER_TYPES = {
    "application/pdf": ((".pdf",), lambda data: data.startswith(b"%PDF-")),
    "image/png": ((".png",), lambda data: data.startswith(b"\x89PNG\r\n\x1a\n")),
    "image/jpeg": ((".jpg", ".jpeg"), lambda data: data.startswith(b"\xff\xd8\xff")),
}


def _is_office_file(data: bytes) -> bool:
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "[Content_Types].xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


def _is_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


LIBRARY_TYPES = {
    **PAPER_TYPES,
    **{ctype: ((ext,), _is_office_file) for ctype, ext in OFFICE_TYPES.items()},
    "text/csv": ((".csv",), _is_text),
}


class UploadRejected(OnboardingError):
    """The upload is not a document we accept; the message says why."""


@dataclass(frozen=True)
class CheckedUpload:
    data: bytes
    filename: str
    content_type: str
    size: int


def check_upload(upload, allowed: dict) -> CheckedUpload:
    """Read and check an uploaded file (werkzeug FileStorage) against `allowed` types."""
    limit = current_app.config["DOCUMENT_MAX_BYTES"]
    filename = Path((upload.filename or "").replace("\\", "/")).name.strip()[:255]
    if not filename:
        raise UploadRejected(N_("Choose a file to upload."), field="file")
    content_type = (upload.mimetype or "").lower()
    extensions, sniff = allowed.get(content_type, ((), None))
    if sniff is None or not filename.lower().endswith(extensions):
        raise UploadRejected(N_("This type of file is not accepted."), field="file")
    data = upload.stream.read(limit + 1)
    if not data:
        raise UploadRejected(N_("The file is empty."), field="file")
    if len(data) > limit:
        raise UploadRejected(
            N_("The file is larger than %(size)s MB."), size=limit // (1024 * 1024), field="file"
        )
    if not sniff(data):
        raise UploadRejected(
            N_("The file's content does not match its type; it may be damaged."), field="file"
        )
    return CheckedUpload(data, filename, content_type, len(data))


def store(checked: CheckedUpload, folder: str) -> str:
    """Write the file under UPLOAD_DIR/<folder>/ with a random name; returns that name."""
    directory = Path(current_app.config["UPLOAD_DIR"]) / folder
    directory.mkdir(parents=True, exist_ok=True)
    name = uuid.uuid4().hex + Path(checked.filename).suffix.lower()
    (directory / name).write_bytes(checked.data)
    stored_files.written(db.session, directory / name)  # gone again unless the row is committed
    return name


def stored_path(folder: str, storage_name: str) -> Path:
    return Path(current_app.config["UPLOAD_DIR"]) / folder / storage_name
