"""The RQ worker the `portal worker` command runs: RQ's worker plus our periodic jobs."""

from __future__ import annotations

import gc

from rq import Worker
from sqlalchemy.orm import configure_mappers

from workflows import jobs as _jobs  # noqa: F401 - registers periodic jobs and task handlers
from workflows.periodic import ensure_scheduled

# Configure the ORM once here: otherwise every forked work horse configures every mapper again
# on its first query (~150 ms per job, measured by benchmarks/calc_run.py).
configure_mappers()


class PortalWorker(Worker):
    """Re-arms the periodic job chains at start-up and on every maintenance pass."""

    def fork_work_horse(self, job, queue):
        # Everything the worker holds (app, ORM, imported modules) lives as long as it does:
        # freeze it out of the cyclic collector's reach before forking, so a collection in the
        # work horse scans only what its job allocated. A full collection over the whole app
        # took ~0.1 s in the middle of a calculation (benchmarks/calc_run.py, cProfile).
        gc.freeze()
        super().fork_work_horse(job, queue)

    def run_maintenance_tasks(self):
        super().run_maintenance_tasks()
        ensure_scheduled(self.connection)
