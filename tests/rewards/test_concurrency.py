"""Two redemption requests racing on PostgreSQL: real threads, real connections, real commits."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from portal.extensions import db as _db
from portal.models import Partner, PointsEntry, RewardItem, User
from workflows.rewards import ledger, redemptions
from workflows.rewards.errors import RewardsError

from .conftest import build_world, earn


@pytest.mark.postgres
def test_racing_requests_never_take_the_balance_below_zero(app, make_committed, committed_db):
    world = build_world(make_committed, committed_db.session)
    earn(world.acme, 150, date(2026, 1, 1), date(2099, 1, 1))  # room for one item of 100
    # Four different items, so nothing but the ledger lock stands between the requests.
    items = [world.item] + [
        RewardItem(code=f"ITEM-{n}", name=f"Item {n}", points_cost=100) for n in range(3)
    ]
    committed_db.session.add_all(items)
    committed_db.session.commit()
    partner_id, admin_id = world.acme.id, world.admin.id
    item_ids = [item.id for item in items]
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def request(item_id: int):
        with app.app_context():
            try:
                partner = _db.session.get(Partner, partner_id)
                item = _db.session.get(RewardItem, item_id)
                actor = _db.session.get(User, admin_id)
                barrier.wait(timeout=10)
                redemptions.request_redemption(partner, item, actor=actor)
                _db.session.commit()
                outcomes.append("held")
            except RewardsError:
                _db.session.rollback()
                outcomes.append("refused")
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=request, args=(item_id,)) for item_id in item_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["held", "refused", "refused", "refused"]
    committed_db.session.expire_all()
    held = committed_db.session.scalar(
        select(func.sum(PointsEntry.points)).where(PointsEntry.kind == "hold")
    )
    assert int(held) == -100
    assert ledger.balance(partner_id, date.today()).available == 50


@pytest.mark.postgres
def test_two_batches_built_at_once_never_share_a_line(app, make_committed, committed_db, redis):
    from tests.banking.accounts import pay_to
    from tests.calc.conftest import build_scenario, execute_inline, load_program
    from tests.calc.test_scenarios import AFTER_Q3, EMEA_VOLUME, Q3
    from workflows.calc import runs, settlement
    from workflows.payables import batches
    from workflows.payables.errors import PayablesError

    s = build_scenario(make_committed)
    program = load_program(EMEA_VOLUME, s.finance)
    make_committed.sale(s.goldie, s.switch, "1000", sold_on=date(2025, 7, 2), currency="USD")
    run = runs.start_run(program, Q3, kind="settlement", actor=s.finance, on=AFTER_Q3)
    committed_db.session.commit()
    settlement.approve_run(execute_inline(run.id), actor=s.finance_2)
    settlement.close_period(program, Q3, actor=s.finance)
    pay_to(s.goldie)
    committed_db.session.commit()
    barrier, outcomes = threading.Barrier(2), []

    def build(user_id: int):
        with app.app_context():
            try:
                actor = _db.session.get(User, user_id)
                barrier.wait(timeout=10)
                batches.build_batches(actor=actor)
                _db.session.commit()
                outcomes.append("built")
            except PayablesError:
                _db.session.rollback()
                outcomes.append("refused")
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=build, args=(u,)) for u in (s.finance.id, s.finance_2.id)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["built", "refused"]
    committed_db.session.expire_all()
    lines = committed_db.session.scalars(select(batches.PayoutBatchLine)).all()
    assert len(lines) == 1
