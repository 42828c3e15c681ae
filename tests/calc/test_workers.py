"""Runs executed by real `portal worker` processes against real Redis: one worker or two give the
same lines; a worker SIGKILLed mid-shard or a Redis that lost its queue leaves exactly one
complete set of lines once the sweeper has re-enqueued the work."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import date, timedelta

import pytest
from rq import Worker
from sqlalchemy import create_engine, func, select, text

from portal.models import CalcResult, CalcRun, CalcShard
from tests.calc.conftest import build_scenario, load_program, results_by_code, worker_env
from tests.calc.test_scenarios import AFTER_Q3, GROUP_NETWORKING, Q3
from workflows import enqueue
from workflows.calc import jobs, runs
from workflows.calc.compute import compute_shard
from workflows.engine.numbers import plain_decimal

pytestmark = pytest.mark.worker


@pytest.fixture
def busy_quarter(committed_db, make_committed):
    """Twelve partners (one group of three: ten payees) selling switches in EUR and USD."""
    make = make_committed
    s = build_scenario(make)
    partners = [s.group, s.branch_1, s.branch_2, s.mover, s.goldie]
    for index in range(7):
        partners.append(make.partner(f"SOLO-{index}", s.t["FR"], "gold"))
    for index, partner in enumerate(partners):
        for month in (7, 8, 9):
            amount = f"{(index + 1) * 1234 + month}.{index:02d}"
            currency = "EUR" if (index + month) % 2 else "USD"
            make.sale(partner, s.switch, amount, sold_on=date(2025, month, 10), currency=currency)
    program = load_program(GROUP_NETWORKING % {"mode": "marginal", "extra": ""}, s.finance)
    committed_db.session.commit()
    return s, program


def start(program, scenario, shards: int) -> int:
    run = runs.start_run(
        program, Q3, kind="settlement", actor=scenario.finance, shards=shards, on=AFTER_Q3
    )
    from portal.extensions import db

    run_id = run.id
    db.session.commit()  # and no new transaction: on SQLite it would pin a snapshot
    enqueue.calc_run(run_id, shards)
    return run_id


def status_of(run_id: int) -> CalcRun:
    from portal.extensions import db

    db.session.rollback()
    return db.session.get(CalcRun, run_id)


def test_one_real_worker_runs_every_shard_and_the_fan_in(busy_quarter, redis, worker):
    scenario, program = busy_quarter
    run_id = start(program, scenario, shards=4)
    done = worker()
    assert done.returncode == 0, done.stderr
    run = status_of(run_id)
    assert (run.status, run.shards_done, run.payee_count) == ("done", 4, 10)
    assert len(results_by_code(run_id)) == 10


def test_two_workers_at_once_give_the_lines_one_worker_gives(busy_quarter, redis, worker, spawned):
    from portal.extensions import db

    scenario, program = busy_quarter
    alone = start(program, scenario, shards=1)
    assert worker().returncode == 0
    workers = [spawned("worker"), spawned("worker")]
    wait_until(lambda: len(Worker.all(connection=redis)) == 2, "both workers listening")
    together = start(program, scenario, shards=6)
    wait_until(lambda: status_of(together).finished, "the run to finish")
    assert status_of(together).status == "done"
    assert results_by_code(together) == results_by_code(alone)
    claimed = db.session.scalars(select(CalcShard.claimed_by).where(CalcShard.run_id == together))
    assert {int(name.split(":")[1]) for name in claimed} == {w.pid for w in workers}


def wait_until(condition, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def _waiting_on_lock(engine) -> bool:
    with engine.connect() as conn:
        return bool(
            conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE wait_event_type = 'Lock' AND datname = current_database()"
                )
            ).scalar()
        )


@pytest.mark.postgres
def test_a_worker_killed_mid_shard_leaves_one_complete_set_after_the_sweeper(
    app, busy_quarter, redis, worker, spawned
):
    from portal.extensions import db

    scenario, program = busy_quarter
    run_id = start(program, scenario, shards=2)
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    blocker = engine.connect()
    blocking = blocker.begin()
    # The shard's aggregate reads fx_rates: with the table locked, the shard claims its row, then
    # waits inside the computation — mid-shard — until we kill its worker.
    blocker.execute(text("LOCK TABLE fx_rates IN ACCESS EXCLUSIVE MODE"))
    try:
        victim = spawned("worker", "--burst")
        deadline = time.monotonic() + 60
        while not _waiting_on_lock(engine):
            assert time.monotonic() < deadline, "the shard never reached the computation"
            time.sleep(0.1)
        shard = db.session.scalars(select(CalcShard).where(CalcShard.status == "running")).one()
        assert int(shard.claimed_by.rsplit(":", 1)[1]) == victim.pid  # the job runs in-process
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait(timeout=10)
    finally:
        blocking.rollback()
        blocker.close()
        engine.dispose()
    db.session.rollback()
    assert status_of(run_id).status == "running"
    assert db.session.scalar(select(func.count()).where(CalcResult.run_id == run_id)) in (0, 1, 2)

    found = jobs.sweep_now(older_than=timedelta(0))  # its heartbeat stopped with the worker
    assert found.shards == {run_id: [(shard.shard, 1)]}
    done = worker()
    assert done.returncode == 0, done.stderr
    run = status_of(run_id)
    assert (run.status, run.shards_done) == ("done", 2)
    expected = compute_shard(db.session, runs.run_scope(run_id))
    db.session.rollback()
    payees = db.session.scalars(select(CalcResult.payee_id).where(CalcResult.run_id == run_id))
    assert sorted(payees) == sorted(int(r.payee_key) for r in expected.results)


def test_a_redis_that_lost_its_queue_is_refilled_by_the_sweeper(busy_quarter, redis, worker):
    scenario, program = busy_quarter
    run_id = start(program, scenario, shards=3)
    # What a Redis restart without persistence does to RQ: every queue and job is gone. (Not
    # flushdb: that would also drop the key that reserves this Redis database for this session.)
    redis.delete(*redis.keys("rq:*"))
    assert worker().returncode == 0
    assert status_of(run_id).status == "queued"
    found = jobs.sweep_now(older_than=timedelta(0))
    assert found.shards == {run_id: [(0, 0), (1, 0), (2, 0)]}
    assert worker().returncode == 0
    run = status_of(run_id)
    run = status_of(run_id)
    assert (run.status, run.payee_count) == ("done", 10)


def test_cli_run_waits_for_the_workers_and_prints_the_run_id(busy_quarter, redis, spawned):
    scenario, program = busy_quarter
    spawned("worker")
    cli = spawned(
        "calc",
        "run",
        program.code,
        "--period",
        "2025-Q3",
        "--settlement",
        "--wait",
        "--as",
        scenario.finance.email,
    )
    out, err = cli.communicate(timeout=120)
    assert cli.returncode == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("run_id=")
    run = status_of(int(lines[0].removeprefix("run_id=")))
    assert run.status == "done" and run.kind == "settlement"
    assert lines[1] == (
        f"status=done payees=10 total={plain_decimal(run.total_amount, 2)} currency=USD"
        " unusable_lines=0"
    )


def closed_redis_url() -> str:
    """A Redis address nothing listens on: what the command meets while Redis is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


