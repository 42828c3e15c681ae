"""Read-only queries of the points pages, every one through the scoping function."""

from __future__ import annotations

from datetime import date

from flask import request
from sqlalchemy import select

from portal.models import Partner, PointsEntry, Redemption, RewardItem
from portal.models.rewards import ENTRY_KINDS
from portal.security import visible_to


def ledger_filters() -> dict:
    """kind / since / until from the query string; anything malformed is ignored."""
    kind = request.args.get("kind", "")

    def day(name: str) -> date | None:
        try:
            return date.fromisoformat(request.args.get(name, ""))
        except ValueError:
            return None

    return {
        "kinds": (kind,) if kind in ENTRY_KINDS else (),
        "since": day("since"),
        "until": day("until"),
    }


def ledger_query(partner: Partner, user, filters: dict):
    stmt = select(PointsEntry).where(PointsEntry.partner_id == partner.id)
    if filters["kinds"]:
        stmt = stmt.where(PointsEntry.kind.in_(filters["kinds"]))
    if filters["since"]:
        stmt = stmt.where(PointsEntry.occurred_on >= filters["since"])
    if filters["until"]:
        stmt = stmt.where(PointsEntry.occurred_on <= filters["until"])
    stmt = stmt.order_by(PointsEntry.occurred_on.desc(), PointsEntry.id.desc())
    return visible_to(stmt, user, PointsEntry)


def partners_query(user):
    return visible_to(select(Partner).order_by(Partner.code), user, Partner)


def catalog_query(user):
    stmt = select(RewardItem).order_by(RewardItem.points_cost, RewardItem.code)
    return visible_to(stmt, user, RewardItem)


def redemptions_query(user, status: str | None):
    stmt = select(Redemption).order_by(Redemption.id.desc())
    if status:
        stmt = stmt.where(Redemption.status == status)
    return visible_to(stmt, user, Redemption)
