"""`portal worker` runs jobs in its own process, each in a fresh app context; a job that overruns
its timeout fails without taking the worker down; a forked process never shares a connection."""

from __future__ import annotations

import os
import warnings

import pytest
from rq import Queue
from rq.job import JobStatus
from sqlalchemy import text

from portal.extensions import db

pytestmark = pytest.mark.worker


def test_jobs_share_the_worker_process_but_not_their_app_context(app, redis, worker):
    queue = Queue("default", connection=redis)
    first = queue.enqueue("tests.worker_probe.leave_a_mark")
    second = queue.enqueue("tests.worker_probe.leave_a_mark")
    assert worker().returncode == 0
    one, two = first.latest_result().return_value, second.latest_result().return_value
    assert one["pid"] == two["pid"]  # no work horse per job
    assert one["seen"] is None
    assert two["seen"] is None  # g (and the session) ended with the first job


def test_a_job_past_its_timeout_fails_and_the_worker_goes_on(app, redis, worker):
    queue = Queue("default", connection=redis)
    slow = queue.enqueue("tests.worker_probe.overrun", 30, job_timeout=1)
    after = queue.enqueue("tests.worker_probe.leave_a_mark")
    assert worker().returncode == 0
    assert slow.get_status(refresh=True) == JobStatus.FAILED
    assert "JobTimeoutException" in slow.latest_result().exc_string
    assert after.get_status(refresh=True) == JobStatus.FINISHED


@pytest.mark.postgres
def test_a_forked_child_opens_its_own_connection_and_leaves_the_parents_alone(app):
    def backend() -> int:
        with db.engine.connect() as conn:
            return conn.execute(text("SELECT pg_backend_pid()")).scalar_one()

    with app.app_context():
        db.engine.dispose()  # an empty pool, so the next connection is the only one in it
        parent = backend()  # now pooled: the child inherits it
        read, write = os.pipe()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads (3.12+)
            child = os.fork()
        if child == 0:  # pragma: no cover - the child reports through the pipe
            try:
                os.write(write, str(backend()).encode())
            finally:
                os._exit(0)
        os.close(write)
        os.waitpid(child, 0)
        in_child = int(os.read(read, 64) or 0)
        os.close(read)
        assert in_child not in (0, parent)
        assert backend() == parent  # still the same live connection
