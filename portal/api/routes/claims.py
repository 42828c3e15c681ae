"""SPIF claims: partners submit them with an invoice; managers of their territory decide."""

import base64
import binascii
import io
from datetime import date
from decimal import Decimal

from flask import url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from workflows.engine.i18n import Refusal
from workflows.onboarding.errors import OnboardingError
from workflows.payables import claims
from workflows.payables.errors import ClaimAlreadyDecided, SecondApproverRequired

from ...extensions import db
from ...models import Claim, Program
from ...models.payables import CLAIM_STATES
from ...onboarding.uploads import PAPER_TYPES, check_upload
from ...payables.invoices import send_invoice, store_invoice
from ...security import Perm, find_unscoped, get_visible_or_404, visible_to
from .. import serializers
from ..errors import ApiError
from ..registry import PAGING, cursor_page, one_of, operation, path_id, where_given
from ..services import english

CLAIM_ID = path_id("claim_id", "claim")


def _refused(exc: Refusal) -> ApiError:
    """A decision the claim's state no longer allows is a 409; the first approver giving the
    second approval too is a 403 (segregation of duties, like maker–checker); others are 422."""
    if isinstance(exc, ClaimAlreadyDecided):
        status = 409
    elif isinstance(exc, SecondApproverRequired):
        status = 403
    else:
        status = 422
    return ApiError(status, "claim_refused", exc.render())


def _invoice(document: dict) -> claims.Invoice:
    """Decode and check the invoice exactly like an upload on the claims page, then store it."""
    try:
        data = base64.b64decode(document["content_base64"], validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(
            422, details=[{"field": "invoice.content_base64", "problem": "is not base64"}]
        ) from None
    upload = FileStorage(
        io.BytesIO(data), filename=document["filename"], content_type=document["content_type"]
    )
    try:
        checked = check_upload(upload, PAPER_TYPES)
    except OnboardingError as exc:
        problem = english(exc)
        details = [{"field": "invoice", "problem": problem}]
        raise ApiError(422, "invoice_rejected", problem, details) from None
    return store_invoice(checked)


@operation(
    "GET",
    "/claims",
    "listClaims",
    summary="List the claims the user may see",
    tag="claims",
    perm=Perm.VIEW_CLAIMS,
    response="ClaimPage",
    params=(
        one_of("status", CLAIM_STATES, "Only this one."),
        *PAGING,
    ),
)
def list_claims(status, limit, cursor):
    stmt = visible_to(where_given(select(Claim), (Claim.status, status)), current_user, Claim)
    return cursor_page(stmt, Claim, limit=limit, cursor=cursor, serialize=serializers.claim)


@operation(
    "GET",
    "/claims/{claim_id}",
    "getClaim",
    summary="One claim",
    tag="claims",
    perm=Perm.VIEW_CLAIMS,
    response="Claim",
    params=(CLAIM_ID,),
)
def get_claim(claim_id):
    return serializers.claim(get_visible_or_404(Claim, claim_id))


@operation(
    "GET",
    "/claims/{claim_id}/invoice",
    "getClaimInvoice",
    summary="Download a claim's invoice file, as it was uploaded",
    description="Answers with the file itself (PDF, PNG or JPEG) as an attachment under its "
    "original name. A claim whose invoice file is missing answers 404 `invoice_not_found`.",
    tag="claims",
    perm=Perm.VIEW_CLAIMS,
    files=tuple(PAPER_TYPES),
    params=(CLAIM_ID,),
)
def get_claim_invoice(claim_id):
    response = send_invoice(get_visible_or_404(Claim, claim_id))
    if response is None:
        raise ApiError(404, "invoice_not_found", "This claim has no invoice file.")
    return response


@operation(
    "POST",
    "/claims",
    "submitClaim",
    summary="Claim a SPIF reward for a sale, with its invoice",
    tag="claims",
    perm=Perm.SUBMIT_CLAIMS,
    body="ClaimCreate",
    response="Claim",
    status=201,
)
def submit_claim(body):
    program = find_unscoped(Program, body["program_id"])
    if program is None:
        raise ApiError(422, details=[{"field": "program_id", "problem": "no program has this id"}])
    partner = current_user.partner
    if partner is None:
        raise ApiError(403)
    try:
        claim = claims.submit_claim(
            partner,
            program,
            actor=current_user,
            sale_reference=body["sale_reference"],
            sold_on=date.fromisoformat(body["sold_on"]),
            amount=Decimal(body["amount"]),
            invoice=_invoice(body["invoice"]),
        )
    except Refusal as exc:
        raise _refused(exc) from None
    db.session.commit()
    return serializers.claim(claim), {"Location": url_for("api.getClaim", claim_id=claim.id)}


@operation(
    "POST",
    "/claims/{claim_id}/decision",
    "decideClaim",
    summary="Approve or reject a claim (channel managers, finance)",
    description="Above the program's threshold two different approvers are needed; nobody "
    "decides a claim they submitted. A reason is required to reject.",
    tag="claims",
    perm=Perm.APPROVE_CLAIMS,
    params=(CLAIM_ID,),
    body="ClaimDecision",
    response="Claim",
    conflicts=True,
)
def decide_claim(claim_id, body):
    claim = get_visible_or_404(Claim, claim_id)
    try:
        if body["action"] == "approve":
            claim = claims.approve_claim(claim, actor=current_user)
        else:
            claim = claims.reject_claim(claim, actor=current_user, reason=body.get("reason", ""))
    except Refusal as exc:
        raise _refused(exc) from None
    db.session.commit()
    return serializers.claim(claim)
