"""Loyalty earnings through the engine's loaders: trunc per line, returns negative, one entry per
(partner, sold_on), re-running posts nothing, a late line posts only the difference."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal.models import PointsEntry
from portal.programs.services import save_program
from workflows.engine import parse_period
from workflows.rewards import earnings, levels

LOYALTY = """
code: PTS
name: Points
kind: loyalty
currency: EUR
period: {start: 2026-07-01, end: 2026-09-30}
points_per_unit: 0.5
expires_after_days: 30
"""


def _entries(partner):
    return [(e.occurred_on, e.points, e.expires_on) for e in select_entries(partner)]


def select_entries(partner):
    from portal.extensions import db

    return db.session.scalars(
        select(PointsEntry).where(PointsEntry.partner_id == partner.id).order_by(PointsEntry.id)
    ).all()


def test_points_per_line_posted_per_day_and_idempotent(db, make, world):
    make.fx("EUR", "1.10", date(2026, 1, 1))
    net = make.category("NET")
    switch = make.product("SW", net)
    day = date(2026, 8, 1)
    make.sale(world.acme, switch, "10.90", sold_on=day)  # 5.45 → 5
    make.sale(world.acme, switch, "10.90", sold_on=day)  # 5 (trunc per line, not 10.9)
    make.sale(world.acme, switch, "-3.00", sold_on=date(2026, 8, 2))  # return: -1.5 → -1
    program, _, _ = save_program(LOYALTY, actor=world.finance)
    period = parse_period("2026-Q3")
    earnings.post_earnings(program, period, actor=world.finance)
    assert _entries(world.acme) == [
        (day, 10, date(2026, 8, 31)),
        (date(2026, 8, 2), -1, None),
    ]
    assert earnings.post_earnings(program, period, actor=world.finance) == []
    make.sale(world.acme, switch, "4.00", sold_on=day)  # a late line
    posted = earnings.post_earnings(program, period, actor=world.finance)
    assert [(e.occurred_on, e.points) for e in posted] == [(day, 2)]

    levels.set_level(program, "silver", "Silver", 10, actor=world.finance)
    levels.set_level(program, "gold", "Gold", 50, actor=world.finance)
    levels.recompute(date(2026, 9, 1))
    (progress,) = levels.progress_for(world.acme.id, date(2026, 9, 1))
    assert (progress.points, progress.level.code, progress.next_level.code) == (
        11,
        "silver",
        "gold",
    )
    assert progress.missing == 39
