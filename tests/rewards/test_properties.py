"""Ledger invariants as properties: balance = sum of entries, redemptions never take the balance
below zero, expiry consumes FIFO exactly like a plain reference model."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from portal.models import PointsEntry
from tests.calc.conftest import rolled_back_session
from tests.factories import Factory
from workflows.rewards import ledger, points, redemptions
from workflows.rewards.errors import RewardsError

from .conftest import build_world, earn

START = date(2026, 1, 1)
step = st.one_of(
    st.tuples(st.just("earn"), st.integers(1, 400), st.integers(0, 60)),
    st.tuples(st.just("redeem"), st.integers(1, 4), st.just(0)),
    st.tuples(st.just("return"), st.integers(1, 200), st.just(0)),
)


def reference_available(lots: list[list], debt: int, day: date) -> int:
    return sum(left for expires, left in lots if expires >= day) - debt


def reference_consume(lots: list[list], points_: int, day: date) -> int:
    """Plain FIFO over [expires_on, left] sorted by expiry; returns what found no lot."""
    for lot in sorted(lots, key=lambda lot: lot[0]):
        if lot[0] < day or points_ == 0:
            continue
        take = min(lot[1], points_)
        lot[1] -= take
        points_ -= take
    return points_


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(step, min_size=1, max_size=12))
def test_ledger_matches_a_plain_fifo_reference(app, steps):
    with rolled_back_session() as session:
        world = build_world(Factory(session), session)
        lots: list[list] = []  # [expires_on, left] in posting order
        debt = 0
        for index, (kind, value, life) in enumerate(steps):
            day = START + timedelta(days=index * 7)
            if kind == "earn":
                expires = day + timedelta(days=life)
                earn(world.acme, value, day, expires, tag=str(index))
                lots.append([expires, value])
                paid = min(debt, value)
                lots[-1][1] -= paid
                debt -= paid
            elif kind == "return":
                earn(world.acme, -value, day, day, tag=str(index))
                debt += reference_consume(lots, value, day)
            else:
                wanted = value * world.item.points_cost
                before = ledger.balance(world.acme.id, day).available
                try:
                    redemptions.request_redemption(
                        world.acme, world.item, actor=world.admin, quantity=value, on=day
                    )
                except RewardsError:
                    assert wanted > before
                else:
                    assert wanted <= before
                    assert reference_consume(lots, wanted, day) == 0
                    assert ledger.balance(world.acme.id, day).available >= 0
            result = ledger.balance(world.acme.id, day)
            assert result.available == reference_available(lots, debt, day)
        last = START + timedelta(days=len(steps) * 7 + 400)
        points.expire_all(last)
        total = session.scalar(
            select(func.coalesce(func.sum(PointsEntry.points), 0)).where(
                PointsEntry.partner_id == world.acme.id
            )
        )
        assert int(total) == ledger.balance(world.acme.id, last).available == -debt
