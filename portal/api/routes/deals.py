"""Deal registrations: create, read, list with filters, and managers' decisions."""

from flask import url_for
from flask_login import current_user

from workflows import enqueue
from workflows.deals.errors import DealError
from workflows.deals.states import transition
from workflows.engine import Refusal

from ...deals.services import Filters, deals_query, save_deal
from ...extensions import db
from ...models import DealRegistration
from ...models.deals import DEAL_STATES
from ...security import Perm, get_visible_or_404
from .. import serializers, services
from ..registry import PAGING, Param, cursor_page, one_of, operation, path_id, query_id

DECISIONS = {"approve": "approve", "reject": "reject", "return": "return"}
DEAL_FILTERS = (
    one_of("state", DEAL_STATES, "Only this state."),
    query_id("partner_id", "Only this partner's."),
    Param(
        "updated_since",
        "query",
        {"type": "string", "format": "date-time"},
        "Only those changed at or after this instant (with a UTC offset).",
    ),
)


@operation(
    "GET",
    "/deals",
    "listDeals",
    summary="List the deal registrations the user may see",
    tag="deals",
    perm=Perm.VIEW_DEALS,
    response="DealRegistrationPage",
    params=(*DEAL_FILTERS, *PAGING),
)
def list_deals(state, partner_id, updated_since, limit, cursor):
    stmt = deals_query(current_user, Filters(state=state, partner_id=partner_id))
    if updated_since is not None:
        stmt = stmt.where(DealRegistration.updated_at >= updated_since)
    return cursor_page(
        stmt, DealRegistration, limit=limit, cursor=cursor, serialize=serializers.deal
    )


@operation(
    "GET",
    "/deals/{deal_id}",
    "getDeal",
    summary="One deal registration",
    tag="deals",
    perm=Perm.VIEW_DEALS,
    response="DealRegistration",
    params=(path_id("deal_id", "deal registration"),),
)
def get_deal(deal_id):
    return serializers.deal(get_visible_or_404(DealRegistration, deal_id))


@operation(
    "POST",
    "/deals",
    "createDeal",
    summary="Register a deal for the user's partner organisation",
    description="Submitted for review unless `submit` is false; conflicts with other "
    "partners' registrations are detected on submission, as on the pages.",
    tag="deals",
    perm=Perm.REGISTER_DEALS,
    body="DealCreate",
    response="DealRegistration",
    status=201,
)
def create_deal(body):
    try:
        deal = save_deal(
            services.deal_input(body), actor=current_user, submit=body.get("submit", True)
        )
    except (DealError, Refusal) as exc:
        raise services.deal_error(exc) from None
    db.session.commit()
    enqueue.pending_mail()
    location = url_for("api.getDeal", deal_id=deal.id)
    return serializers.deal(deal), {"Location": location}


@operation(
    "POST",
    "/deals/{deal_id}/decision",
    "decideDeal",
    summary="Approve, reject or return a submitted registration (channel managers)",
    description="Maker-checker applies: nobody decides a registration they submitted.",
    tag="deals",
    perm=Perm.REVIEW_DEALS,
    params=(path_id("deal_id", "deal registration"),),
    body="DealDecision",
    response="DealRegistration",
    conflicts=True,
)
def decide_deal(deal_id, body):
    deal = get_visible_or_404(DealRegistration, deal_id)
    data = {"note": body.get("note")}
    if body["action"] == "reject":
        data["reason"] = body.get("reason", "")
    try:
        transition(deal, DECISIONS[body["action"]], current_user, **data)
    except (DealError, Refusal) as exc:
        raise services.deal_error(exc) from None
    db.session.commit()
    enqueue.pending_mail()
    return serializers.deal(deal)
