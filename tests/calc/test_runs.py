"""The run lifecycle as services: start, refusals, shards, idempotent completion, the sweeper."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update

from portal.models import (
    AuditEvent,
    CalcPartial,
    CalcResult,
    CalcRun,
    CalcShard,
    SaleLine,
    utcnow,
)
from portal.security import Forbidden
from tests.calc.conftest import execute_inline, load_program, results_by_code
from tests.calc.test_scenarios import AFTER_Q3, EMEA_VOLUME, GROUP_NETWORKING, Q3
from workflows.calc import jobs, runs, writers
from workflows.calc.compute import compute_shard
from workflows.calc.errors import CalcError
from workflows.engine import parse_period


@pytest.fixture
def program(scenario):
    return load_program(EMEA_VOLUME, scenario.finance)


def _actions(db) -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_a_run_goes_from_queued_to_done_with_totals_and_an_audit_trail(
    db, redis, make, scenario, program
):
    for partner, amount in ((scenario.mover, "12000"), (scenario.goldie, "250.5")):
        make.sale(partner, scenario.switch, amount, sold_on=date(2025, 7, 2), currency="USD")
    run = runs.start_run(program, None, actor=scenario.finance, shards=2)
    assert (run.status, run.period_label, run.shards_total, run.kind) == (
        "queued",
        "2025-Q3",
        2,
        "accrual",
    )
    assert db.session.scalar(select(func.count()).where(CalcShard.run_id == run.id)) == 2
    done = execute_inline(run.id)
    assert (done.status, done.shards_done, done.payee_count) == ("done", 2, 2)
    assert str(done.total_amount) == "242.5100"  # 240.00 + 2.505 rounded half-up to 2.51
    assert done.started_at is not None and done.finished_at is not None
    assert _actions(db)[-2:] == ["calc.run.start", "calc.run.done"]


def test_a_run_of_one_shard_is_finished_by_its_shard_job_and_larger_ones_by_the_fan_in(
    db, redis, make, scenario, program
):
    make.sale(scenario.mover, scenario.switch, "12000", sold_on=date(2025, 7, 2), currency="USD")
    single = runs.start_run(program, None, actor=scenario.finance, shards=1)
    assert jobs.execute_shard(single.id, 0) == "done"
    db.session.refresh(single)
    assert (single.status, single.payee_count, str(single.total_amount)) == ("done", 1, "240.0000")
    assert jobs.execute_fan_in(single.id) == "already finished"

    double = runs.start_run(program, None, actor=scenario.finance, shards=2)
    jobs.execute_shard(double.id, 0)
    jobs.execute_shard(double.id, 1)
    db.session.refresh(double)
    assert (double.status, double.shards_done) == ("running", 2)  # waits for its fan-in job
    assert jobs.execute_fan_in(double.id) == "done"
    db.session.refresh(double)
    assert (double.status, str(double.total_amount)) == ("done", "240.0000")


def test_shard_count_follows_the_lines_in_the_period(db, app, make, scenario, program):
    for day in range(1, 6):
        make.sale(scenario.mover, scenario.switch, "1", sold_on=date(2025, 7, day), currency="USD")
    make.sale(scenario.mover, scenario.switch, "1", sold_on=date(2025, 10, 1), currency="USD")
    app.config.update(CALC_LINES_PER_SHARD=2, CALC_MAX_SHARDS=8)
    try:
        assert runs.start_run(program, None, actor=scenario.finance).shards_total == 3
        app.config.update(CALC_MAX_SHARDS=2)
        assert runs.start_run(program, None, actor=scenario.finance).shards_total == 2
    finally:
        app.config.update(CALC_LINES_PER_SHARD=20_000_000, CALC_MAX_SHARDS=8)


def test_a_table_that_fits_one_shard_is_one_shard(db, app, make, scenario, program):
    """The id range bounds the line count: a table no bigger than a shard needs no count."""
    for day in range(1, 4):
        make.sale(scenario.mover, scenario.switch, "1", sold_on=date(2025, 7, day), currency="USD")
    low, high = db.session.execute(select(func.min(SaleLine.id), func.max(SaleLine.id))).one()
    in_q3 = db.session.scalar(
        select(func.count()).where(SaleLine.sold_on.between(Q3.start, Q3.end))
    )
    try:
        app.config.update(CALC_LINES_PER_SHARD=high - low + 1)
        assert runs.start_run(program, None, actor=scenario.finance).shards_total == 1
        app.config.update(CALC_LINES_PER_SHARD=1)  # now the period's lines are counted
        assert runs.start_run(program, None, actor=scenario.finance).shards_total == min(in_q3, 8)
    finally:
        app.config.update(CALC_LINES_PER_SHARD=20_000_000)


@pytest.mark.parametrize(
    ("kind", "on", "message"),
    [
        ("settlement", date(2025, 9, 30), "needs a period that has ended"),
        ("accrual", date(2025, 6, 30), "needs a period that has started"),
    ],
)
def test_settlement_after_the_period_accrual_once_it_started(
    db, scenario, program, kind, on, message
):
    with pytest.raises(CalcError, match=message):
        runs.start_run(program, Q3, kind=kind, actor=scenario.finance, on=on)
    assert runs.start_run(program, Q3, kind="accrual", actor=scenario.finance, on=date(2025, 8, 1))
    assert runs.start_run(program, Q3, kind="settlement", actor=scenario.finance, on=AFTER_Q3)


def test_program_without_fixed_period_needs_one_and_loyalty_is_not_run_here(db, scenario):
    open_ended = load_program(EMEA_VOLUME.replace("period: 2025-Q3\n", ""), scenario.finance)
    with pytest.raises(CalcError, match="has no fixed period"):
        runs.start_run(open_ended, None, actor=scenario.finance)
    assert runs.start_run(open_ended, parse_period("2025-07"), actor=scenario.finance)
    loyalty = load_program(
        "{code: PTS, name: Points, kind: loyalty, currency: USD, period: 2025-Q3,"
        " points_per_unit: 1, expires_after_days: 365}",
        scenario.finance,
    )
    with pytest.raises(CalcError, match="Loyalty programs are not calculated by runs"):
        runs.start_run(loyalty, None, actor=scenario.finance)


def test_partners_and_managers_cannot_start_runs(db, make, scenario, program):
    partner_user = make.user("partner_user", partner=scenario.mover)
    with pytest.raises(Forbidden):
        runs.start_run(program, None, actor=partner_user)


def test_a_slow_duplicate_of_a_shard_never_writes_a_second_set_of_lines(
    db, redis, make, scenario, program
):
    make.sale(scenario.mover, scenario.switch, "500", sold_on=date(2025, 7, 2), currency="USD")
    run = runs.start_run(program, None, actor=scenario.finance, shards=1)
    slow = runs.claim_shard(run.id, 0, "slow-worker")
    outcome = compute_shard(db.session, runs.run_scope(run.id))
    # Its heartbeat looks stale: the sweeper hands the shard to another worker, which finishes.
    found = runs.sweep_stale(timedelta(0), max_attempts=3, job_waiting=lambda *_: False)
    assert found.shards == {run.id: [(0, 1)]}
    jobs.execute_shard(run.id, 0)
    # The slow worker comes back and tries to write: the shard is done, nothing is written.
    assert slow is not None and runs.complete_shard(run.id, 0, outcome) is False
    lines = db.session.scalar(select(func.count()).where(CalcResult.run_id == run.id))
    assert lines == 1
    assert db.session.get(CalcRun, run.id).shards_done == 1


def test_replacing_a_shards_lines_twice_leaves_one_set(db, make, scenario, program):
    make.sale(scenario.mover, scenario.switch, "500", sold_on=date(2025, 7, 2), currency="USD")
    run = runs.start_run(program, None, actor=scenario.finance, shards=1)
    outcome = compute_shard(db.session, runs.run_scope(run.id))
    writers.replace_shard_results(run.id, 0, outcome)
    writers.replace_shard_results(run.id, 0, outcome)
    assert db.session.scalar(select(func.count()).where(CalcResult.run_id == run.id)) == 1


def _age_heartbeat(db, run_id: int, minutes: int = 10) -> None:
    db.session.execute(
        update(CalcShard)
        .where(CalcShard.run_id == run_id)
        .values(heartbeat_at=utcnow() - timedelta(minutes=minutes))
    )


def test_sweeper_requeues_stale_shards_and_fails_the_run_after_max_attempts(db, scenario, program):
    run = runs.start_run(program, None, actor=scenario.finance, shards=1)
    sweep = runs.sweep_stale
    for attempt in (1, 2, 3):
        assert runs.claim_shard(run.id, 0, "doomed") is not None
        assert (
            sweep(timedelta(minutes=5), max_attempts=3, job_waiting=lambda *_: False).shards == {}
        )
        _age_heartbeat(db, run.id)
        found = sweep(timedelta(minutes=5), max_attempts=3, job_waiting=lambda *_: False)
        if attempt < 3:
            assert found.shards == {run.id: [(0, attempt)]}
    assert found.failed == [run.id] and found.shards == {}
    failed = db.session.get(CalcRun, run.id)
    db.session.refresh(failed)
    assert failed.status == "failed" and "stopped responding" in failed.error
    assert "calc.run.failed" in _actions(db)


def test_sweeper_requeues_a_queued_shard_only_when_its_job_is_gone(db, scenario, program):
    run = runs.start_run(program, None, actor=scenario.finance, shards=2)
    db.session.execute(update(CalcShard).values(enqueued_at=utcnow() - timedelta(minutes=10)))
    found = runs.sweep_stale(
        timedelta(minutes=5), max_attempts=3, job_waiting=lambda run_id, shard, _a: shard == 0
    )
    assert found.shards == {run.id: [(1, 0)]}


def test_sweeper_finds_runs_whose_fan_in_was_lost(db, scenario, program):
    run = runs.start_run(program, None, actor=scenario.finance, shards=1)
    runs.claim_shard(run.id, 0, "worker")
    outcome = compute_shard(db.session, runs.run_scope(run.id))
    assert runs.complete_shard(run.id, 0, outcome) is True  # ...and the worker died right here
    found = runs.sweep_stale(timedelta(minutes=5), max_attempts=3, job_waiting=lambda *_: True)
    assert found.fan_ins == [run.id]
    assert runs.finish_run(run.id) is True
    assert runs.finish_run(run.id) is False  # a second fan-in changes nothing


def test_a_failing_shard_fails_the_run_and_reraises(db, redis, make, scenario):
    program = load_program(
        GROUP_NETWORKING % {"mode": "retroactive", "extra": ""}, scenario.finance
    )
    run = runs.start_run(program, None, actor=scenario.finance, shards=1)
    db.session.execute(update(CalcRun).where(CalcRun.id == run.id).values(line_watermark=-1))
    version = run.program_version
    version.spec = {**version.spec, "tiers": None}  # corrupt on purpose: a rebate without tiers
    db.session.flush()
    with pytest.raises(Exception, match="tiers"):
        jobs.execute_shard(run.id, 0)
    failed = db.session.get(CalcRun, run.id)
    assert failed.status == "failed" and "tiers" in failed.error
    assert results_by_code(run.id) == {}


@pytest.mark.parametrize(
    ("lowest", "highest", "shards", "expected"),
    [
        (1, 10, 1, [(None, None)]),
        (1, 10, 2, [(1, 5), (6, 10)]),
        (1, 10, 3, [(1, 4), (5, 8), (9, 10)]),
        (7, 7, 3, [(7, 7), (8, 7), (9, 7)]),  # more shards than lines: the extra ones are empty
        (1, 0, 2, [(1, 0), (2, 0)]),  # an empty table
    ],
)
def test_line_ranges_cover_the_ids_exactly_once(lowest, highest, shards, expected):
    ranges = runs.line_ranges(lowest, highest, shards)
    assert ranges == expected
    if shards > 1:
        covered = [i for first, last in ranges for i in range(first, last + 1)]
        assert covered == list(range(lowest, highest + 1))


def test_each_shard_of_a_larger_run_sums_its_own_line_range_into_partials(
    db, redis, make, scenario, program
):
    for day, partner, amount in ((2, scenario.mover, "12000"), (3, scenario.goldie, "250.5")):
        make.sale(partner, scenario.switch, amount, sold_on=date(2025, 7, day), currency="USD")
    make.sale(scenario.mover, scenario.switch, "100", sold_on=date(2025, 7, 4), currency="USD")
    low, high = db.session.execute(select(func.min(SaleLine.id), func.max(SaleLine.id))).one()
    run = runs.start_run(program, None, actor=scenario.finance, shards=2)
    ranges = db.session.execute(
        select(CalcShard.first_line_id, CalcShard.last_line_id)
        .where(CalcShard.run_id == run.id)
        .order_by(CalcShard.shard)
    ).all()
    assert [tuple(r) for r in ranges] == runs.line_ranges(low, high, 2)
    jobs.execute_shard(run.id, 0)
    jobs.execute_shard(run.id, 1)
    # The shards wrote partial sums only; the fan-in has not applied any tier yet.
    assert db.session.scalar(select(func.count()).where(CalcResult.run_id == run.id)) == 0
    partials = db.session.scalars(select(CalcPartial).where(CalcPartial.run_id == run.id)).all()
    assert sum(p.line_count for p in partials) == 3
    assert sum(p.total for p in partials) == (12000 + 250.5 + 100) * 10_000  # scaled integers
    assert jobs.execute_fan_in(run.id) == "done"
    assert jobs.execute_fan_in(run.id) == "already finished"
    done = db.session.get(CalcRun, run.id)
    db.session.refresh(done)
    # The mover's two lines sit in different shards and still reach one tier together.
    assert (done.status, done.payee_count, str(done.total_amount)) == ("done", 2, "244.5100")
    lines = dict(
        db.session.execute(
            select(CalcResult.payee_id, CalcResult.line_count).where(CalcResult.run_id == run.id)
        ).all()
    )
    assert lines == {scenario.mover.id: 2, scenario.goldie.id: 1}
    assert db.session.scalar(select(func.count()).where(CalcPartial.run_id == run.id)) == 0


def test_a_retried_line_range_shard_replaces_its_partials(db, make, scenario, program):
    make.sale(scenario.mover, scenario.switch, "500", sold_on=date(2025, 7, 2), currency="USD")
    make.sale(scenario.goldie, scenario.switch, "70", sold_on=date(2025, 7, 3), currency="USD")
    run = runs.start_run(program, None, actor=scenario.finance, shards=2)
    claim = runs.claim_shard(run.id, 0, "worker")
    outcome = compute_shard(db.session, runs.run_scope(run.id), claim.line_range)
    assert outcome.results == [] and outcome.partials
    writers.replace_shard_results(run.id, 0, outcome)
    writers.replace_shard_results(run.id, 0, outcome)
    rows = db.session.scalar(select(func.count()).where(CalcPartial.run_id == run.id))
    assert rows == len(outcome.partials)


def test_a_points_contest_is_always_one_shard(db, app, scenario):
    contest = load_program(
        "{code: PTS-RACE, name: Points race, kind: contest, currency: EUR, period: 2025-Q3,"
        " contest: {measure: points, qualify: {threshold: 100, top: 2}}}",
        scenario.finance,
    )
    assert runs.start_run(contest, None, actor=scenario.finance, shards=3).shards_total == 1
