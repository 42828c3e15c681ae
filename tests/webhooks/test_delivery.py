"""Events recorded with the change that causes them, posted signed to a real receiver, retried
with backoff on a controlled clock, redelivered, and refused where they must not go."""

from __future__ import annotations

import json
import socket
import time
from datetime import date, timedelta

import pytest
from rq import Queue
from sqlalchemy import func, select
from werkzeug import Response

from portal.foundation.webhooks import open_secret
from portal.models import OutboxMessage, WebhookDelivery, WebhookEndpoint, utcnow
from portal.webhooks.services import set_enabled
from workflows.engine.i18n import Refusal
from workflows.webhooks import deliveries, sender

from .conftest import documented_verifier


def queued_deliveries(redis) -> list[str]:
    return [j for j in Queue("default", connection=redis).job_ids if j.startswith("webhook-")]


def rows(db, **where) -> list[WebhookDelivery]:
    stmt = select(WebhookDelivery).filter_by(**where).order_by(WebhookDelivery.id)
    return list(db.session.scalars(stmt))


def test_an_approved_deal_is_posted_signed_as_the_docs_say(db, redis, world, hook, receiver):
    created = hook(events=("deal.approved",))
    receiver.expect_request("/hook", method="POST").respond_with_data("thanks")
    deal = approve_and_commit(db, world)

    [delivery] = rows(db)
    assert delivery.event_type == "deal.approved" and delivery.state == "pending"
    assert queued_deliveries(redis) and queued_deliveries(redis)[0].startswith(
        f"webhook-{delivery.id}-"
    )
    assert deliveries.attempt(delivery.id) == "delivered"

    [(request, response)] = receiver.log
    assert response.status_code == 200
    body = request.get_data()
    verify = documented_verifier()
    assert verify(created.secret, request.headers["Portal-Signature"], body)
    assert not verify("whsec_wrong", request.headers["Portal-Signature"], body)
    assert not verify(created.secret, request.headers["Portal-Signature"], body + b" ")
    payload = json.loads(body)
    assert request.headers["Portal-Event-Id"] == payload["id"] == delivery.event_id
    assert request.headers["Portal-Event-Type"] == payload["type"] == "deal.approved"
    assert payload["data"]["object"] == "deal" and payload["data"]["id"] == deal.id
    assert payload["data"]["fields"]["state"] == "approved"
    assert payload["data"]["fields"]["reference"] == deal.reference
    assert payload["actor"] == "dora@v.example"
    db.session.expire_all()
    delivery = db.session.get(WebhookDelivery, delivery.id)
    assert (delivery.state, delivery.last_status_code, delivery.attempts) == ("delivered", 200, 1)


def approve_and_commit(db, world):
    from portal.deals.services import save_deal
    from workflows.deals.states import transition

    from ..deals.conftest import deal_input

    deal = save_deal(
        deal_input("ACME Corp.", categories=(world["net"],)), actor=world["acme_user"], submit=True
    )
    transition(deal, "approve", world["dach_manager"])
    db.session.commit()
    return deal


def test_only_subscribed_events_of_enabled_endpoints_are_recorded(db, redis, world, hook):
    hook(events=("deal.submitted",), path="/submitted")
    approved_only = hook(events=("deal.approved",), path="/approved").endpoint
    set_enabled(approved_only, False, actor=world["admin"])
    db.session.commit()
    approve_and_commit(db, world)
    assert [d.event_type for d in rows(db)] == ["deal.submitted"]


def test_a_rolled_back_change_delivers_nothing(db, redis, world, hook, approve_deal):
    hook(events=("deal.submitted", "deal.approved"))
    approve_deal()
    assert len(rows(db)) == 2  # recorded in the change's own transaction …
    db.session.rollback()
    assert rows(db) == []  # … and gone with it
    assert queued_deliveries(redis) == []


