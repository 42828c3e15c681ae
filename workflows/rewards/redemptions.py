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
from portal.security import Perm, ensure
from workflows.engine import N_
from workflows.states import Machine, Transition

from . import ledger
from .errors import RedemptionDecided, RewardsError


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


def _lock(redemption: Redemption) -> None:
    """Decisions take the partner's ledger lock (as requests do), then reload the request."""
    ledger.lock_partner(redemption.partner_id)
    db.session.refresh(redemption)


def _named(redemption: Redemption, actor) -> None:
    if actor.id is None:
        raise RewardsError(N_("A decision must be made by a named user."))


def _move_hold(redemption: Redemption, hold, kind: str, sign: int, actor, on: date) -> None:
    """An entry of the redemption's points whose lots are the hold's, not allocated afresh: a
    release (sign -1) gives the points and returns the lots, a redeem (+1) spends them."""
    entry = ledger.PointsEntry(
        partner_id=redemption.partner_id,
        kind=kind,
        points=-sign * redemption.points,
        occurred_on=on,
        source=f"{kind}:{redemption.id}",
        redemption_id=redemption.id,
        created_by_id=actor.id,
    )
    db.session.add(entry)
    db.session.flush()
    ledger.move_allocations(hold, entry, sign)


def _release(redemption: Redemption, actor, on: date):
    """Release the points held at request and note who decided; returns the hold."""
    hold = db.session.scalars(
        select(ledger.PointsEntry).where(ledger.PointsEntry.source == f"hold:{redemption.id}")
    ).one()
    _move_hold(redemption, hold, "release", -1, actor, on)
    redemption.decided_by_id, redemption.decided_at = actor.id, utcnow()
    return hold


def _approve(redemption: Redemption, actor, on: date | None = None) -> dict:
    on = on or _today()
    hold = _release(redemption, actor, on)
    _move_hold(redemption, hold, "redeem", 1, actor, on)
    return {"points": redemption.points}


def _reject(redemption: Redemption, actor, reason: str, on: date | None = None) -> dict:
    _release(redemption, actor, on or _today())
    item = db.session.get(RewardItem, redemption.item_id)
    if item.stock is not None:
        item.stock += redemption.quantity
    redemption.reason = reason.strip()
    db.session.flush()
    ledger.allocate(redemption.partner_id)
    return {"reason": redemption.reason}


APPROVER, REQUESTER = "approver", ("requested_by_id",)
REDEMPTIONS = Machine(
    "points.redemption",
    (
        Transition("approve", ("requested",), "approved", APPROVER, makers=REQUESTER,
                   check=_named, effect=_approve),
        Transition("reject", ("requested",), "rejected", APPROVER, makers=REQUESTER,
                   check=_named, effect=_reject),
    ),
    parties={APPROVER: Perm.APPROVE_REDEMPTIONS},
    refused=N_("Redemption %(id)s is already %(status)s."),
    illegal=RedemptionDecided,
    state="status",
    lock=_lock,
)  # fmt: skip


def approve_redemption(redemption: Redemption, *, actor, on: date | None = None) -> Redemption:
    """Spend the held points: the hold is released and a redeem entry takes over its lots."""
    return REDEMPTIONS.fire(redemption, "approve", actor, on=on)


def reject_redemption(
    redemption: Redemption, *, actor, reason: str, on: date | None = None
) -> Redemption:
    """Release the held points (and the reserved stock) back to the partner."""
    if not (reason or "").strip():
        raise RewardsError(N_("Give a reason for the rejection."))
    return REDEMPTIONS.fire(redemption, "reject", actor, reason=reason, on=on)
