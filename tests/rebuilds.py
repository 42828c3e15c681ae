"""A roll-up rebuild paused mid-way while another transaction writes: for the tests that show
how rebuilds and other writers of the sales data wait for each other (PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy import event

from portal.extensions import db
from workflows.rollups import refresh_sales_monthly


def write_during_rebuild(app, paused_after: str, write: Callable[[], object]) -> list[str]:
    """Rebuild the whole roll-up in one thread, paused right after its statement that starts
    with `paused_after`; meanwhile run `write` in another thread, and check that it cannot
    commit while the rebuild is paused. Then let the rebuild go on, wait for both, and return
    what failed in either (empty when both committed)."""
    paused, go_on, written = threading.Event(), threading.Event(), threading.Event()
    failures: list[str] = []

    def pause(conn, cursor, statement, *args):
        if threading.current_thread().name == "rebuild" and statement.startswith(paused_after):
            paused.set()
            go_on.wait(timeout=30)

    def work(job, done=None):
        with app.app_context():
            try:
                job()
                db.session.commit()
            except Exception as exc:  # the caller lists them
                failures.append(f"{type(exc).__name__}: {exc}")
            finally:
                db.session.remove()
                if done is not None:
                    done.set()

    event.listen(db.engine, "after_cursor_execute", pause)
    try:
        rebuild = threading.Thread(target=work, args=(refresh_sales_monthly,), name="rebuild")
        rebuild.start()
        assert paused.wait(timeout=30)
        writer = threading.Thread(target=work, args=(write, written))
        writer.start()
        if written.wait(timeout=1):  # it should wait for the rebuild's commit
            failures.append("the write committed while the rebuild was paused")
        go_on.set()
        rebuild.join(timeout=60)
        writer.join(timeout=60)
    finally:
        go_on.set()
        event.remove(db.engine, "after_cursor_execute", pause)
    return failures
