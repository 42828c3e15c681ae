"""The only caller of Queue.enqueue. Call these after the data a job needs is committed."""

from __future__ import annotations

import uuid
from datetime import date

from flask import current_app
from rq import Queue, Retry

from portal.foundation.outbox import take_pending
from portal.foundation.redis_conn import get_redis


def queue(name: str = "default") -> Queue:
    return Queue(name, connection=get_redis())


def run_task(task_id: int, attempt: int = 0) -> None:
    """Queue the job that executes a committed Task row."""
    queue().enqueue(
        "workflows.jobs.run_task",
        task_id,
        job_id=f"task-{task_id}-{attempt}",
        job_timeout=current_app.config["RQ_JOB_TIMEOUT"],
        result_ttl=24 * 3600,
        failure_ttl=7 * 24 * 3600,
        retry=Retry(max=2, interval=[5, 30]),
    )


def pending_mail() -> None:
    """Queue delivery of the e-mails this session stored (call right after commit)."""
    for message_id in take_pending():
        send_mail(message_id)


def send_mail(message_id: int) -> None:
    queue().enqueue(
        "workflows.jobs.send_mail",
        message_id,
        job_id=f"mail-{message_id}-{uuid.uuid4().hex[:8]}",
        job_timeout=120,
        result_ttl=3600,
        failure_ttl=7 * 24 * 3600,
        retry=Retry(max=3, interval=[30, 300, 1800]),
    )


def password_reset(email: str, *, locale: str | None, ip: str | None) -> None:
    """Queue the job that e-mails a reset link when `email` belongs to an active account."""
    queue().enqueue(
        "portal.auth.jobs.send_password_reset",
        email,
        locale,
        ip,
        job_id=f"password-reset-{uuid.uuid4().hex}",
        job_timeout=120,
        result_ttl=600,
        failure_ttl=7 * 24 * 3600,
        retry=Retry(max=3, interval=[10, 60, 300]),
    )


def expire_deals(as_of: date) -> None:
    """Run the deal expiry pass for `as_of` now (the daily chain runs it for today)."""
    queue().enqueue(
        "workflows.jobs.expire_deals",
        as_of.isoformat(),
        job_id=f"expire-deals-{as_of.isoformat()}-{uuid.uuid4().hex[:8]}",
        job_timeout=1800,
        result_ttl=24 * 3600,
        failure_ttl=7 * 24 * 3600,
    )


def post_points(as_of: date) -> None:
    """Run the daily loyalty posting pass for `as_of` now (the daily chain runs it for today)."""
    queue().enqueue(
        "workflows.rewards.jobs.post_points",
        as_of.isoformat(),
        job_id=f"post-points-{as_of.isoformat()}-{uuid.uuid4().hex[:8]}",
        job_timeout=current_app.config["RQ_JOB_TIMEOUT"],
        result_ttl=24 * 3600,
        failure_ttl=7 * 24 * 3600,
    )


def calc_shard_job_id(run_id: int, shard: int, attempt: int) -> str:
    return f"calc-{run_id}-shard-{shard}-{attempt}"


def calc_shards(run_id: int, shards: list[tuple[int, int]]) -> None:
    """Queue (shard, attempt) jobs of a committed calculation run, in one round trip."""
    timeout = current_app.config["CALC_JOB_TIMEOUT"]
    queue().enqueue_many(
        [
            Queue.prepare_data(
                "workflows.calc.jobs.run_shard",
                args=(run_id, shard),
                job_id=calc_shard_job_id(run_id, shard, attempt),
                timeout=timeout,
                result_ttl=24 * 3600,
                failure_ttl=7 * 24 * 3600,
            )
            for shard, attempt in shards
        ]
    )


def calc_run(run_id: int, shards_total: int) -> None:
    """Queue every shard of a freshly started run."""
    calc_shards(run_id, [(shard, 0) for shard in range(shards_total)])


def calc_fan_in(run_id: int) -> None:
    """Queue the job that totals a run whose shards are all done (a repeat is harmless)."""
    queue().enqueue(
        "workflows.calc.jobs.finish_run",
        run_id,
        job_id=f"calc-{run_id}-fan-in",
        job_timeout=current_app.config["CALC_JOB_TIMEOUT"],
        result_ttl=24 * 3600,
        failure_ttl=7 * 24 * 3600,
    )


def refresh_sales_rollup(months=None) -> None:
    """Rebuild the dashboards' monthly sales roll-up after a committed sales or partners import:
    only the months a sales import left to rebuild, when it could tell."""
    queue().enqueue(
        "workflows.jobs.refresh_sales_rollup",
        True,
        None if months is None else sorted(month.isoformat() for month in months),
        job_id=f"sales-rollup-{uuid.uuid4().hex[:12]}",
        job_timeout=1800,
        result_ttl=3600,
        failure_ttl=7 * 24 * 3600,
        retry=Retry(max=2, interval=[10, 60]),
    )


def webhook_deliveries(delivery_ids: list[int]) -> None:
    """Queue one attempt per committed webhook delivery (the job does nothing if not due)."""
    queue().enqueue_many(
        [
            Queue.prepare_data(
                "workflows.webhooks.jobs.deliver",
                args=(delivery_id,),
                job_id=f"webhook-{delivery_id}-{uuid.uuid4().hex[:8]}",
                timeout=120,
                result_ttl=3600,
                failure_ttl=7 * 24 * 3600,
            )
            for delivery_id in delivery_ids
        ]
    )
