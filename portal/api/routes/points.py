"""Loyalty points: a partner's balance and its append-only ledger (read only)."""

from flask_login import current_user

from workflows.rewards import ledger

from ...models import Partner, PointsEntry, utcnow
from ...security import Perm, get_visible_or_404, visible_to
from .. import serializers
from ..registry import PAGING, Param, cursor_page, operation, path_id

PARTNER_ID = path_id("partner_id", "partner")


@operation(
    "GET",
    "/partners/{partner_id}/points/balance",
    "getPointsBalance",
    summary="A partner's available, held and soon-expiring loyalty points",
    tag="points",
    perm=Perm.VIEW_POINTS,
    response="PointsBalance",
    params=(
        PARTNER_ID,
        Param("as_of", "query", {"type": "string", "format": "date"}, "Default: today (UTC)."),
    ),
)
def get_points_balance(partner_id, as_of):
    partner = get_visible_or_404(Partner, partner_id)
    day = utcnow().date() if as_of is None else as_of
    return serializers.points_balance(partner.id, ledger.balance(partner.id, day))


@operation(
    "GET",
    "/partners/{partner_id}/points/ledger",
    "listPointsEntries",
    summary="A partner's points ledger, in posting order",
    tag="points",
    perm=Perm.VIEW_POINTS,
    response="PointsEntryPage",
    params=(PARTNER_ID, *PAGING),
)
def list_points_entries(partner_id, limit, cursor):
    partner = get_visible_or_404(Partner, partner_id)
    stmt = visible_to(ledger.entries(partner.id), current_user, PointsEntry)
    return cursor_page(
        stmt, PointsEntry, limit=limit, cursor=cursor, serialize=serializers.points_entry
    )
