"""Attempting deliveries: one try per job, retried with exponential backoff for a day.

A delivery job claims its row first (moves `next_attempt_at` a lease ahead and counts the
attempt, committed), so a second job for the same delivery — a sweep racing a retry — finds it
not due and does nothing. Then it sends, and records the outcome: delivered; or pending again at
the next backoff step; or failed once a day has passed since the event. An endpoint whose
attempts have failed for a day without a success in between is disabled and the administrators
are e-mailed. Every function takes `now`, so tests control the clock.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from portal.extensions import db
from portal.foundation.audit import record_event
from portal.foundation.outbox import public_url, queue_mail
from portal.foundation.webhooks import note_pending, open_secret
from portal.models import Role, User, WebhookDelivery, WebhookEndpoint, utcnow
from portal.security import Perm, ensure
from workflows import enqueue
from workflows.engine.i18n import N_, Refusal

from . import sender

RETRY_FOR = timedelta(days=1)
DISABLE_AFTER = timedelta(days=1)
FIRST_DELAY = timedelta(minutes=1)
MAX_DELAY = timedelta(hours=4)
LEASE = timedelta(minutes=5)  # a claimed attempt not finished by then may be tried again


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt: 1 min, 2, 4 … at most 4 hours."""
    return min(FIRST_DELAY * 2 ** max(attempts - 1, 0), MAX_DELAY)


def body_of(delivery: WebhookDelivery) -> bytes:
    """The exact bytes sent and signed (compact JSON, keys in a stable order)."""
    return json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()


def _claim(delivery_id: int, now: datetime) -> WebhookDelivery | None:
    delivery = db.session.scalar(
        select(WebhookDelivery).where(WebhookDelivery.id == delivery_id).with_for_update()
    )
    if delivery is None or delivery.state != "pending":
        return None
    if delivery.next_attempt_at is not None and delivery.next_attempt_at > now:
        return None
    endpoint = delivery.endpoint
    if not endpoint.enabled:
        delivery.state, delivery.next_attempt_at = "failed", None
        delivery.last_error = "the endpoint is disabled"
        return None
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.next_attempt_at = now + LEASE
    return delivery


def attempt(delivery_id: int, *, now: datetime | None = None) -> str:
    """Try one delivery if it is due; returns what happened (for logs and tests)."""
    now = now or utcnow()
    delivery = _claim(delivery_id, now)
    db.session.commit()
    if delivery is None:
        return "not due"
    endpoint = delivery.endpoint
    outcome = sender.send(
        endpoint.url,
        body_of(delivery),
        secret=open_secret(endpoint),
        event_id=delivery.event_id,
        event_type=delivery.event_type,
        timestamp=int(now.timestamp()),
        allow_private=endpoint.allow_private,
        timeout=current_app.config["WEBHOOK_TIMEOUT_SECONDS"],
    )
    result = record_outcome(delivery_id, outcome, now=now)
    db.session.commit()
    enqueue.pending_mail()
    return result


def record_outcome(delivery_id: int, outcome: sender.Outcome, *, now: datetime) -> str:
    delivery = db.session.scalar(
        select(WebhookDelivery).where(WebhookDelivery.id == delivery_id).with_for_update()
    )
    endpoint = db.session.scalar(
        select(WebhookEndpoint).where(WebhookEndpoint.id == delivery.endpoint_id).with_for_update()
    )
    delivery.last_status_code, delivery.last_error = outcome.status, outcome.error
    if outcome.ok:
        delivery.state, delivery.delivered_at, delivery.next_attempt_at = "delivered", now, None
        endpoint.failing_since = None
        return "delivered"
    if endpoint.failing_since is None:
        endpoint.failing_since = now
    retry_at = now + backoff(delivery.attempts)
    if retry_at > delivery.created_at + RETRY_FOR:
        delivery.state, delivery.next_attempt_at = "failed", None
        result = "failed"
    else:
        delivery.next_attempt_at = retry_at
        result = "retry"
    if endpoint.enabled and now - endpoint.failing_since >= DISABLE_AFTER:
        disable_failing(endpoint, outcome.error or "", now=now)
    return result


def disable_failing(endpoint: WebhookEndpoint, error: str, *, now: datetime) -> None:
    """Disable an endpoint that failed for a day, fail what waits for it, tell the admins."""
    endpoint.enabled, endpoint.disabled_at = False, now
    endpoint.disabled_reason = "failing for a day"
    for waiting in db.session.scalars(
        select(WebhookDelivery).where(
            WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.state == "pending"
        )
    ):
        waiting.state, waiting.next_attempt_at = "failed", None
        waiting.last_error = waiting.last_error or "the endpoint was disabled"
    record_event(
        None,
        "webhook.endpoint.disable",
        endpoint,
        before={"enabled": True},
        after={"enabled": False, "reason": endpoint.disabled_reason, "error": error[:300]},
    )
    admins = db.session.scalars(
        select(User).where(User.role == Role.ADMIN.value, User.active.is_(True))
    )
    link = public_url("webhooks.endpoint", endpoint_id=endpoint.id)
    for admin in admins:
        queue_mail(
            admin,
            "webhook_disabled",
            {"endpoint": endpoint, "error": error, "link": link},
            related=endpoint,
        )


def due_ids(now: datetime, *, limit: int = 500) -> list[int]:
    """Pending deliveries whose next attempt is due (their job may have been lost)."""
    return list(
        db.session.scalars(
            select(WebhookDelivery.id)
            .where(WebhookDelivery.state == "pending", WebhookDelivery.next_attempt_at <= now)
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
            .limit(limit)
        )
    )


def redeliver(delivery: WebhookDelivery, actor, *, now: datetime | None = None):
    """Send an event again to its endpoint, with the same event id (receivers dedupe on it)."""
    ensure(actor, Perm.MANAGE_WEBHOOKS)
    if not delivery.endpoint.enabled:
        raise Refusal(N_("Enable the endpoint before redelivering its events."))
    now = now or utcnow()
    again = WebhookDelivery(
        endpoint_id=delivery.endpoint_id,
        event_id=delivery.event_id,
        event_type=delivery.event_type,
        payload=delivery.payload,
        state="pending",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
        redelivery_of_id=delivery.id,
    )
    db.session.add(again)
    db.session.flush()
    record_event(
        actor,
        "webhook.delivery.redeliver",
        again,
        after={"event_id": delivery.event_id, "redelivery_of": delivery.id},
    )
    note_pending(db.session, [again.id])
    return again
