"""Loyalty posting without the command line: finance's button starts a Task a real worker runs,
and the daily job posts every loyalty program's due periods. Posting is set-based, idempotent,
posts only differences, keeps the FIFO allocations, and two postings at once never double post."""

from __future__ import annotations

import re
import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from portal.extensions import db as _db
from portal.models import AuditEvent, PointsEntry, Program, Task, User, utcnow
from portal.programs.services import save_program
from tests.calc.test_scenarios import EMEA_VOLUME
from tests.conftest import csrf_token
from workflows import enqueue
from workflows import jobs as _all_jobs  # noqa: F401 - registers every periodic job
from workflows.calc import settlement
from workflows.calc.errors import CalcError
from workflows.engine import parse_period
from workflows.periodic import PERIODIC
from workflows.rewards import earnings, ledger, redemptions

from ..factories import PASSWORD
from .conftest import build_world

Q3_PROGRAM = """
code: PTS
name: Partner points
kind: loyalty
currency: EUR
period: {start: 2026-07-01, end: 2026-09-30}
points_per_unit: 0.5
expires_after_days: 30
"""
OPEN_PROGRAM = """
code: OPEN
name: Open-ended points
kind: loyalty
currency: EUR
points_per_unit: 1
expires_after_days: 365
"""
Q3 = parse_period("2026-Q3")


def _earn_entries(session, program_id=None):
    stmt = select(PointsEntry.partner_id, PointsEntry.occurred_on, PointsEntry.points).where(
        PointsEntry.kind == "earn"
    )
    if program_id is not None:
        stmt = stmt.where(PointsEntry.program_id == program_id)
    return sorted(session.execute(stmt).all())


def _sales_world(make, session):
    world = build_world(make, session)
    make.fx("EUR", "1.10", date(2026, 1, 1))
    switch = make.product("SW", make.category("NET"))
    make.sale(world.acme, switch, "10.90", sold_on=date(2026, 8, 1))  # 5 points
    make.sale(world.acme, switch, "20.00", sold_on=date(2026, 8, 1))  # 10 points
    make.sale(world.other, switch, "8.00", sold_on=date(2026, 8, 2))  # 4 points
    return world, switch


def _sign_in(app, user):
    client = app.test_client()
    response = client.post(
        "/login",
        data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 302
    return client


def _press(client, program_id: int, period: str):
    token = csrf_token(client, f"/programs/{program_id}")
    return client.post(
        f"/points/programs/{program_id}/post", data={"csrf_token": token, "period": period}
    )


def _task_id(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(r"/points/postings/(\d+)$", response.headers["Location"]).group(1))


@pytest.mark.worker
def test_finance_posts_points_from_the_program_page_through_a_worker(
    app, committed_db, make_committed, redis, worker
):
    world, switch = _sales_world(make_committed, committed_db.session)
    program, _, _ = save_program(Q3_PROGRAM, actor=world.finance)
    committed_db.session.commit()
    client = _sign_in(app, world.finance)
    detail = client.get(f"/programs/{program.id}").get_data(as_text=True)
    assert "Post points for period" in detail and 'value="2026-Q3"' in detail

    task_id = _task_id(_press(client, program.id, "2026-Q3"))
    waiting = client.get(f"/points/postings/{task_id}").get_data(as_text=True)
    assert f'data-poll="/points/postings/{task_id}/status.json"' in waiting
    queued = client.get(f"/points/postings/{task_id}/status.json").json
    assert queued["finished"] is False and queued["message"] == "Waiting for a worker to start…"

    done = worker()
    assert done.returncode == 0, done.stderr
    committed_db.session.rollback()  # end the read transaction: see what the worker wrote
    task = committed_db.session.get(Task, task_id)
    assert (task.kind, task.status, task.progress_done, task.progress_total) == (
        "points_post",
        "done",
        2,
        2,
    )
    assert _earn_entries(committed_db.session) == [
        (world.acme.id, date(2026, 8, 1), 15),
        (world.other.id, date(2026, 8, 2), 4),
    ]
    status = client.get(f"/points/postings/{task_id}/status.json").json
    assert (status["finished"], status["percent"]) == (True, 100)
    page = client.get(f"/points/postings/{task_id}").get_data(as_text=True)
    assert "Done: 2 ledger entries posted." in page
    assert 'data-testid="partners">2<' in page and 'data-testid="points">19<' in page
    actions = committed_db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("points.post%"))
    ).all()
    assert sorted(actions) == ["points.post", "points.post.request"]

    # Pressing again posts nothing; a late line then posts only its own points.
    again = _task_id(_press(client, program.id, "2026-Q3"))
    assert worker().returncode == 0
    committed_db.session.rollback()  # pages share this session: no stale SQLite snapshot
    page = client.get(f"/points/postings/{again}").get_data(as_text=True)
    assert "Done: nothing to post, the ledger already matches the sales." in page
    make_committed.sale(world.acme, switch, "4.00", sold_on=date(2026, 8, 1))  # 2 points
    committed_db.session.commit()
    late = _task_id(_press(client, program.id, "2026-Q3"))
    assert worker().returncode == 0
    committed_db.session.rollback()
    assert "Done: 1 ledger entry posted." in client.get(f"/points/postings/{late}").get_data(
        as_text=True
    )
    committed_db.session.rollback()
    assert _earn_entries(committed_db.session) == [
        (world.acme.id, date(2026, 8, 1), 2),
        (world.acme.id, date(2026, 8, 1), 15),
        (world.other.id, date(2026, 8, 2), 4),
    ]


