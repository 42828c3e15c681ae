"""A periodic job keeps its chain alive: the chain's own run (no arguments) schedules the next,
whether it succeeded or failed; a run someone asked for (with arguments) leaves it alone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rq import Queue

from workflows.periodic import PERIODIC, periodic


def test_the_chains_own_runs_re_arm_it_and_explicit_runs_do_not(redis, test_context):
    ran = []

    def probe(as_of: str | None = None) -> str:
        ran.append(as_of)
        if len(ran) == 3:
            raise RuntimeError("the database went away")
        return "done"

    job = periodic("probe", every=timedelta(minutes=5))(probe)
    scheduled = Queue("default", connection=redis).scheduled_job_registry
    try:
        assert job("2026-01-31") == "done"
        assert scheduled.get_job_ids() == []
        assert job() == "done"
        with pytest.raises(RuntimeError):
            job()
        assert ran == ["2026-01-31", None, None]
        jobs = [Queue("default", connection=redis).fetch_job(i) for i in scheduled.get_job_ids()]
        assert [j.func_name for j in jobs] == [f"{__name__}.probe"] * 2
        assert all(j.id.startswith("periodic-probe-") for j in jobs)
    finally:
        PERIODIC.pop("probe")
