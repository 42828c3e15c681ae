"""The RQ worker the `portal worker` command runs: jobs in the worker's own process, plus our
periodic jobs.

RQ's default worker forks a work horse per job. For this portal's jobs — short, database-bound,
each in its own transactions — that fork was the largest cost after the SQL itself: a new
process, new database connections, every statement compiled afresh, the ORM's caches empty
(≈ 50 ms of a 0.25 s calculation run, benchmarks/calc_run.py). So the worker runs each job in
its own process (RQ's SimpleWorker) and keeps what outlives a job: the connection pool, the
compiled-statement cache. What must not outlive a job does not: each job gets a fresh app
context (and with it a fresh database session, removed when the job ends), and a job that
overruns its timeout is stopped by RQ's alarm as before. A worker killed mid-job (SIGKILL,
a lost machine) leaves the job to the sweepers, exactly as a killed work horse did.
"""

from __future__ import annotations

import gc

from flask import current_app
from rq import SimpleWorker
from sqlalchemy.orm import configure_mappers

from workflows import jobs as _jobs  # noqa: F401 - registers periodic jobs and task handlers
from workflows.periodic import ensure_scheduled

# Configure every mapper once, before the first job, not inside it.
configure_mappers()


class PortalWorker(SimpleWorker):
    """Runs jobs in-process, each in a fresh app context; re-arms the periodic job chains at
    start-up and on every maintenance pass."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.app = current_app._get_current_object()

    def work(self, *args, **kwargs):
        # Everything loaded so far (app, ORM, modules) lives as long as the worker: keep it out
        # of the cyclic collector's scans, so a collection during a job looks only at what the
        # job allocated (a full one over the whole app took ~0.1 s mid-calculation).
        gc.collect()
        gc.freeze()
        return super().work(*args, **kwargs)

    def subscribe(self):
        """RQ's command channel (stop a job, shut down), read by redis-py's listener thread in
        waits of one second, not RQ's sixty: the thread notices it is told to stop only between
        two waits, and an unsubscribed channel sleeps through the whole wait, so with sixty
        every stop of the worker (the end of a burst, a SIGTERM) took up to a minute. A command
        still arrives the moment it is published."""
        self.log.info("Worker %s: subscribing to channel %s", self.name, self.pubsub_channel_name)
        self.pubsub = self.connection.pubsub()
        self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
        self.pubsub_thread = self.pubsub.run_in_thread(
            sleep_time=1, daemon=True, exception_handler=self._pubsub_exception_handler
        )

    def perform_job(self, *args, **kwargs):
        with self.app.app_context():
            return super().perform_job(*args, **kwargs)

    def run_maintenance_tasks(self):
        super().run_maintenance_tasks()
        ensure_scheduled(self.connection)
