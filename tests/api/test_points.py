"""Loyalty points through the API: balance and ledger, scoped like the pages."""

from __future__ import annotations

from datetime import date

from workflows.rewards.points import adjust


def test_balance_and_ledger_of_the_partners_own_points(api, world):
    adjust(world["acme"], 500, actor=world["finance"], reason="welcome", on=date(2026, 8, 1))
    adjust(world["acme"], -120, actor=world["finance"], reason="fix", on=date(2026, 8, 2))
    acme = api("acme_user")
    path = f"/partners/{world['acme'].id}/points"
    balance = acme.conforms(acme.get(f"{path}/balance?as_of=2026-08-15"), "PointsBalance")
    assert (balance["available"], balance["held"], balance["as_of"]) == (380, 0, "2026-08-15")
    first = acme.conforms(acme.get(f"{path}/ledger?limit=1"), "PointsEntryPage")
    assert [e["points"] for e in first["items"]] == [500] and first["next_cursor"]
    rest = acme.get(f"{path}/ledger", query_string={"cursor": first["next_cursor"]}).get_json()
    assert [e["points"] for e in rest["items"]] == [-120] and rest["next_cursor"] is None


def test_points_of_another_partner_are_404(api, world):
    adjust(world["beta"], 50, actor=world["finance"], reason="welcome")
    acme = api("acme_user")
    for suffix in ("balance", "ledger"):
        acme.error(acme.get(f"/partners/{world['beta'].id}/points/{suffix}"), 404, "not_found")
    finance = api("finance")
    assert finance.get(f"/partners/{world['beta'].id}/points/balance").status_code == 200
