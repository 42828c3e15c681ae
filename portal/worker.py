"""The RQ worker the `portal worker` command runs: RQ's worker plus our periodic jobs."""

from __future__ import annotations

from rq import Worker

from workflows import jobs as _jobs  # noqa: F401 - registers periodic jobs and task handlers
from workflows.periodic import ensure_scheduled


class PortalWorker(Worker):
    """Re-arms the periodic job chains at start-up and on every maintenance pass."""

    def run_maintenance_tasks(self):
        super().run_maintenance_tasks()
        ensure_scheduled(self.connection)
