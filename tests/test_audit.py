"""The audit trail is append-only in practice: edits, deletions and truncation are detected."""

import pytest
from sqlalchemy import delete, select, text, update

from portal.foundation.audit import record_event, verify_chain
from portal.models import AuditEvent


@pytest.fixture
def trail(db, make):
    actor = make.user("admin")
    for n in range(5):
        record_event(actor, "test.event", ("thing", n), before={"n": n}, after={"n": n + 1})
    db.session.flush()
    return actor


def test_intact_trail_verifies(trail):
    count, problems = verify_chain()
    assert count >= 5 and problems == []


def test_each_event_links_to_the_previous_hash(db, trail):
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    for previous, current in zip(events, events[1:], strict=False):
        assert current.prev_hash == previous.hash


def test_edited_row_is_detected(db, trail):
    target = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()[2]
    db.session.execute(
        update(AuditEvent).where(AuditEvent.id == target.id).values(action="test.forged")
    )
    db.session.expire_all()
    _, problems = verify_chain()
    assert [p.event_id for p in problems] == [target.id]
    assert "edited" in problems[0].problem


def test_deleted_row_is_detected(db, trail):
    target = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()[2]
    db.session.execute(delete(AuditEvent).where(AuditEvent.id == target.id))
    db.session.expire_all()
    _, problems = verify_chain()
    assert any("broken" in p.problem for p in problems)


def test_truncated_tail_is_detected(db, trail):
    last = db.session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
    db.session.execute(delete(AuditEvent).where(AuditEvent.id == last))
    db.session.expire_all()
    _, problems = verify_chain()
    assert any("missing" in p.problem for p in problems)


def test_verify_cli_exit_codes(app, committed_db, make_committed):
    actor = make_committed.user("admin")
    record_event(actor, "test.event", ("thing", 1))
    committed_db.session.commit()
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["audit", "verify"])
    assert ok.exit_code == 0 and "intact" in ok.output
    committed_db.session.remove()  # the CLI shares this app context; end its read transaction
    with committed_db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET after = NULL, action = 'x'"))
    bad = runner.invoke(args=["audit", "verify"])
    assert bad.exit_code == 1 and "NOT intact" in bad.output


def test_audit_page_and_export_for_finance(login, make, trail):
    client = login(make.user("finance"))
    page = client.get("/audit/?action=test.")
    assert page.status_code == 200 and "test.event" in page.get_data(as_text=True)
    export = client.get("/audit/export.csv").get_data(as_text=True)
    assert export.splitlines()[0].startswith("id,occurred_at,actor,action")
    assert "test.event" in export


def test_manager_cannot_read_audit(login, make):
    t = make.territory("WORLD")
    assert login(make.user("channel_manager", territories=[t])).get("/audit/").status_code == 403
