"""Market development funds: funds with their figures for the caller's scope, partners'
activity requests and their decisions, and claims with their proofs and decisions.

Scoping is the pages': a partner sees its own organisation's requests and claims and the funds
whose money reached it; a channel manager those of the territories they manage; finance all.
Every decision goes through the MDF workflows, which refuse what the rules do not allow.
"""

from __future__ import annotations

import base64
import binascii
import io
from collections import defaultdict
from datetime import date
from decimal import Decimal

from flask import url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import FileStorage

from workflows.engine.i18n import Refusal
from workflows.mdf import claims, funds, payments, requests
from workflows.mdf.errors import (
    AlreadyDecided,
    OverApproved,
    OverBudget,
    PastDeadline,
    SecondApproverRequired,
    WrongTerritory,
)
from workflows.mdf.ledger import Figures, figures_from

from ...extensions import db
from ...mdf.proofs import store_proof
from ...models import (
    MdfActivityType,
    MdfClaim,
    MdfEntry,
    MdfFund,
    MdfRequest,
    Partner,
    Territory,
)
from ...models.mdf import CLAIM_STATES, REQUEST_STATES
from ...onboarding.uploads import UploadRejected
from ...security import (
    Forbidden,
    Perm,
    can,
    find_visible,
    get_visible_or_404,
    is_visible,
    visible_to,
)
from .. import serializers
from ..errors import ApiError
from ..registry import PAGING, Param, cursor_page, one_of, operation, path_id, query_id, where_given
from ..schemas import CODE
from ..services import english

FUND_ID = path_id("fund_id", "fund")
REQUEST_ID = path_id("request_id", "activity request")
MDF_CLAIM_ID = path_id("mdf_claim_id", "fund claim")
TAG = "mdf"

# A refusal's class names what went wrong; its code is stable for programs.
REFUSAL_CODES = (
    (OverBudget, "over_budget"),
    (OverApproved, "over_approved"),
    (WrongTerritory, "wrong_territory"),
    (PastDeadline, "past_deadline"),
)
MAKER_CHECKER = "Nobody decides an activity request or claim they submitted themselves."


def _refused(exc: Refusal) -> ApiError:
    """A state that no longer allows the action is a 409 `already_decided`; the first approver
    giving the second approval (or a manager giving finance's) a 403; other rules a 422 with a
    code naming the rule and the field, when there is one."""
    details = [{"field": exc.field, "problem": english(exc)}] if exc.field else []
    if isinstance(exc, AlreadyDecided):
        return ApiError(409, "already_decided", english(exc), details)
    if isinstance(exc, SecondApproverRequired):
        return ApiError(403, "second_approver_required", english(exc), details)
    code = next((code for kind, code in REFUSAL_CODES if isinstance(exc, kind)), "mdf_refused")
    return ApiError(422, code, english(exc), details)


def _forbidden(exc: Forbidden) -> ApiError:
    if exc.args and exc.args[0] == "maker_checker":
        return ApiError(403, "maker_checker", MAKER_CHECKER)
    return ApiError(403)


def _decide(action, *args, **kwargs):
    """Run a workflow action, turning its refusals into API errors, then commit."""
    try:
        result = action(*args, **kwargs)
    except Refusal as exc:
        raise _refused(exc) from None
    except Forbidden as exc:
        raise _forbidden(exc) from None
    db.session.commit()
    return result


# --- funds -----------------------------------------------------------------------------------


def _default_scope() -> tuple[str, str | None]:
    """Whose figures the caller sees by default: the fund-wide ones are finance's (whoever
    manages funds), a partner's its own, a manager's those of their territories."""
    if can(current_user, Perm.MANAGE_FUNDS):
        return "fund", None
    if current_user.partner_id is not None:
        return "partner", current_user.partner.code
    return "territories", None


def _scope_figures(found: list[MdfFund]) -> dict[int, Figures]:
    """Each fund's figures over the ledger rows the caller may see, from one GROUP BY: the whole
    fund for finance, the partner's own rows for a partner, a manager's territories and the
    partners in them (transfers inside the scope cancel out)."""
    if not found:
        return {}
    stmt = (
        select(MdfEntry.fund_id, MdfEntry.kind, func.sum(MdfEntry.amount))
        .where(MdfEntry.fund_id.in_([fund.id for fund in found]))
        .group_by(MdfEntry.fund_id, MdfEntry.kind)
    )
    sums: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for fund_id, kind, amount in db.session.execute(visible_to(stmt, current_user, MdfEntry)):
        sums[fund_id][kind] = amount
    return {fund.id: figures_from(sums[fund.id], fund.currency) for fund in found}


