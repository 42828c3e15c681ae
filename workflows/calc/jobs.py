"""RQ entry points of a calculation run: shard jobs, the fan-in, and the periodic sweeper.

A run of one shard is finished by that shard's job (there is nothing to fan in); a run of
several shards is finished by one fan-in job, enqueued by whichever shard completes last.

Jobs take ids only, commit their own short transactions, record a failure on the rows and
re-raise it for RQ. Follow-up jobs are enqueued only after the commit that justifies them.
"""

from __future__ import annotations

import os
import socket
import threading
from datetime import timedelta

from flask import current_app
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from sqlalchemy import update

from portal.extensions import db
from portal.foundation.redis_conn import get_redis
from portal.models import CalcRun, CalcShard, utcnow
from workflows import enqueue, periodic

from . import runs
from .compute import compute_shard

WAITING = (JobStatus.QUEUED, JobStatus.DEFERRED, JobStatus.SCHEDULED)


def _worker_name() -> str:
    """host:pid — which worker process ran a shard (and what to kill to test a lost worker)."""
    return f"{socket.gethostname()}:{os.getpid()}"


class Heartbeat:
    """Touches the shard row every few seconds from a thread while the shard computes, so a
    sweeper can tell a long shard from one whose worker was killed."""

    def __init__(self, run_id: int, shard: int, every: float):
        self.engine = db.engine
        self.where = (
            CalcShard.run_id == run_id,
            CalcShard.shard == shard,
            CalcShard.status == "running",
        )
        self.every = every
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._beat, daemon=True)

    def _beat(self) -> None:
        while not self.stopped.wait(self.every):
            with self.engine.begin() as conn:
                conn.execute(update(CalcShard).where(*self.where).values(heartbeat_at=utcnow()))

    def __enter__(self) -> Heartbeat:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopped.set()
        self.thread.join()


def run_shard(run_id: int, shard: int) -> str:
    """RQ job: one shard of a run."""
    try:
        return execute_shard(run_id, shard)
    finally:
        db.session.remove()


def execute_shard(run_id: int, shard: int) -> str:
    """Compute one shard and replace its result lines: claim, compute read-only, then one write
    transaction; on failure record it on the shard and the run, then re-raise."""
    claim = runs.claim_shard(run_id, shard, _worker_name())
    db.session.commit()
    if claim is None:
        return "nothing to do"
    try:
        with Heartbeat(run_id, shard, current_app.config["CALC_HEARTBEAT_SECONDS"]):
            outcome = compute_shard(
                db.session,
                runs.run_scope(run_id),
                claim.line_range,
                unusable_cap=current_app.config["CALC_UNUSABLE_LIST_CAP"],
                work_mem=current_app.config["CALC_WORK_MEM"],
            )
            db.session.rollback()  # end the read-only transaction before writing
        last = runs.complete_shard(run_id, shard, outcome)
        if last and claim.shards_total == 1:
            # Nothing to fan in: the only shard totals the run in its own transaction.
            runs.finish_run(run_id)
            last = False
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        runs.fail_run(run_id, f"{type(exc).__name__}: {exc}", shard)
        db.session.commit()
        raise
    if last:
        enqueue.calc_fan_in(run_id)
    return "done"


def finish_run(run_id: int) -> str:
    """RQ job: the fan-in."""
    try:
        return execute_fan_in(run_id)
    finally:
        db.session.remove()


def execute_fan_in(run_id: int) -> str:
    """Total the run's lines and mark it done (a repeat finds it done already)."""
    try:
        finished = runs.finish_run(run_id)
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        runs.fail_run(run_id, f"{type(exc).__name__}: {exc}")
        db.session.commit()
        raise
    return "done" if finished else "already finished"


def execute_inline(run_id: int) -> None:
    """Every shard of the run, then its fan-in, in this process one after the other (the demo
    data; tests). A repeated fan-in finds the run finished and does nothing."""
    for shard in range(db.session.get(CalcRun, run_id).shards_total):
        execute_shard(run_id, shard)
    execute_fan_in(run_id)


def shard_job_waiting(run_id: int, shard: int, attempt: int) -> bool:
    """Is the shard's job still in Redis waiting to run? (Gone after a Redis restart.)"""
    job_id = enqueue.calc_shard_job_id(run_id, shard, attempt)
    try:
        return Job.fetch(job_id, connection=get_redis()).get_status() in WAITING
    except NoSuchJobError:
        return False


def sweep_now(older_than: timedelta | None = None) -> runs.Sweep:
    """Re-enqueue stale shards and lost fan-ins; commit first, enqueue after."""
    config = current_app.config
    if older_than is None:
        older_than = timedelta(seconds=config["CALC_STALE_AFTER_SECONDS"])
    found = runs.sweep_stale(
        older_than, max_attempts=config["CALC_MAX_ATTEMPTS"], job_waiting=shard_job_waiting
    )
    db.session.commit()
    for run_id, shards in found.shards.items():
        enqueue.calc_shards(run_id, shards)
    for run_id in found.fan_ins:
        enqueue.calc_fan_in(run_id)
    return found


@periodic.periodic("calc_sweep", every=timedelta(minutes=1))
def sweep() -> int:
    """Periodic: put the shards of runs whose worker died (stale heartbeat) back on the queue."""
    found = sweep_now()
    return sum(len(shards) for shards in found.shards.values()) + len(found.fan_ins)