def test_failures_back_off_exponentially_then_fail_after_a_day(db, redis, world, hook, receiver):
    hook(events=("deal.approved",))
    receiver.expect_request("/hook").respond_with_data("down", status=503)
    approve_and_commit(db, world)
    [delivery] = rows(db)
    start = now = delivery.created_at
    waits = []
    while True:
        assert deliveries.attempt(delivery.id, now=now - timedelta(seconds=1)) == "not due"
        outcome = deliveries.attempt(delivery.id, now=now)
        db.session.expire_all()
        delivery = db.session.get(WebhookDelivery, delivery.id)
        assert delivery.last_status_code == 503 and delivery.last_error == "HTTP 503"
        if outcome == "failed":
            break
        assert outcome == "retry"
        waits.append(delivery.next_attempt_at - now)
        now = delivery.next_attempt_at
    minutes = [int(w.total_seconds() // 60) for w in waits]
    assert minutes == [1, 2, 4, 8, 16, 32, 64, 128, 240, 240, 240, 240]
    assert now - start < timedelta(days=1) <= now + timedelta(hours=4) - start
    assert delivery.state == "failed" and delivery.next_attempt_at is None
    assert delivery.attempts == len(receiver.log) == 13
    assert delivery.endpoint.enabled  # failing for 20 hours, not yet a day


def test_an_endpoint_failing_for_a_day_is_disabled_and_admins_are_told(
    db, redis, world, hook, receiver
):
    endpoint = hook(events=("deal.approved", "deal.won")).endpoint
    receiver.expect_request("/hook").respond_with_data("down", status=500)
    deal = approve_and_commit(db, world)
    [first] = rows(db)
    start = first.created_at
    assert deliveries.attempt(first.id, now=start) == "retry"
    from workflows.deals.states import transition

    transition(deal, "report_won", world["acme_user"], amount="1000.00", won_on=date.today())
    db.session.commit()
    second = rows(db, event_type="deal.won")[0]
    second.created_at = second.next_attempt_at = start + timedelta(hours=23)  # won a day later
    db.session.commit()
    assert deliveries.attempt(second.id, now=start + timedelta(hours=23)) == "retry"
    assert db.session.get(WebhookEndpoint, endpoint.id).enabled
    second.next_attempt_at = start + timedelta(days=1)
    db.session.commit()
    assert deliveries.attempt(second.id, now=start + timedelta(days=1)) == "retry"

    db.session.expire_all()
    endpoint = db.session.get(WebhookEndpoint, endpoint.id)
    assert not endpoint.enabled and endpoint.disabled_reason == "failing for a day"
    assert {d.state for d in rows(db)} == {"failed"}  # what waited for it fails
    mail = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.template == "webhook_disabled")
    ).all()
    assert [m.to_address for m in mail] == ["ada@v.example"]
    assert endpoint.url in mail[0].subject and "HTTP 500" in mail[0].body_text
    receiver.clear()
    transition_again = rows(db)
    assert transition_again and deliveries.attempt(transition_again[0].id) == "not due"
    assert receiver.log == []


def test_a_success_restarts_the_failure_clock(db, redis, world, hook, receiver):
    endpoint = hook(events=("deal.approved",)).endpoint
    receiver.expect_ordered_request("/hook").respond_with_data("down", status=500)
    receiver.expect_ordered_request("/hook").respond_with_data("ok")
    approve_and_commit(db, world)
    [delivery] = rows(db)
    assert deliveries.attempt(delivery.id, now=delivery.created_at) == "retry"
    assert db.session.get(WebhookEndpoint, endpoint.id).failing_since is not None
    later = delivery.created_at + timedelta(minutes=1)
    assert deliveries.attempt(delivery.id, now=later) == "delivered"
    db.session.expire_all()
    assert db.session.get(WebhookEndpoint, endpoint.id).failing_since is None


def test_redelivery_sends_the_same_event_id_again(db, redis, world, hook, receiver):
    hook(events=("deal.approved",))
    receiver.expect_request("/hook").respond_with_data("ok")
    approve_and_commit(db, world)
    [first] = rows(db)
    assert deliveries.attempt(first.id) == "delivered"
    redis.delete("rq:queue:default")

    again = deliveries.redeliver(first, world["admin"])
    db.session.commit()
    assert queued_deliveries(redis)[0].startswith(f"webhook-{again.id}-")
    assert deliveries.attempt(again.id) == "delivered"
    ids = [request.headers["Portal-Event-Id"] for request, _response in receiver.log]
    assert ids == [first.event_id, first.event_id]
    assert again.redelivery_of_id == first.id


def test_redelivery_needs_an_enabled_endpoint_and_the_permission(db, redis, world, hook):
    endpoint = hook(events=("deal.approved",)).endpoint
    approve_and_commit(db, world)
    [first] = rows(db)
    set_enabled(endpoint, False, actor=world["admin"])
    db.session.commit()
    with pytest.raises(Refusal):
        deliveries.redeliver(first, world["admin"])
    from portal.security import Forbidden

    with pytest.raises(Forbidden):
        deliveries.redeliver(first, world["finance"])


def test_the_sweep_finds_what_is_due(db, redis, world, hook):
    hook(events=("deal.approved",))
    approve_and_commit(db, world)
    [delivery] = rows(db)
    assert deliveries.due_ids(delivery.created_at) == [delivery.id]
    assert deliveries.due_ids(delivery.created_at - timedelta(seconds=1)) == []


# -- where requests must not go ----------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.9",
        "192.168.1.10",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",  # noqa: S104 - refused, not bound
        "224.0.0.1",
        "240.0.0.1",
        "::1",
        "fe80::1",
        "fd00::1",
        "::ffff:127.0.0.1",
    ],
)
def test_non_public_addresses_are_refused(address):
    host = f"[{address}]" if ":" in address else address
    with pytest.raises(sender.Refused):
        sender.resolve(f"http://{host}/hook", allow_private=False)
    assert sender.resolve(f"http://{host}/hook", allow_private=True).addresses