def test_the_button_is_for_finance_and_loyalty_programs_only(client, login, db, make, world):
    rebate, _, _ = save_program(EMEA_VOLUME, actor=world.finance)
    loyalty, _, _ = save_program(Q3_PROGRAM, actor=world.finance)
    login(world.manager)
    token = csrf_token(client, "/points/")
    response = client.post(
        f"/points/programs/{loyalty.id}/post", data={"csrf_token": token, "period": "2026-Q3"}
    )
    assert response.status_code == 403
    client.post("/logout", data={"csrf_token": token})

    login(world.finance)
    assert "Post points for period" not in client.get(f"/programs/{rebate.id}").get_data(
        as_text=True
    )
    refused = _press(client, rebate.id, "2026-Q3")
    assert refused.headers["Location"].endswith(f"/programs/{rebate.id}")
    follow = client.get(refused.headers["Location"]).get_data(as_text=True)
    assert "EMEA-VOL is not a loyalty program." in follow
    bad = _press(client, loyalty.id, "2026-Q9")
    assert "quarters are Q1 to Q4" in client.get(bad.headers["Location"]).get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Task)) == 0
    assert client.get("/points/postings/999999").status_code == 404


def test_a_closed_period_is_not_posted(client, login, db, make, world):
    program, _, _ = save_program(Q3_PROGRAM, actor=world.finance)
    settlement.close_period(program, Q3, actor=world.finance)
    with pytest.raises(CalcError, match="is closed; reopen it first"):
        earnings.post_earnings(program, Q3, actor=world.finance)
    login(world.finance)
    refused = _press(client, program.id, "2026-08")
    assert "is closed; reopen it first" in client.get(refused.headers["Location"]).get_data(
        as_text=True
    )
    assert earnings.due_periods(program, date(2026, 8, 15), 7) == []


def test_set_based_posting_keeps_allocations_and_debts(db, make, world):
    """A return after a redemption leaves a debt; the next posted lot pays it first."""
    make.fx("EUR", "1.10", date(2026, 1, 1))
    switch = make.product("SW", make.category("NET"))
    program, _, _ = save_program(OPEN_PROGRAM, actor=world.finance)
    august = parse_period("2026-08")
    make.sale(world.acme, switch, "100", sold_on=date(2026, 8, 1))  # 100 points
    assert [e.points for e in earnings.post_earnings(program, august, actor=world.finance)] == [100]
    redemption = redemptions.request_redemption(world.acme, world.item, actor=world.admin)
    redemptions.approve_redemption(redemption, actor=world.manager)
    make.sale(world.acme, switch, "-30", sold_on=date(2026, 8, 3))  # a return: -30 points
    earnings.post_earnings(program, august, actor=world.finance)
    assert ledger.balance(world.acme.id, utcnow().date()).available == -30
    make.sale(world.acme, switch, "50", sold_on=date(2026, 8, 5))  # 50 points
    posted = earnings.post_earnings(program, august, actor=world.finance)
    assert [(e.occurred_on, e.points) for e in posted] == [(date(2026, 8, 5), 50)]
    # The new lot paid the 30-point debt first: 20 of its points are left.
    (lot, left), *_ = [(lot, n) for lot, n in ledger.lot_remaining(world.acme.id)]
    assert (lot.id, left) == (posted[0].id, 20)
    assert ledger.balance(world.acme.id, utcnow().date()).available == 20
    assert earnings.post_earnings(program, august, actor=world.finance) == []