def spawn_without_redis(app, *args: str) -> subprocess.Popen:
    """A `portal ...` process on the test database whose Redis is unreachable."""
    return subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "portal.cli", *args],
        env=dict(worker_env(app), TEST_REDIS_URL=closed_redis_url()),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def test_cli_wait_follows_a_run_redis_refused_until_the_sweeper_and_a_worker_finish_it(
    app, busy_quarter, redis, worker
):
    scenario, program = busy_quarter
    code, email = program.code, scenario.finance.email
    cli = spawn_without_redis(
        app, "calc", "run", code, "--period", "2025-Q3", "--settlement", "--shards", "2",
        "--wait", "--timeout", "120", "--as", email,
    )  # fmt: skip
    try:
        run_id = int(cli.stdout.readline().strip().removeprefix("run_id="))
        waiting = ""
        while "could not be queued" not in waiting and cli.poll() is None:
            waiting = cli.stderr.readline()  # other lines: logs about Redis being unreachable
        assert f"run {run_id} is recorded but could not be queued" in waiting
        assert "waiting for a worker's sweeper" in waiting
        time.sleep(1)
        assert cli.poll() is None, "--wait gave up while the run was still queued"
        assert status_of(run_id).status == "queued"
        # Redis is reachable again: the sweeper finds shards without a job and queues them, a
        # real worker runs them, and the waiting command reports the outcome.
        found = jobs.sweep_now(older_than=timedelta(0))
        assert found.shards == {run_id: [(0, 0), (1, 0)]}
        assert worker().returncode == 0
        out, err = cli.communicate(timeout=60)
    finally:
        if cli.poll() is None:
            cli.kill()
            cli.communicate()
    assert cli.returncode == 0, err
    run = status_of(run_id)
    assert (run.status, run.payee_count) == ("done", 10)
    assert out == (
        f"status=done payees=10 total={plain_decimal(run.total_amount, 2)} currency=USD"
        " unusable_lines=0\n"
    )


def test_cli_wait_gives_up_after_its_timeout_and_exits_non_zero(app, busy_quarter, redis):
    scenario, program = busy_quarter
    cli = spawn_without_redis(
        app, "calc", "run", program.code, "--period", "2025-Q3", "--settlement",
        "--wait", "--timeout", "2", "--as", scenario.finance.email,
    )  # fmt: skip
    out, err = cli.communicate(timeout=60)
    run_id = int(out.strip().removeprefix("run_id="))
    assert cli.returncode == 1
    assert f"run {run_id} still queued after 2 s" in err
    assert status_of(run_id).status == "queued"  # still there for the sweeper


def test_cli_run_without_wait_says_the_run_is_recorded_when_redis_is_down(app, busy_quarter, redis):
    scenario, program = busy_quarter
    cli = spawn_without_redis(
        app, "calc", "run", program.code, "--period", "2025-Q3", "--as", scenario.finance.email
    )
    out, err = cli.communicate(timeout=60)
    run_id = int(out.strip().removeprefix("run_id="))
    assert cli.returncode == 1
    assert "the sweeper queues it again once Redis is reachable" in err
    assert status_of(run_id).status == "queued"
