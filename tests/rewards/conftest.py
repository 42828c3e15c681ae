"""A small world for points: territories, two partners, users of every role, a catalog item."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from portal.models import RewardItem
from workflows.rewards import ledger


@dataclass
class World:
    acme: object
    other: object
    admin: object
    user: object
    other_admin: object
    manager: object
    outsider_manager: object
    finance: object
    finance_2: object
    item: object


def build_world(make, session) -> World:
    t = make.tree({"WORLD": None, "EMEA": "WORLD", "AMER": "WORLD"})
    acme = make.partner("ACME", t["EMEA"])
    other = make.partner("OTHER", t["AMER"])
    item = RewardItem(code="MUG", name="Mug", description="A mug", points_cost=100)
    session.add(item)
    session.flush()
    return World(
        acme=acme,
        other=other,
        admin=make.user("partner_admin", partner=acme, email="ada@acme.example"),
        user=make.user("partner_user", partner=acme, email="uma@acme.example"),
        other_admin=make.user("partner_admin", partner=other, email="olga@other.example"),
        manager=make.user("channel_manager", territories=[t["EMEA"]], email="max@example.com"),
        outsider_manager=make.user(
            "channel_manager", territories=[t["AMER"]], email="amy@example.com"
        ),
        finance=make.user("finance", email="fiona@example.com"),
        finance_2=make.user("finance", email="felix@example.com"),
        item=item,
    )


@pytest.fixture
def world(make, db) -> World:
    return build_world(make, db.session)


def earn(partner, points: int, sold_on: date, expires_on: date, tag: str = ""):
    """Post an earn lot directly (the loyalty posting is tested separately)."""
    ledger.lock_partner(partner.id)
    return ledger.post(
        partner.id,
        "earn",
        points,
        on=sold_on,
        source=f"test-earn:{partner.id}:{sold_on}:{points}:{tag}",
        expires_on=expires_on if points > 0 else None,
    )