def _funds_in_scope(found: list[MdfFund]) -> list[dict]:
    figures = _scope_figures(found)
    scope, code = _default_scope()
    return [serializers.mdf_fund(fund, figures[fund.id], scope, code) for fund in found]


def _holder(model, code: str | None, what: str):
    """The territory or partner named by code in a query, if the caller may see it."""
    if code is None:
        return None
    found = db.session.scalar(select(model).where(model.code == code))
    if found is None or not is_visible(found, current_user):
        raise ApiError(404, "not_found", f"No {what} with this code that you may see.")
    return found


@operation(
    "GET",
    "/mdf/funds",
    "listMdfFunds",
    summary="List the funds whose money reached the user's scope, with its figures",
    description="Finance sees every fund and its figures as a whole; a channel manager the "
    "funds allocated into their territories, with the figures of those territories and the "
    "partners in them; a partner the funds allocated to it, with its own figures.",
    tag=TAG,
    perm=Perm.VIEW_MDF,
    response="MdfFundPage",
    params=PAGING,
)
def list_mdf_funds(limit, cursor):
    stmt = visible_to(select(MdfFund), current_user, MdfFund)
    return cursor_page(stmt, MdfFund, limit=limit, cursor=cursor, serialize_rows=_funds_in_scope)


@operation(
    "GET",
    "/mdf/funds/{fund_id}",
    "getMdfFund",
    summary="One fund, with its figures for the user's scope or for one holder in it",
    description="Without parameters the figures are the caller's scope (as in the list). "
    "`territory` gives the figures of one territory the caller may see and everything below "
    "it; `partner` those of one partner the caller may see. A code outside the caller's scope "
    "answers 404, like an unknown one; both at once is a 400.",
    tag=TAG,
    perm=Perm.VIEW_MDF,
    response="MdfFund",
    params=(
        FUND_ID,
        Param("territory", "query", CODE, "A territory's code."),
        Param("partner", "query", CODE, "A partner's code."),
    ),
)
def get_mdf_fund(fund_id, territory, partner):
    if territory is not None and partner is not None:
        raise ApiError(
            400,
            "invalid_parameter",
            "Give territory or partner, not both.",
            [{"field": "partner", "problem": "cannot be combined with territory"}],
        )
    fund = get_visible_or_404(MdfFund, fund_id)
    place = _holder(Territory, territory, "territory")
    member = _holder(Partner, partner, "partner")
    if place is None and member is None:
        return _funds_in_scope([fund])[0]
    figures = funds.balance(fund, actor=current_user, territory=place, partner=member)
    scope, code = ("territory", place.code) if place is not None else ("partner", member.code)
    return serializers.mdf_fund(fund, figures, scope, code)


# --- requests --------------------------------------------------------------------------------


def _requests_query():
    stmt = select(MdfRequest).options(
        selectinload(MdfRequest.fund),
        selectinload(MdfRequest.partner),
        selectinload(MdfRequest.activity_type),
    )
    return visible_to(stmt, current_user, MdfRequest)


def _request_or_404(request_id: int) -> MdfRequest:
    return get_visible_or_404(MdfRequest, request_id)


@operation(
    "GET",
    "/mdf/requests",
    "listMdfRequests",
    summary="List the activity requests the user may see",
    tag=TAG,
    perm=Perm.VIEW_MDF,
    response="MdfRequestPage",
    params=(
        one_of("state", REQUEST_STATES, "Only these."),
        query_id("fund_id", "Only this fund's."),
        *PAGING,
    ),
)
def list_mdf_requests(state, fund_id, limit, cursor):
    stmt = where_given(_requests_query(), (MdfRequest.state, state), (MdfRequest.fund_id, fund_id))
    return cursor_page(
        stmt, MdfRequest, limit=limit, cursor=cursor, serialize=serializers.mdf_request
    )


@operation(
    "GET",
    "/mdf/requests/{request_id}",
    "getMdfRequest",
    summary="One activity request",
    tag=TAG,
    perm=Perm.VIEW_MDF,
    response="MdfRequest",
    params=(REQUEST_ID,),
)
def get_mdf_request(request_id):
    return serializers.mdf_request(_request_or_404(request_id))


