"""Who may request, decide, adjust and see: partners their own ledger, managers their subtree."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal.models import PointsEntry, Redemption, RewardItem
from portal.security import Forbidden, visible_to
from workflows.rewards import points, redemptions

from .conftest import earn


def test_only_partner_admins_request_and_only_for_their_own_partner(db, world):
    earn(world.other, 500, date(2026, 1, 1), date(2027, 1, 1))
    with pytest.raises(Forbidden):
        redemptions.request_redemption(world.other, world.item, actor=world.user)
    with pytest.raises(Forbidden):
        redemptions.request_redemption(world.other, world.item, actor=world.admin)
    assert redemptions.request_redemption(world.other, world.item, actor=world.other_admin).id


def test_managers_decide_only_inside_their_subtree_and_partners_never(db, world):
    earn(world.acme, 500, date(2026, 1, 1), date(2027, 1, 1))
    r = redemptions.request_redemption(world.acme, world.item, actor=world.admin)
    for refused in (world.outsider_manager, world.admin, world.user):
        with pytest.raises(Forbidden):
            redemptions.approve_redemption(r, actor=refused)
    assert redemptions.approve_redemption(r, actor=world.manager).status == "approved"


def test_only_finance_adjusts(db, world):
    for refused in (world.manager, world.admin):
        with pytest.raises(Forbidden):
            points.adjust(world.acme, 10, actor=refused, reason="because")


def test_ledger_and_redemptions_are_scoped_per_partner_and_subtree(db, world):
    earn(world.acme, 500, date(2026, 1, 1), date(2027, 1, 1))
    earn(world.other, 500, date(2026, 1, 1), date(2027, 1, 1))
    redemptions.request_redemption(world.acme, world.item, actor=world.admin)
    redemptions.request_redemption(world.other, world.item, actor=world.other_admin)

    def partners_seen(model, user):
        return set(db.session.scalars(visible_to(select(model.partner_id), user, model)))

    for model in (PointsEntry, Redemption):
        assert partners_seen(model, world.user) == {world.acme.id}
        assert partners_seen(model, world.other_admin) == {world.other.id}
        assert partners_seen(model, world.manager) == {world.acme.id}
        assert partners_seen(model, world.finance) == {world.acme.id, world.other.id}
    assert partners_seen(Redemption, world.outsider_manager) == {world.other.id}


def test_inactive_catalog_items_are_hidden_from_partners_not_finance(db, world):
    db.session.add(RewardItem(code="OLD", name="Old", points_cost=5, active=False))
    db.session.flush()

    def codes(user):
        return set(db.session.scalars(visible_to(select(RewardItem.code), user, RewardItem)))

    assert codes(world.user) == {"MUG"}
    assert codes(world.finance) == {"MUG", "OLD"}
