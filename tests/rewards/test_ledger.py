"""Ledger edge cases: FIFO by expiry, the boundary day, exact balance, returns after redemption,
idempotent expiry."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from portal.models import PointsAllocation, PointsEntry
from workflows.rewards import ledger, points, redemptions
from workflows.rewards.errors import RewardsError

from .conftest import earn

D = date


def test_balance_is_the_sum_of_entries_and_held_points_are_not_available(db, world):
    earn(world.acme, 500, D(2026, 1, 10), D(2027, 1, 10))
    redemptions.request_redemption(world.acme, world.item, actor=world.admin, on=D(2026, 2, 1))
    result = ledger.balance(world.acme.id, D(2026, 2, 1))
    total = db.session.scalar(
        select(func.sum(PointsEntry.points)).where(PointsEntry.partner_id == world.acme.id)
    )
    assert (result.available, result.held, total) == (400, 100, 400)


def test_points_are_usable_on_their_last_day_and_gone_the_day_after(db, world):
    earn(world.acme, 300, D(2026, 1, 1), D(2026, 6, 30))
    assert ledger.balance(world.acme.id, D(2026, 6, 30)).available == 300
    assert ledger.balance(world.acme.id, D(2026, 7, 1)).available == 0
    redemptions.request_redemption(world.acme, world.item, actor=world.admin, on=D(2026, 6, 30))
    with pytest.raises(RewardsError):
        redemptions.request_redemption(
            world.acme, world.item, actor=world.admin, quantity=3, on=D(2026, 7, 1)
        )


def test_expiry_posts_once_per_lot_the_day_after_the_last_usable_day(db, world):
    earn(world.acme, 300, D(2026, 1, 1), D(2026, 6, 30))
    assert points.expire_all(D(2026, 6, 30)) == []
    posted = points.expire_all(D(2026, 7, 1))
    assert [(e.kind, e.points, e.occurred_on) for e in posted] == [("expire", -300, D(2026, 7, 1))]
    assert points.expire_all(D(2026, 7, 2)) == []
    assert ledger.balance(world.acme.id, D(2026, 7, 2)).available == 0


def test_redemption_consumes_the_oldest_expiring_points_first(db, world):
    late = earn(world.acme, 100, D(2026, 1, 1), D(2026, 12, 31))
    early = earn(world.acme, 100, D(2026, 2, 1), D(2026, 3, 31))
    redemptions.request_redemption(world.acme, world.item, actor=world.admin, on=D(2026, 3, 1))
    allocated = dict(
        db.session.execute(
            select(PointsAllocation.lot_id, func.sum(PointsAllocation.points)).group_by(
                PointsAllocation.lot_id
            )
        ).all()
    )
    assert {k: int(v) for k, v in allocated.items()} == {early.id: 100}
    assert points.expire_all(D(2026, 4, 1)) == []  # the early lot was used, nothing to expire
    assert ledger.balance(world.acme.id, D(2026, 4, 1)).available == late.points


def test_redemption_exactly_equal_to_the_balance_leaves_zero_and_one_more_is_refused(db, world):
    earn(world.acme, 200, D(2026, 1, 1), D(2027, 1, 1))
    redemptions.request_redemption(
        world.acme, world.item, actor=world.admin, quantity=2, on=D(2026, 1, 2)
    )
    assert ledger.balance(world.acme.id, D(2026, 1, 2)).available == 0
    with pytest.raises(RewardsError, match="needs 100 points; 0 are available"):
        redemptions.request_redemption(world.acme, world.item, actor=world.admin, on=D(2026, 1, 2))


def test_return_after_redemption_leaves_a_debt_the_next_earning_pays_first(db, world):
    earn(world.acme, 100, D(2026, 1, 1), D(2026, 12, 31))
    r = redemptions.request_redemption(world.acme, world.item, actor=world.admin, on=D(2026, 1, 5))
    redemptions.approve_redemption(r, actor=world.manager, on=D(2026, 1, 6))
    earn(world.acme, -40, D(2026, 1, 7), D(2026, 1, 7))  # the sale was returned
    assert ledger.balance(world.acme.id, D(2026, 1, 7)).available == -40
    lot = earn(world.acme, 100, D(2026, 2, 1), D(2026, 3, 1))
    assert ledger.balance(world.acme.id, D(2026, 2, 1)).available == 60
    expired = points.expire_all(D(2026, 3, 2))
    assert [e.points for e in expired] == [-60]  # only what the debt did not take expires
    assert ledger.lot_remaining(world.acme.id) == []
    assert lot.points == 100


def test_rejection_releases_the_hold_and_approval_spends_it(db, world):
    earn(world.acme, 300, D(2026, 1, 1), D(2027, 1, 1))
    first = redemptions.request_redemption(world.acme, world.item, actor=world.admin)
    second = redemptions.request_redemption(world.acme, world.item, actor=world.admin)
    redemptions.reject_redemption(first, actor=world.manager, reason="out of season")
    redemptions.approve_redemption(second, actor=world.finance)
    today = points.utcnow().date()
    result = ledger.balance(world.acme.id, today)
    assert (result.available, result.held) == (200, 0)
    kinds = db.session.scalars(
        select(PointsEntry.kind)
        .where(PointsEntry.redemption_id.is_not(None))
        .order_by(PointsEntry.id)
    ).all()
    assert kinds == ["hold", "hold", "release", "release", "redeem"]
    with pytest.raises(RewardsError, match="already approved"):
        redemptions.reject_redemption(second, actor=world.finance, reason="double click")


def test_stock_is_reserved_at_request_and_returned_on_rejection(db, world):
    world.item.stock = 1
    earn(world.acme, 500, D(2026, 1, 1), D(2027, 1, 1))
    r = redemptions.request_redemption(world.acme, world.item, actor=world.admin)
    assert world.item.stock == 0
    with pytest.raises(RewardsError, match="Only 0 of MUG left"):
        redemptions.request_redemption(world.acme, world.item, actor=world.admin)
    redemptions.reject_redemption(r, actor=world.manager, reason="no")
    assert world.item.stock == 1


def test_adjustments_need_a_reason_and_negative_ones_consume_fifo(db, world):
    earn(world.acme, 100, D(2026, 1, 1), D(2026, 6, 1))
    with pytest.raises(RewardsError):
        points.adjust(world.acme, 10, actor=world.finance, reason=" ")
    points.adjust(
        world.acme, -30, actor=world.finance, reason="goodwill reversal", on=D(2026, 2, 1)
    )
    assert ledger.balance(world.acme.id, D(2026, 2, 1)).available == 70
    assert [e.points for e in points.expire_all(D(2026, 6, 2))] == [-70]


def test_the_ledger_is_append_only_entries_are_never_updated(db, world):
    lot = earn(world.acme, 100, D(2026, 1, 1), D(2027, 1, 1))
    r = redemptions.request_redemption(world.acme, world.item, actor=world.admin)
    redemptions.reject_redemption(r, actor=world.manager, reason="no")
    db.session.refresh(lot)
    assert (lot.points, lot.kind) == (100, "earn")
    assert db.session.scalar(select(func.count()).select_from(PointsEntry)) == 3


def test_catalog_items_are_saved_by_finance_with_checks(db, world):
    from workflows.rewards import catalog

    with pytest.raises(RewardsError, match="path on this site"):
        catalog.save_item(
            actor=world.finance, code="X", name="X", points_cost=5, image_url="https://evil/x.png"
        )
    with pytest.raises(RewardsError, match="greater than zero"):
        catalog.save_item(actor=world.finance, code="X", name="X", points_cost=0)
    item = catalog.save_item(
        actor=world.finance, code="MUG", name="Mug", points_cost=150, stock=2, image_url="/s/m.png"
    )
    assert (item.id, item.points_cost, item.stock) == (world.item.id, 150, 2)
