"""Jobs the worker tests enqueue, to see what a job can see of the jobs before it."""

from __future__ import annotations

import os
import time

from flask import g
from sqlalchemy import text

from portal.extensions import db


def leave_a_mark() -> dict:
    """Reports the process it ran in and what an earlier job left on `g`, then leaves a mark."""
    seen = getattr(g, "probe_mark", None)
    g.probe_mark = "left by an earlier job"
    db.session.execute(text("SELECT 1"))
    return {"pid": os.getpid(), "seen": seen}


def overrun(seconds: float) -> None:
    time.sleep(seconds)