def _money(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


@operation(
    "POST",
    "/mdf/requests",
    "createMdfRequest",
    summary="Propose an activity for the user's partner organisation",
    description="The fund must be one whose money reached the partner and that still takes "
    "requests; the activity lies within the fund's dates; the amount is in the fund's "
    "currency. The request waits for a channel manager of the partner's territory.",
    tag=TAG,
    perm=Perm.REQUEST_MDF,
    body="MdfRequestCreate",
    response="MdfRequest",
    status=201,
)
def create_mdf_request(body):
    partner = current_user.partner
    if partner is None:
        raise ApiError(403)
    fund = find_visible(MdfFund, body["fund_id"], current_user)
    if fund is None:
        raise ApiError(422, details=[{"field": "fund_id", "problem": "no fund has this id"}])
    activity_type = db.session.scalar(
        visible_to(select(MdfActivityType), current_user, MdfActivityType).where(
            MdfActivityType.code == body["activity_type"]
        )
    )
    if activity_type is None:
        problem = "no activity type offered has this code"
        raise ApiError(422, details=[{"field": "activity_type", "problem": problem}])
    request = _decide(
        requests.propose_request,
        partner,
        fund,
        activity_type,
        actor=current_user,
        starts_on=date.fromisoformat(body["starts_on"]),
        ends_on=date.fromisoformat(body["ends_on"]),
        amount=Decimal(body["amount"]),
        description=body["description"],
        expected_leads=body.get("expected_leads"),
        expected_pipeline=_money(body.get("expected_pipeline")),
    )
    location = url_for("api.getMdfRequest", request_id=request.id)
    return serializers.mdf_request(request), {"Location": location}


DECISION_ERRORS = (403, 409, 422)


@operation(
    "POST",
    "/mdf/requests/{request_id}/approve",
    "approveMdfRequest",
    summary="Approve a request for the requested amount or less (channel managers, finance)",
    description="Commits the money from the partner's allocation, never more than it has "
    "available (422 `over_budget`). Above the fund's second-approval amount the first approval "
    "only sets the amount (state `first_approved`) and finance gives the second one; the first "
    "approver cannot give it too (403 `second_approver_required`). A request already decided "
    "is a 409 `already_decided`. Send {} to approve the requested amount.",
    tag=TAG,
    perm=Perm.APPROVE_MDF,
    params=(REQUEST_ID,),
    body="MdfApproval",
    response="MdfRequest",
    conflicts=True,
    extra_errors=DECISION_ERRORS,
)
def approve_mdf_request(request_id, body):
    request = _request_or_404(request_id)
    request = _decide(
        requests.approve_request, request, actor=current_user, amount=_money(body.get("amount"))
    )
    return serializers.mdf_request(request)


@operation(
    "POST",
    "/mdf/requests/{request_id}/reject",
    "rejectMdfRequest",
    summary="Reject a submitted request, saying why (channel managers, finance)",
    tag=TAG,
    perm=Perm.APPROVE_MDF,
    params=(REQUEST_ID,),
    body="MdfReason",
    response="MdfRequest",
    conflicts=True,
    extra_errors=DECISION_ERRORS,
)
def reject_mdf_request(request_id, body):
    request = _request_or_404(request_id)
    request = _decide(requests.reject_request, request, actor=current_user, reason=body["reason"])
    return serializers.mdf_request(request)


@operation(
    "POST",
    "/mdf/requests/{request_id}/return",
    "returnMdfRequest",
    summary="Send a request back to the partner for more information",
    description="A first approval is undone; the partner resubmits on the pages.",
    tag=TAG,
    perm=Perm.APPROVE_MDF,
    params=(REQUEST_ID,),
    body="MdfReason",
    response="MdfRequest",
    conflicts=True,
    extra_errors=DECISION_ERRORS,
)
def return_mdf_request(request_id, body):
    request = _request_or_404(request_id)
    request = _decide(requests.return_request, request, actor=current_user, reason=body["reason"])
    return serializers.mdf_request(request)


# --- claims ----------------------------------------------------------------------------------


def _claims_shown(rows: list[MdfClaim]) -> list[dict]:
    ids = [claim.id for claim in rows]
    paid = set(db.session.scalars(payments.paid_claims(ids))) if ids else set()
    return [serializers.mdf_claim(claim, claim.id in paid) for claim in rows]


def _claims_query():
    stmt = select(MdfClaim).options(
        selectinload(MdfClaim.fund), selectinload(MdfClaim.partner), selectinload(MdfClaim.proofs)
    )
    return visible_to(stmt, current_user, MdfClaim)


@operation(
    "GET",
    "/mdf/claims",
    "listMdfClaims",
    summary="List the fund claims the user may see",
    tag=TAG,
    perm=Perm.VIEW_MDF,
    response="MdfClaimPage",
    params=(
        one_of("state", CLAIM_STATES, "Only these."),
        query_id("request_id", "Only this request's."),
        *PAGING,
    ),
)
def list_mdf_claims(state, request_id, limit, cursor):
    stmt = where_given(_claims_query(), (MdfClaim.state, state), (MdfClaim.request_id, request_id))
    return cursor_page(stmt, MdfClaim, limit=limit, cursor=cursor, serialize_rows=_claims_shown)


@operation(
    "GET",
    "/mdf/claims/{mdf_claim_id}",
    "getMdfClaim",
    summary="One fund claim, with the names of its proof files",
    tag=TAG,
    perm=Perm.VIEW_MDF,
    response="MdfClaim",
    params=(MDF_CLAIM_ID,),
)
def get_mdf_claim(mdf_claim_id):
    return _claims_shown([get_visible_or_404(MdfClaim, mdf_claim_id)])[0]


def _proof(document: dict, index: int):
    """Decode and check one proof like an upload on the claim page, then store it (a refused
    claim's files go with its rolled-back transaction)."""
    field = f"proofs[{index}]"
    try:
        data = base64.b64decode(document["content_base64"], validate=True)
    except (binascii.Error, ValueError):
        problem = "is not base64"
        details = [{"field": f"{field}.content_base64", "problem": problem}]
        raise ApiError(422, details=details) from None
    upload = FileStorage(
        io.BytesIO(data), filename=document["filename"], content_type=document["content_type"]
    )
    try:
        return store_proof(upload)
    except UploadRejected as exc:
        problem = english(exc)
        details = [{"field": field, "problem": problem}]
        raise ApiError(422, "proof_rejected", problem, details) from None


@operation(
    "POST",
    "/mdf/requests/{request_id}/claims",
    "submitMdfClaim",
    summary="Claim an approved activity of the user's organisation, with proof files",
    description="From the activity's last day until the request's claim due date, for at most "
    "the approved amount (422 `over_approved`; late: 422 `past_deadline`), one claim waiting at "
    "a time. Proofs are PDF, PNG or JPEG files sent as base64, checked by their content.",
    tag=TAG,
    perm=Perm.REQUEST_MDF,
    params=(REQUEST_ID,),
    body="MdfClaimCreate",
    response="MdfClaim",
    status=201,
    extra_errors=(422,),
)
def submit_mdf_claim(request_id, body):
    request = _request_or_404(request_id)
    if current_user.partner_id != request.partner_id:
        raise ApiError(404)
    proofs = [_proof(document, index) for index, document in enumerate(body["proofs"])]
    claim = _decide(
        claims.submit_claim,
        request,
        actor=current_user,
        amount=Decimal(body["amount"]),
        proofs=proofs,
    )
    location = url_for("api.getMdfClaim", mdf_claim_id=claim.id)
    return _claims_shown([claim])[0], {"Location": location}


@operation(
    "POST",
    "/mdf/claims/{mdf_claim_id}/approve",
    "approveMdfClaim",
    summary="Approve a fund claim: it becomes a payable line, the unclaimed rest is released",
    tag=TAG,
    perm=Perm.APPROVE_MDF,
    params=(MDF_CLAIM_ID,),
    response="MdfClaim",
    conflicts=True,
    extra_errors=DECISION_ERRORS,
)
def approve_mdf_claim(mdf_claim_id):
    claim = get_visible_or_404(MdfClaim, mdf_claim_id)
    return _claims_shown([_decide(claims.approve_claim, claim, actor=current_user)])[0]


@operation(
    "POST",
    "/mdf/claims/{mdf_claim_id}/reject",
    "rejectMdfClaim",
    summary="Reject a fund claim, saying why (the partner may claim again until it is due)",
    tag=TAG,
    perm=Perm.APPROVE_MDF,
    params=(MDF_CLAIM_ID,),
    body="MdfReason",
    response="MdfClaim",
    conflicts=True,
    extra_errors=DECISION_ERRORS,
)
def reject_mdf_claim(mdf_claim_id, body):
    claim = get_visible_or_404(MdfClaim, mdf_claim_id)
    claim = _decide(claims.reject_claim, claim, actor=current_user, reason=body["reason"])
    return _claims_shown([claim])[0]
