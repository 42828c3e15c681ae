"""Points pages: balance with filters, catalog request, decisions; scoping by guessed ids."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal.models import Redemption, RewardItem
from tests.conftest import csrf_token

from .conftest import earn


def test_partner_sees_own_balance_and_filtered_ledger(client, login, world):
    earn(world.acme, 500, date(2026, 1, 1), date(2099, 1, 1))
    earn(world.acme, -20, date(2026, 2, 1), date(2026, 2, 1))
    login(world.user)
    page = client.get("/points/").get_data(as_text=True)
    assert 'data-testid="available">480<' in page
    filtered = client.get("/points/?kind=earn&since=2026-01-15").get_data(as_text=True)
    assert "-20" in filtered and ">500<" not in filtered
    assert client.get(f"/points/partners/{world.other.id}").status_code == 404
    assert client.get("/points/partners/abc").status_code == 404


def test_manager_sees_subtree_only(client, login, world):
    login(world.outsider_manager)
    assert client.get(f"/points/partners/{world.acme.id}").status_code == 404
    assert client.get(f"/points/partners/{world.other.id}").status_code == 200
    listing = client.get("/points/").get_data(as_text=True)
    assert "OTHER" in listing and "ACME" not in listing


def test_request_then_decide_through_the_pages(client, login, db, world):
    earn(world.acme, 500, date(2026, 1, 1), date(2099, 1, 1))
    login(world.admin)
    token = csrf_token(client, "/points/catalog")
    response = client.post(
        f"/points/catalog/{world.item.id}/redeem", data={"csrf_token": token, "quantity": "2"}
    )
    assert response.status_code == 302
    redemption = db.session.scalar(select(Redemption))
    assert (redemption.points, redemption.status) == (200, "requested")
    assert (
        client.post(
            f"/points/redemptions/{redemption.id}/approve", data={"csrf_token": token}
        ).status_code
        == 403
    )
    client.post("/logout", data={"csrf_token": token})
    login(world.outsider_manager)
    token = csrf_token(client, "/points/redemptions")
    assert (
        client.post(
            f"/points/redemptions/{redemption.id}/approve", data={"csrf_token": token}
        ).status_code
        == 404
    )
    assert "MUG" not in client.get("/points/redemptions").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": token})
    login(world.manager)
    token = csrf_token(client, "/points/redemptions")
    client.post(f"/points/redemptions/{redemption.id}/approve", data={"csrf_token": token})
    db.session.refresh(redemption)
    assert redemption.status == "approved"


def test_refused_request_is_a_message_not_an_error(client, login, world):
    login(world.admin)
    token = csrf_token(client, "/points/catalog")
    response = client.post(
        f"/points/catalog/{world.item.id}/redeem",
        data={"csrf_token": token, "quantity": "1"},
        follow_redirects=True,
    )
    assert "needs 100 points; 0 are available" in response.get_data(as_text=True)


def test_finance_manages_the_catalog_and_partners_cannot(client, login, db, world):
    login(world.user)
    token = csrf_token(client, "/points/catalog")
    data = {"csrf_token": token, "code": "CAP", "name": "Cap", "points_cost": "40", "stock": "3"}
    assert client.post("/points/catalog", data=data).status_code == 403
    client.post("/logout", data={"csrf_token": token})
    login(world.finance)
    data["csrf_token"] = csrf_token(client, "/points/catalog")
    client.post("/points/catalog", data={**data, "active": "y"})
    item = db.session.scalar(select(RewardItem).where(RewardItem.code == "CAP"))
    assert (item.points_cost, item.stock, item.active) == (40, 3, True)
    client.post("/points/catalog", data={**data, "points_cost": "55"})  # unticked: inactive
    db.session.refresh(item)
    assert (item.points_cost, item.active) == (55, False)
