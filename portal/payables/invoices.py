"""Claim invoices on disk: kept under UPLOAD_DIR/claims with a random name (never under
static/) and served only through views that first check who may see the claim."""

from __future__ import annotations

from pathlib import Path

from flask import Response

from workflows.payables.claims import Invoice

from ..downloads import send_stored_file
from ..models import Claim
from ..onboarding.uploads import CheckedUpload, store, stored_path

CLAIMS_FOLDER = "claims"


def store_invoice(checked: CheckedUpload) -> Invoice:
    """Write a checked upload to disk; the claim keeps its original name, type and size."""
    return Invoice(
        checked.filename, store(checked, CLAIMS_FOLDER), checked.content_type, checked.size
    )


def invoice_file(claim: Claim) -> Path | None:
    """The claim's stored invoice, or None when it has none (no stored name, or the file is
    gone from UPLOAD_DIR)."""
    name = claim.invoice_storage or ""
    if not name or Path(name).name != name:
        return None
    path = stored_path(CLAIMS_FOLDER, name)
    return path if path.is_file() else None


def send_invoice(claim: Claim) -> Response | None:
    """The invoice as a download under its original name and type; None without a file."""
    path = invoice_file(claim)
    if path is None:
        return None
    return send_stored_file(
        path,
        mimetype=claim.invoice_type,
        filename=claim.invoice_name,
        conditional=False,  # always the whole file: no 304 or 206 to handle
    )
