"""Payout batches: the payment file of a batch, as the batch page and the CLI give it.

The first fetch of an approved batch's file is its export (write-scope tokens only: it marks
the batch exported and keeps the file); every later fetch gives the same bytes.
"""

from __future__ import annotations

from flask import Response, g
from flask_login import current_user

from workflows.engine.i18n import Refusal
from workflows.payables import batches
from workflows.states import IllegalTransition

from ...downloads import content_disposition
from ...extensions import db
from ...models import PayoutBatch
from ...models.payables import FILE_FORMATS
from ...security import Forbidden, Perm, get_visible_or_404
from ..errors import ApiError
from ..registry import Param, operation, path_id
from ..services import english

BATCH_ID = path_id("batch_id", "payout batch")
FORMAT = Param(
    "format",
    "query",
    {"type": "string", "enum": list(FILE_FORMATS)},
    "pain001 (EUR batches; their default) or csv (the bank's mapped CSV; the default for other "
    "currencies). Only the first export chooses; later fetches give the file as exported.",
)


@operation(
    "GET",
    "/payout-batches/{batch_id}/file",
    "getPayoutBatchFile",
    summary="Download a payout batch's payment file",
    description="An EUR batch gives an ISO 20022 pain.001.001.03 SEPA credit transfer file, other "
    "currencies the CSV their bank's bulk upload takes (mapped once per bank by finance). The "
    "first fetch of an approved batch exports it (a write-scope token is needed) and keeps the "
    "file; later fetches give the same bytes. A draft batch answers 409 `not_approved`; a "
    "refused export (no paying account configured, no bank format for the currency, an account "
    "change awaiting verification) 409 `export_refused`.",
    tag="payouts",
    perm=Perm.MANAGE_PAYOUT_BATCHES,
    files=("application/xml", "text/csv"),
    params=(BATCH_ID, FORMAT),
    extra_errors=(409,),
)
def get_payout_batch_file(batch_id, format):
    batch = get_visible_or_404(PayoutBatch, batch_id)
    if batch.status != "exported" and not g.api_token.writable:
        raise ApiError(403, "insufficient_scope", "Exporting a batch needs a write-scope token.")
    try:
        paid = batches.export_batch(batch, actor=current_user, file_format=format)
    except IllegalTransition as exc:
        db.session.rollback()
        raise ApiError(409, "not_approved", english(exc)) from None
    except Refusal as exc:
        db.session.rollback()
        raise ApiError(409, "export_refused", english(exc)) from None
    except Forbidden:
        db.session.rollback()
        raise ApiError(403) from None
    db.session.commit()
    response = Response(paid.content, mimetype=paid.media_type)
    response.headers["Content-Disposition"] = content_disposition(paid.name)
    return response