@pytest.mark.parametrize(
    "url", ["ftp://example.com/x", "http:///nohost", "https://user:pw@example.com/", "file:///x"]
)
def test_only_plain_http_urls_are_sent_to(url):
    with pytest.raises(sender.Refused):
        sender.check_url(url)


def test_a_host_name_resolving_to_loopback_is_refused_at_delivery(db, redis, world, hook, receiver):
    receiver.expect_request("/hook").respond_with_data("ok")
    url = receiver.url_for("/hook").replace("127.0.0.1", "localhost")
    hook(events=("deal.approved",), url=url, allow_private=False)
    approve_and_commit(db, world)
    [delivery] = rows(db)
    assert deliveries.attempt(delivery.id) == "retry"
    db.session.expire_all()
    delivery = db.session.get(WebhookDelivery, delivery.id)
    assert delivery.last_error.startswith("refused: localhost resolves to a non-public address")
    assert delivery.last_status_code is None
    assert receiver.log == []


def test_the_checked_address_is_the_one_connected_to(monkeypatch, app, receiver):
    """DNS rebinding: the name is looked up once; a second answer is never used."""
    real = socket.getaddrinfo
    lookups = []

    def rebinding(host, port, *args, **kwargs):
        if host == "hooks.rebind.test":
            lookups.append(host)
            address = "127.0.0.1" if len(lookups) == 1 else "10.9.9.9"
            return real(address, port, *args, **kwargs)
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    receiver.expect_request("/hook").respond_with_data("ok")
    url = f"http://hooks.rebind.test:{receiver.port}/hook"
    outcome = send(url, allow_private=True)
    assert outcome.ok, outcome.error
    assert lookups == ["hooks.rebind.test"]
    [(request, _response)] = receiver.log
    assert request.headers["Host"] == f"hooks.rebind.test:{receiver.port}"

    lookups.clear()
    monkeypatch.setattr(sender, "_is_public", lambda address: address != "127.0.0.1")
    outcome = send(url, allow_private=False)  # the first answer is checked, and refused
    assert outcome.error.startswith("refused:") and len(receiver.log) == 1


def send(url, *, allow_private, timeout=5.0):
    return sender.send(
        url,
        b'{"id":"evt_test"}',
        secret="whsec_test",
        event_id="evt_test",
        event_type="deal.approved",
        timestamp=int(time.time()),
        allow_private=allow_private,
        timeout=timeout,
    )


def test_a_redirect_to_another_host_is_refused(receiver):
    elsewhere = receiver.url_for("/elsewhere").replace("127.0.0.1", "localhost")
    receiver.expect_request("/hook").respond_with_response(
        Response(status=307, headers={"Location": elsewhere})
    )
    receiver.expect_request("/elsewhere").respond_with_data("ok")
    outcome = send(receiver.url_for("/hook"), allow_private=True)
    assert not outcome.ok and outcome.status == 307
    assert outcome.error.startswith("redirect to another host refused")
    assert [r.path for r, _ in receiver.log] == ["/hook"]


def test_a_redirect_on_the_same_host_is_followed(receiver):
    receiver.expect_request("/old").respond_with_response(
        Response(status=308, headers={"Location": "/new"})
    )
    receiver.expect_request("/new", method="POST").respond_with_data("ok")
    outcome = send(receiver.url_for("/old"), allow_private=True)
    assert outcome.ok, outcome.error
    [_first, (request, _response)] = receiver.log
    assert request.get_data() == b'{"id":"evt_test"}'


def test_a_slow_receiver_times_out(receiver):
    def slow(request):
        time.sleep(1.0)
        return Response("late")

    receiver.expect_request("/slow").respond_with_handler(slow)
    started = time.monotonic()
    outcome = send(receiver.url_for("/slow"), allow_private=True, timeout=0.3)
    assert outcome.error == "timed out after 0.3 s" and outcome.status is None
    assert time.monotonic() - started < 1.0
    # the server logs the request once its slow answer is done: wait for it here, so it lands
    # in this test's log and not in the next test's
    deadline = time.monotonic() + 10
    while not receiver.log and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [r.path for r, _ in receiver.log] == ["/slow"]


def test_secrets_are_stored_encrypted(db, world, hook):
    created = hook()
    endpoint = db.session.get(WebhookEndpoint, created.endpoint.id)
    assert created.secret.startswith("whsec_") and created.secret not in endpoint.secret_encrypted
    assert open_secret(endpoint) == created.secret
    count = db.session.scalar(select(func.count()).select_from(WebhookDelivery))
    assert count == 0
    assert utcnow() - endpoint.created_at < timedelta(minutes=1)
