"""A real `portal worker` process delivers what a committed change queued, and the sweep
queues the retries that are due."""

from __future__ import annotations

import json

import pytest
from rq import Queue
from sqlalchemy import select

from portal.deals.services import save_deal
from portal.models import WebhookDelivery
from portal.webhooks.services import create_endpoint
from workflows.deals.states import transition
from workflows.webhooks import jobs

from ..deals.conftest import build_world, deal_input
from .conftest import documented_verifier

pytestmark = pytest.mark.worker


def test_a_worker_delivers_the_event_of_a_committed_change(
    app, redis, committed_db, make_committed, fast_passwords, receiver, worker
):
    session = committed_db.session
    world = build_world(make_committed)
    admin = make_committed.user("admin", email="ada@v.example")
    session.commit()
    created = create_endpoint(
        url=receiver.url_for("/crm"),
        description="CRM",
        event_types=["deal.submitted", "deal.approved"],
        allow_private=True,
        actor=admin,
    )
    session.commit()
    receiver.expect_request("/crm", method="POST").respond_with_data("ok")

    deal = save_deal(
        deal_input("ACME Corp.", categories=(world["net"],)), actor=world["acme_user"], submit=True
    )
    transition(deal, "approve", world["dach_manager"])
    session.commit()
    assert len(Queue("default", connection=redis).job_ids) >= 2

    result = worker()
    assert result.returncode == 0, result.stderr[-3000:]
    session.expire_all()
    states = session.execute(
        select(
            WebhookDelivery.event_type, WebhookDelivery.state, WebhookDelivery.last_status_code
        ).order_by(WebhookDelivery.id)
    ).all()
    assert states == [("deal.submitted", "delivered", 200), ("deal.approved", "delivered", 200)]
    verify = documented_verifier()
    bodies = [request.get_data() for request, _response in receiver.log]
    assert [json.loads(b)["type"] for b in bodies] == ["deal.submitted", "deal.approved"]
    for (request, _response), body in zip(receiver.log, bodies, strict=True):
        assert verify(created.secret, request.headers["Portal-Signature"], body)


def test_the_sweep_queues_due_retries_and_lost_first_attempts(
    app, redis, committed_db, make_committed, fast_passwords, receiver
):
    session = committed_db.session
    world = build_world(make_committed)
    admin = make_committed.user("admin", email="ada@v.example")
    session.commit()
    create_endpoint(
        url=receiver.url_for("/crm"),
        description="",
        event_types=["deal.submitted"],
        allow_private=True,
        actor=admin,
    )
    session.commit()
    deal = deal_input("ACME Corp.", categories=(world["net"],))
    save_deal(deal, actor=world["acme_user"], submit=True)
    session.commit()
    redis.delete("rq:queue:default")  # the job was lost (Redis restarted)
    assert jobs.sweep() == 1
    [job_id] = Queue("default", connection=redis).job_ids
    assert job_id.startswith("webhook-")
