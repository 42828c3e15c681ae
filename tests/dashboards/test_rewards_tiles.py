"""Points and claims on the partner dashboard; claims and redemptions in the managers' queues."""

from __future__ import annotations

from decimal import Decimal

from portal.dashboards import manager
from portal.models import Claim, Program, RewardItem
from tests.dashboards.conftest import QUARTER, TODAY
from workflows.rewards.points import adjust
from workflows.rewards.redemptions import request_redemption


def test_points_tile_and_redemption_queue(world, make, db, login, request_context):
    admin = make.user("partner_admin", partner=world.acme, email="ada@acme.example")
    adjust(world.acme, 1200, actor=world.fiona, reason="welcome bonus")
    item = RewardItem(code="MUG", name="Mug", points_cost=500)
    db.session.add(item)
    db.session.flush()
    request_redemption(world.acme, item, actor=admin)
    db.session.flush()

    body = login(world.ann).get("/dashboard").get_data(as_text=True)
    assert 'data-balance="points"' in body
    assert ">700</a>" in body  # 1,200 − 500 held by the open request
    assert "1,200 expiring within 90 days" not in body
    assert "500 held by open redemption requests" in body

    queues = {q.endpoint: q for q in manager.queues(world.dora)}
    assert queues["rewards.redemption_list"].waiting == 1
    emea = {q.endpoint: q for q in manager.queues(world.emma)}
    assert emea["rewards.redemption_list"].waiting == 1  # EMEA contains DACH


def test_recent_claims_and_the_claims_queue(world, db, login, request_context):
    program = db.session.query(Program).one()
    for reference, status in (("INV-1", "submitted"), ("INV-2", "approved")):
        db.session.add(
            Claim(
                partner_id=world.acme.id,
                program_id=program.id,
                period_start=TODAY,
                period_end=TODAY,
                period_label=QUARTER,
                sale_reference=reference,
                sold_on=TODAY,
                amount=Decimal("150.00"),
                currency="USD",
                invoice_name="invoice.pdf",
                invoice_storage="x" * 16,
                invoice_type="application/pdf",
                invoice_size=100,
                status=status,
                submitted_by_id=world.ann.id,
            )
        )
    db.session.flush()
    body = login(world.ann).get("/dashboard").get_data(as_text=True)
    assert "INV-1" in body and "INV-2" in body and "$150.00" in body
    assert "Your statements" in body
    queues = {q.endpoint: q for q in manager.queues(world.dora)}
    assert queues["payables.claim_list"].waiting == 1  # only the one still to decide
    assert "deals.queue" not in {q.endpoint for q in manager.queues(world.fiona)}
