"""Approvals and allocations racing on PostgreSQL: real threads, real connections, real commits.
The fund row lock makes them wait for each other, so a fund is never overcommitted."""

from __future__ import annotations

import threading
from collections import Counter
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.extensions import db as _db
from portal.models import MdfEntry, MdfFund, MdfRequest, Partner, User
from workflows.mdf import funds, ledger, requests
from workflows.mdf.errors import OverBudget

from .conftest import build_world, fund_acme, new_fund, propose

D = Decimal


def race(app, count: int, work) -> Counter:
    """Run `work(index)` in `count` threads released together; count what each ended with."""
    barrier = threading.Barrier(count)
    outcomes: Counter = Counter()
    lock = threading.Lock()

    def run(index: int):
        with app.app_context():
            try:
                barrier.wait(timeout=30)  # before touching the pool: every thread gets there
                work(index)
                _db.session.commit()
                outcome = "done"
            except OverBudget:
                _db.session.rollback()
                outcome = "over budget"
            except Exception as exc:  # anything else is a failure the assertions show
                _db.session.rollback()
                outcome = f"{type(exc).__name__}: {exc}"
            finally:
                _db.session.remove()
            with lock:
                outcomes[outcome] += 1

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


@pytest.mark.postgres
def test_fifty_simultaneous_approvals_never_overcommit_the_partner(
    app, make_committed, committed_db
):
    session = committed_db.session
    world = build_world(make_committed, session)
    fund = new_fund(world)
    fund_acme(world, fund, "1000.00")
    request_ids = [propose(world, fund, "30.00").id for _ in range(50)]
    session.commit()
    fund_id, acme_id = fund.id, world.acme.id
    approvers = [world.dach_manager.id, world.emea_manager.id]

    def approve(index: int):
        request = _db.session.get(MdfRequest, request_ids[index])
        actor = _db.session.get(User, approvers[index % 2])
        requests.approve_request(request, actor=actor)

    outcomes = race(app, 50, approve)
    assert outcomes == Counter({"done": 33, "over budget": 17})  # 33 × 30 = 990 of 1000
    session.expire_all()
    fund = session.get(MdfFund, fund_id)
    money = ledger.partner_figures(fund, session.get(Partner, acme_id))
    assert (money.committed, money.available) == (D("990.00"), D("10.00"))
    commitments = session.scalar(
        select(func.count(MdfEntry.id)).where(MdfEntry.kind == "commitment")
    )
    approved = session.scalar(
        select(func.count(MdfRequest.id)).where(MdfRequest.state == "approved")
    )
    assert commitments == approved == 33


@pytest.mark.postgres
def test_simultaneous_allocations_never_take_more_than_the_territory_holds(
    app, make_committed, committed_db
):
    session = committed_db.session
    world = build_world(make_committed, session)
    fund = new_fund(world)
    funds.allocate(fund, actor=world.finance, amount=D("100.00"), territory=world.t["EMEA"])
    funds.allocate(fund, actor=world.finance, amount=D("100.00"), territory=world.t["DACH"])
    session.commit()
    fund_id, manager_id, acme_id = fund.id, world.dach_manager.id, world.acme.id

    def allocate(index: int):
        funds.allocate(
            _db.session.get(MdfFund, fund_id),
            actor=_db.session.get(User, manager_id),
            amount=D("15.00"),
            partner=_db.session.get(Partner, acme_id),
        )

    outcomes = race(app, 20, allocate)
    assert outcomes == Counter({"done": 6, "over budget": 14})  # 6 × 15 = 90 of 100
    session.expire_all()
    dach = ledger.territory_holder(world.t["DACH"].id)
    assert ledger.available(fund_id, dach) == D("10.00")
    assert ledger.available(fund_id, ledger.partner_holder(acme_id)) == D("90.00")