def test_a_lower_restatement_posts_a_negative_difference(db, make, world):
    make.fx("EUR", "1.10", date(2026, 1, 1))
    switch = make.product("SW", make.category("NET"))
    program, _, _ = save_program(Q3_PROGRAM, actor=world.finance)
    line = make.sale(world.acme, switch, "30", sold_on=date(2026, 8, 1))  # 15 points
    earnings.post_earnings(program, Q3, actor=world.finance)
    line.amount = line.amount / 3  # the sale was restated: 5 points
    db.session.flush()
    (entry,) = earnings.post_earnings(program, Q3, actor=world.finance)
    assert (entry.points, entry.expires_on) == (-10, None)
    assert entry.source.endswith(":1")  # the second entry of this (partner, day)
    assert sum(p for *_, p in _earn_entries(db.session)) == 5


def test_daily_job_is_registered():
    job = PERIODIC["post_points"]
    assert (job.func, job.every.days) == ("workflows.rewards.jobs.post_points", 1)


def test_due_periods_of_fixed_and_open_programs(db, world):
    fixed, _, _ = save_program(Q3_PROGRAM, actor=world.finance)
    open_ended, _, _ = save_program(OPEN_PROGRAM, actor=world.finance)
    assert earnings.due_periods(fixed, date(2026, 6, 30), 7) == []
    assert earnings.due_periods(fixed, date(2026, 7, 1), 7) == [Q3]
    assert earnings.due_periods(fixed, date(2026, 10, 7), 7) == [Q3]
    assert earnings.due_periods(fixed, date(2026, 10, 8), 7) == []
    labels = [p.label for p in earnings.due_periods(open_ended, date(2026, 8, 3), 7)]
    assert labels == ["2026-07", "2026-08"]
    labels = [p.label for p in earnings.due_periods(open_ended, date(2026, 8, 8), 7)]
    assert labels == ["2026-08"]
    assert [p.label for p in earnings.due_periods(open_ended, date(2027, 1, 2), 7)] == [
        "2026-12",
        "2027-01",
    ]


@pytest.mark.worker
def test_daily_job_posts_every_loyalty_program_without_a_button(
    app, committed_db, make_committed, redis, worker
):
    world, switch = _sales_world(make_committed, committed_db.session)
    make_committed.sale(world.acme, switch, "7", sold_on=date(2026, 7, 31))  # late July line
    fixed, _, _ = save_program(Q3_PROGRAM, actor=world.finance)
    open_ended, _, _ = save_program(OPEN_PROGRAM, actor=world.finance)
    committed_db.session.commit()
    enqueue.post_points(date(2026, 8, 3))
    done = worker()
    assert done.returncode == 0, done.stderr
    committed_db.session.rollback()
    # Q3 as a whole for the fixed program; July (still in its first days) and August for the
    # open-ended one: 1 point per EUR (the program's currency), truncated per line.
    assert _earn_entries(committed_db.session, fixed.id) == [
        (world.acme.id, date(2026, 7, 31), 3),
        (world.acme.id, date(2026, 8, 1), 15),
        (world.other.id, date(2026, 8, 2), 4),
    ]
    assert _earn_entries(committed_db.session, open_ended.id) == [
        (world.acme.id, date(2026, 7, 31), 7),
        (world.acme.id, date(2026, 8, 1), 30),
        (world.other.id, date(2026, 8, 2), 8),
    ]
    system_posted = committed_db.session.scalars(
        select(PointsEntry.created_by_id).where(PointsEntry.kind == "earn").distinct()
    ).all()
    assert system_posted == [None]
    enqueue.post_points(date(2026, 8, 4))  # the next day: nothing new
    assert worker().returncode == 0
    committed_db.session.rollback()
    assert committed_db.session.scalar(select(func.count()).select_from(PointsEntry)) == 6


@pytest.mark.postgres
def test_two_postings_at_once_post_once(app, make_committed, committed_db):
    world, _ = _sales_world(make_committed, committed_db.session)
    program, _, _ = save_program(Q3_PROGRAM, actor=world.finance)
    committed_db.session.commit()
    program_id, user_ids = program.id, (world.finance.id, world.finance_2.id)
    barrier, outcomes = threading.Barrier(2), []

    def post(user_id: int):
        with app.app_context():
            try:
                actor = _db.session.get(User, user_id)
                found = _db.session.get(Program, program_id)
                barrier.wait(timeout=10)
                outcomes.append(len(earnings.post_earnings(found, Q3, actor=actor)))
                _db.session.commit()
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=post, args=(u,)) for u in user_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == [0, 2]
    committed_db.session.expire_all()
    assert _earn_entries(committed_db.session) == [
        (world.acme.id, date(2026, 8, 1), 15),
        (world.other.id, date(2026, 8, 2), 4),
    ]
