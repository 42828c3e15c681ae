"""The RQ worker the `portal worker` command runs: RQ's worker plus our periodic jobs."""

from __future__ import annotations

from rq import Worker
from sqlalchemy.orm import configure_mappers

from workflows import jobs as _jobs  # noqa: F401 - registers periodic jobs and task handlers
from workflows.periodic import ensure_scheduled

# Configure the ORM once here: otherwise every forked work horse configures every mapper again
# on its first query (~150 ms per job, measured by benchmarks/calc_run.py).
configure_mappers()


class PortalWorker(Worker):
    """Re-arms the periodic job chains at start-up and on every maintenance pass."""

    def run_maintenance_tasks(self):
        super().run_maintenance_tasks()
        ensure_scheduled(self.connection)
