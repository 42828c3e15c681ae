"""The points ledger in the partner's words: named earnings, one row per redemption with its
state, translated filters; and a partner user who may not redeem learns whom to ask."""

from __future__ import annotations

import re
from datetime import date

from flask_babel import force_locale
from sqlalchemy import event, select

from portal.models import PointsEntry, Program
from portal.rewards.presenters import ledger_rows
from tests.conftest import csrf_token
from workflows.rewards import ledger, redemptions

from .conftest import earn


def _program(db) -> Program:
    program = Program(code="PTS", name="Partner points", kind="loyalty")
    db.session.add(program)
    db.session.flush()
    return program


def _history(db, world):
    """Earned, returned and expired points, and three redemptions: open, approved, rejected."""
    program = _program(db)
    ledger.lock_partner(world.acme.id)
    for points, day in ((900, date(2026, 11, 4)), (-50, date(2026, 11, 20))):
        ledger.post(
            world.acme.id,
            "earn",
            points,
            on=day,
            source=f"earn:{program.id}:{world.acme.id}:{day}:0",
            program_id=program.id,
            expires_on=date(2099, 1, 1) if points > 0 else None,
        )
    earn(world.acme, 30, date(2025, 1, 1), date(2025, 12, 31), tag="old")
    ledger.expire_partner(world.acme.id, date(2026, 12, 1))
    asked = [
        redemptions.request_redemption(world.acme, world.item, actor=world.admin, quantity=q)
        for q in (1, 2, 1)
    ]
    redemptions.approve_redemption(asked[1], actor=world.manager)
    redemptions.reject_redemption(asked[2], actor=world.manager, reason="Out of stock")
    db.session.commit()
    return asked


def _cells(page: str) -> list[str]:
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", page, flags=re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in rows]


def test_the_ledger_names_every_row_and_shows_one_row_per_redemption(client, login, db, world):
    asked = _history(db, world)
    login(world.user)
    page = client.get("/points/").get_data(as_text=True)
    rows = _cells(page)
    assert "hold:" not in page and "earn:" not in page and "redeem:" not in page
    assert any("Earned in November 2026: Partner points 900" in r for r in rows), rows
    assert any("Returns or corrected sales in November 2026: Partner points -50" in r for r in rows)
    assert any("Expired: points not used by Dec 31, 2025 -30" in r for r in rows), rows
    redeemed = [r for r in rows if "Redeemed:" in r]
    assert len(redeemed) == 3  # not nine hold / release / redeem rows
    assert any("Redeemed: Mug awaiting approval -100" in r for r in redeemed), redeemed
    assert any("Redeemed: 2 × Mug approved -200" in r for r in redeemed), redeemed
    assert any("Redeemed: Mug rejected, points returned 0" in r for r in redeemed), redeemed
    assert len(asked) == 3

    only = _cells(client.get("/points/?kind=redeem").get_data(as_text=True))
    assert sum("Redeemed:" in r for r in only) == 3 and not any("Earned" in r for r in only)
    assert '<option value="redeem">redemption</option>' in page
    assert '<option value="hold">' not in page and '<option value="release">' not in page


def test_the_ledger_names_are_resolved_per_page_not_per_row(app, db, world):
    _history(db, world)
    entries = db.session.scalars(
        select(PointsEntry).where(PointsEntry.partner_id == world.acme.id)
    ).all()
    statements = []

    def count(*_args):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        with app.test_request_context("/"), force_locale("de"):
            rows = ledger_rows(entries)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == 3  # programs, redemption totals, redemptions with their items
    assert len(rows) == len(entries)


def test_a_partner_user_who_may_not_redeem_learns_whom_to_ask(client, login, world):
    login(world.user)
    page = client.get("/points/catalog").get_data(as_text=True)
    assert "Only your organisation's partner admins can request rewards" in page
    assert "ada@acme.example" in page and "olga@other.example" not in page
    assert f'action="/points/catalog/{world.item.id}/redeem"' not in page
    client.post("/logout", data={"csrf_token": csrf_token(client, "/points/catalog")})
    login(world.admin)
    own = client.get("/points/catalog").get_data(as_text=True)
    assert "who-may-redeem" not in own
    assert f'action="/points/catalog/{world.item.id}/redeem"' in own
