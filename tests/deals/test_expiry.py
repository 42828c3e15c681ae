"""Expiry and reminders: the service with the clock in the test's hands, then a real RQ worker."""

import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.models import AuditEvent, DealRegistration, OutboxMessage
from workflows import enqueue
from workflows.deals.expiry import expire_deals
from workflows.deals.states import transition

from .conftest import build_world, deal_input


def outbox(db, template):
    return db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.template == template).order_by(OutboxMessage.id)
    ).all()


def test_expires_the_day_after_protection_ends(db, approved):
    deal = approved()
    end = deal.protection_ends_on
    assert expire_deals(end).expired == []
    assert deal.state == "approved"
    outcome = expire_deals(end + timedelta(days=1))
    assert outcome.expired == [deal.reference]
    assert deal.state == "expired"
    (mail,) = outbox(db, "deal_expired")
    assert mail.to_address == "ann@acme.example"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "deal.expire"))
    assert event.actor_id is None and event.after["state"] == "expired"


def test_won_lost_and_pending_extension_deals_do_not_expire(db, approved, world):
    won, lost, asking = (approved(name, domain=None) for name in ("Won Inc", "Lost", "Asking"))
    transition(won, "report_won", world["acme_user"], amount="5", won_on=date.today())
    transition(lost, "report_lost", world["acme_user"], reason="budget")
    transition(asking, "request_extension", world["acme_user"], note="two more weeks")
    assert expire_deals(date.today() + timedelta(days=365)).expired == []
    assert (won.state, lost.state, asking.state) == ("won", "lost", "approved")


def test_reminder_fourteen_days_before_expiry_once(db, approved, world):
    deal = approved()
    end = deal.protection_ends_on
    assert expire_deals(end - timedelta(days=15)).reminded == []
    assert expire_deals(end - timedelta(days=14)).reminded == [deal.reference]
    assert expire_deals(end - timedelta(days=13)).reminded == []
    (mail,) = outbox(db, "deal_expiring")
    assert deal.reference in mail.subject and mail.to_address == "ann@acme.example"
    transition(deal, "request_extension", world["acme_user"], note="please")
    transition(deal, "grant_extension", world["dach_manager"], new_date=end + timedelta(days=60))
    assert expire_deals(end + timedelta(days=46)).reminded == [deal.reference]
    assert len(outbox(db, "deal_expiring")) == 2


@pytest.mark.worker
def test_expiry_job_runs_on_a_real_worker(
    app, committed_db, make_committed, redis, worker, monkeypatch
):
    monkeypatch.setattr("portal.models.users.PASSWORD_METHOD", "pbkdf2:sha256:1000")
    from portal.deals.services import save_deal

    w = build_world(make_committed)
    deal = save_deal(deal_input(categories=(w["net"],)), actor=w["acme_user"], submit=True)
    transition(deal, "approve", w["dach_manager"])
    fresh = save_deal(
        deal_input("Globex", domain=None, categories=(w["net"],)), actor=w["beta_user"], submit=True
    )
    transition(fresh, "approve", w["dach_manager"])
    fresh.protection_ends_on = deal.protection_ends_on + timedelta(days=10)
    committed_db.session.commit()
    deal_id, fresh_id, end = deal.id, fresh.id, deal.protection_ends_on
    committed_db.session.remove()

    started = time.time()
    enqueue.expire_deals(as_of=end + timedelta(days=1))
    result = worker()
    assert result.returncode == 0, result.stderr[-3000:]

    session = committed_db.session
    assert session.get(DealRegistration, deal_id).state == "expired"
    assert session.get(DealRegistration, fresh_id).state == "approved"
    expired = session.scalars(
        select(OutboxMessage).where(OutboxMessage.template == "deal_expired")
    ).all()
    reminded = session.scalars(
        select(OutboxMessage).where(OutboxMessage.template == "deal_expiring")
    ).all()
    assert [m.related_id for m in expired] == [str(deal_id)]
    assert [m.related_id for m in reminded] == [str(fresh_id)]
    for message in expired + reminded:
        assert message.status == "sent" and message.attempts == 1 and message.sent_at is not None
    pattern = f"{expired[0].id:08d}-deal_expired-*.eml"
    files = [
        path
        for path in Path(app.config["MAIL_OUTBOX_DIR"]).glob(pattern)
        if path.stat().st_mtime >= started
    ]
    assert len(files) == 1 and expired[0].subject in files[0].read_text()


def test_cli_runs_the_expiry_pass_for_a_given_day(app, db, redis, approved):
    deal = approved()
    runner = app.test_cli_runner()
    day = (deal.protection_ends_on + timedelta(days=1)).isoformat()
    result = runner.invoke(args=["deals", "expire", "--as-of", day])
    assert result.exit_code == 0, result.output
    assert f"{day}: expired 1, reminded 0" in result.output
    assert deal.state == "expired"
    bad = runner.invoke(args=["deals", "expire", "--as-of", "tomorrow"])
    assert bad.exit_code != 0 and "YYYY-MM-DD" in bad.output and "Traceback" not in bad.output
