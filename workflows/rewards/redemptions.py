"""Redemption requests: points held at request, spent on approval, released on rejection.

The balance check and the hold run under the partner's row lock, so two requests racing for the
same points are answered one after the other and never take the available balance below zero.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal.extensions import db
from portal.foundation.audit import record_event
from portal.models import Partner, Redemption, RewardItem, utcnow
from portal.security import Perm, ensure, ensure_not_maker, visible_to
from workflows.engine import N_, Term

from . import ledger
from .errors import RewardsError


def _today() -> date:
    return utcnow().date()


def request_redemption(
    partner: Partner, item: RewardItem, *, actor, quantity: int = 1, on: date | None = None
) -> Redemption:
    """Hold quantity × cost points for the partner, if it has them available now."""
    ensure(actor, Perm.REQUEST_REDEMPTIONS, partner)
    on = on or _today()
    if quantity < 1:
        raise RewardsError(N_("The quantity must be at least 1."))
    ledger.lock_partner(partner.id)
    item = db.session.scalars(
        select(RewardItem)
        .where(RewardItem.id == item.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    if not item.active:
        raise RewardsError(N_("%(item)s is not available."), item=item.code)
    if item.stock is not None and item.stock < quantity:
        raise RewardsError(
            N_("Only %(stock)s of %(item)s left in stock."), stock=item.stock, item=item.code
        )
    points = item.points_cost * quantity
    available = ledger.balance(partner.id, on).available
    if points > available:
        raise RewardsError(
            N_("This needs %(points)s points; %(available)s are available."),
            points=points,
            available=available,
        )
    if item.stock is not None:
        item.stock -= quantity
    redemption = Redemption(
        partner_id=partner.id,
        item_id=item.id,
        quantity=quantity,
        points=points,
        requested_by_id=actor.id,
    )
    db.session.add(redemption)
    db.session.flush()
    ledger.post(
        partner.id,
        "hold",
        -points,
        on=on,
        source=f"hold:{redemption.id}",
        actor=actor,
        redemption_id=redemption.id,
    )
    record_event(
        actor,
        "points.redemption.request",
        redemption,
        after={"partner": partner.code, "item": item.code, "quantity": quantity, "points": points},
    )
    return redemption


def _decidable(redemption: Redemption, actor) -> tuple[Redemption, object]:
    ensure(actor, Perm.APPROVE_REDEMPTIONS, redemption)
    if actor.id is None:
        raise RewardsError(N_("A decision must be made by a named user."))
    ensure_not_maker(actor, redemption.requested_by_id)
    ledger.lock_partner(redemption.partner_id)
    redemption = db.session.scalars(
        select(Redemption)
        .where(Redemption.id == redemption.id)
        .execution_options(populate_existing=True)
    ).one()
    if redemption.status != "requested":
        raise RewardsError(
            N_("Redemption %(id)s is already %(status)s."),
            id=redemption.id,
            status=Term(redemption.status),
        )
    hold = db.session.scalars(
        select(ledger.PointsEntry).where(ledger.PointsEntry.source == f"hold:{redemption.id}")
    ).one()
    return redemption, hold


def _release(redemption: Redemption, hold, actor, on: date):
    release = ledger.PointsEntry(
        partner_id=redemption.partner_id,
        kind="release",
        points=redemption.points,
        occurred_on=on,
        source=f"release:{redemption.id}",
        redemption_id=redemption.id,
        created_by_id=actor.id,
    )
    db.session.add(release)
    db.session.flush()
    ledger.move_allocations(hold, release, -1)
    return release


def approve_redemption(redemption: Redemption, *, actor, on: date | None = None) -> Redemption:
    """Spend the held points: the hold is released and a redeem entry takes over its lots."""
    on = on or _today()
    redemption, hold = _decidable(redemption, actor)
    _release(redemption, hold, actor, on)
    redeem = ledger.PointsEntry(
        partner_id=redemption.partner_id,
        kind="redeem",
        points=-redemption.points,
        occurred_on=on,
        source=f"redeem:{redemption.id}",
        redemption_id=redemption.id,
        created_by_id=actor.id,
    )
    db.session.add(redeem)
    db.session.flush()
    ledger.move_allocations(hold, redeem, 1)
    redemption.status, redemption.decided_by_id, redemption.decided_at = (
        "approved",
        actor.id,
        utcnow(),
    )
    db.session.flush()
    record_event(
        actor,
        "points.redemption.approve",
        redemption,
        before={"status": "requested"},
        after={"status": "approved", "points": redemption.points},
    )
    return redemption


def reject_redemption(
    redemption: Redemption, *, actor, reason: str, on: date | None = None
) -> Redemption:
    """Release the held points (and the reserved stock) back to the partner."""
    if not (reason or "").strip():
        raise RewardsError(N_("Give a reason for the rejection."))
    on = on or _today()
    redemption, hold = _decidable(redemption, actor)
    _release(redemption, hold, actor, on)
    item = db.session.get(RewardItem, redemption.item_id)
    if item.stock is not None:
        item.stock += redemption.quantity
    redemption.status, redemption.decided_by_id, redemption.decided_at = (
        "rejected",
        actor.id,
        utcnow(),
    )
    redemption.reason = reason.strip()
    db.session.flush()
    ledger.allocate(redemption.partner_id)
    record_event(
        actor,
        "points.redemption.reject",
        redemption,
        before={"status": "requested"},
        after={"status": "rejected", "reason": redemption.reason},
    )
    return redemption


def pending_for(actor):
    """Open requests the actor may decide, oldest first."""
    ensure(actor, Perm.APPROVE_REDEMPTIONS)
    stmt = select(Redemption).where(Redemption.status == "requested").order_by(Redemption.id)
    return db.session.scalars(visible_to(stmt, actor, Redemption)).all()
