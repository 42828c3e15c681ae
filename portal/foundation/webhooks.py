"""Outgoing webhook events, recorded in the transaction of the change that causes them.

Every state change is audited (`audit.record_event`), so that is the one place events come
from: `EVENTS` maps an audit action to the webhook event type it announces. For each enabled
endpoint subscribed to the type, `emit` adds a pending `WebhookDelivery` row in the caller's
transaction and notes its id in the session; once the transaction commits, the ids are handed
to whoever registered with `on_commit` (workflows/webhooks queues the delivery jobs). A change
that is rolled back leaves no delivery and queues nothing.

Signing secrets are kept sealed with SEALING_KEYS (portal/foundation/vault.py): a database
dump alone does not reveal them, and the keys rotate like every sealed value's.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import event as sa_event
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import WebhookDelivery, WebhookEndpoint, utcnow
from .vault import open_text, seal_text

PENDING_KEY = "portal.webhook_deliveries"
SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret


def _by_state(prefix: str, states: tuple[str, ...]) -> Callable[[object], str | None]:
    """The event named by the object's new state (`mdf.request.approved`), for these states."""

    def event_type(obj) -> str | None:
        state = getattr(obj, "state", None)
        return f"{prefix}.{state}" if state in states else None

    return event_type


# Audit action → the event type it announces (a function: decided by the object's new state).
EVENTS: dict[str, str | Callable[[object], str | None]] = {
    "application.submit": "application.submitted",
    "application.resubmit": "application.submitted",
    "application.approve": "application.approved",
    "application.reject": "application.rejected",
    "deal.submit": "deal.submitted",
    "deal.resubmit": "deal.submitted",
    "deal.approve": "deal.approved",
    "deal.reject": "deal.rejected",
    "deal.report_won": "deal.won",
    "deal.report_lost": "deal.lost",
    "deal.expire": "deal.expired",
    "claims.submit": "claim.submitted",
    "claims.approve": _by_state("claim", ("first_approved", "approved")),
    "claims.reject": "claim.rejected",
    "calc.run.done": "calc_run.finished",
    "calc.run.failed": "calc_run.finished",
    "calc.run.approve": "settlement.approved",
    "payouts.batch.export": "payout_batch.exported",
    "payouts.batch.paid": "payout_batch.paid",
    "payouts.batch.returned": "payout_batch.payment_returned",
    "points.redemption.request": "redemption.requested",
    "points.redemption.approve": "redemption.approved",
    "points.redemption.reject": "redemption.rejected",
    **{
        f"mdf.request.{action}": _by_state(
            "mdf.request", ("submitted", "approved", "rejected", "returned", "claimed", "lapsed")
        )
        for action in (
            "submit",
            "approve",
            "second_approve",
            "reject",
            "return",
            "resubmit",
            "claimed",
            "lapse",
        )
    },
    **{
        f"mdf.claim.{action}": _by_state("mdf.claim", ("submitted", "approved", "rejected"))
        for action in ("submit", "approve", "reject")
    },
}

# Every event type an endpoint may subscribe to, in the order the admin pages list them.
EVENT_TYPES: tuple[str, ...] = (
    "application.submitted",
    "application.approved",
    "application.rejected",
    "deal.submitted",
    "deal.approved",
    "deal.rejected",
    "deal.won",
    "deal.lost",
    "deal.expired",
    "claim.submitted",
    "claim.first_approved",
    "claim.approved",
    "claim.rejected",
    "calc_run.finished",
    "settlement.approved",
    "payout_batch.exported",
    "payout_batch.paid",
    "payout_batch.payment_returned",
    "redemption.requested",
    "redemption.approved",
    "redemption.rejected",
    "mdf.request.submitted",
    "mdf.request.approved",
    "mdf.request.rejected",
    "mdf.request.returned",
    "mdf.request.claimed",
    "mdf.request.lapsed",
    "mdf.claim.submitted",
    "mdf.claim.approved",
    "mdf.claim.rejected",
)

# What a receiver is told an object is, by table.
OBJECT_KINDS = {
    "partner_applications": "application",
    "deal_registrations": "deal",
    "claims": "claim",
    "calc_runs": "calc_run",
    "payout_batches": "payout_batch",
    "redemptions": "redemption",
    "mdf_requests": "mdf_request",
    "mdf_claims": "mdf_claim",
}
HIDDEN_COLUMNS = ("password", "secret", "token", "hash")
# Event types whose first part does not name the object they are about.
EVENT_OBJECTS = {"settlement": "calc_run", "mdf.request": "mdf_request", "mdf.claim": "mdf_claim"}


def event_object_kind(event_type: str) -> str:
    """The kind of object an event type is about (`settlement.approved` → `calc_run`)."""
    prefix = event_type.rsplit(".", 1)[0]
    return EVENT_OBJECTS.get(prefix, prefix)


def new_secret() -> str:
    """A fresh signing secret (shown to the administrator once)."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def seal_secret(secret: str) -> str:
    return seal_text(secret)


def open_secret(endpoint: WebhookEndpoint) -> str:
    return open_text(endpoint.secret_encrypted)


def _plain(value):
    if value is None or isinstance(value, (str, int, bool, float, list, dict)):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)  # Decimals as exact strings


def object_fields(obj) -> dict:
    """The object's columns as they are after the change, JSON-safe (no credentials)."""
    return {
        column.key: _plain(getattr(obj, column.key))
        for column in inspect(obj).mapper.column_attrs
        if not any(word in column.key for word in HIDDEN_COLUMNS)
    }


def _load(obj):
    """The audited object as a row: an audit event may name it as (table, id)."""
    if not isinstance(obj, tuple):
        return obj
    table, object_id = obj
    for mapper in db.Model.registry.mappers:
        model = mapper.class_
        if getattr(model, "__tablename__", None) == table:
            return db.session.scalar(select(model).where(model.id == int(object_id)))
    return None


def event_type_for(action: str, obj) -> str | None:
    rule = EVENTS.get(action)
    if rule is None or obj is None:
        return None
    return rule if isinstance(rule, str) else rule(obj)


def build_payload(event_id: str, event_type: str, obj, actor, now: datetime) -> dict:
    """The JSON body every subscriber receives (the shape docs/api.md and OpenAPI describe)."""
    table = obj.__tablename__
    return {
        "id": event_id,
        "type": event_type,
        "created_at": now.isoformat(),
        "actor": getattr(actor, "email", None),
        "data": {
            "object": OBJECT_KINDS.get(table, table),
            "id": obj.id,
            "fields": object_fields(obj),
        },
    }


def emit(action: str, obj, actor=None, *, now: datetime | None = None) -> list[WebhookDelivery]:
    """Queue the event `action` announces (if any) for every enabled endpoint subscribed to it,
    in the caller's transaction; nothing is sent before that transaction commits."""
    if action not in EVENTS:
        return []
    row = _load(obj)
    event_type = event_type_for(action, row)
    if event_type is None:
        return []
    endpoints = [
        endpoint
        for endpoint in db.session.scalars(
            select(WebhookEndpoint).where(WebhookEndpoint.enabled.is_(True))
        )
        if event_type in (endpoint.event_types or ())
    ]
    if not endpoints:
        return []
    now = now or utcnow()
    event_id = f"evt_{uuid.uuid4().hex}"
    payload = build_payload(event_id, event_type, row, actor, now)
    deliveries = [
        WebhookDelivery(
            endpoint_id=endpoint.id,
            event_id=event_id,
            event_type=event_type,
            payload=payload,
            state="pending",
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
        for endpoint in endpoints
    ]
    db.session.add_all(deliveries)
    db.session.flush()
    note_pending(db.session, [d.id for d in deliveries])
    return deliveries


def note_pending(session, delivery_ids: list[int]) -> None:
    """Deliveries to queue once this session's transaction commits."""
    target = session() if hasattr(session, "registry") else session
    target.info.setdefault(PENDING_KEY, []).extend(delivery_ids)


# -- after commit ---------------------------------------------------------------------------

_COMMITTED: list[Callable[[list[int]], None]] = []


def on_commit(handler: Callable[[list[int]], None]) -> None:
    """`handler(delivery_ids)` runs after each commit that added deliveries (idempotent)."""
    if handler not in _COMMITTED:
        _COMMITTED.append(handler)


def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: the outer transaction may still roll back
    ids = session.info.pop(PENDING_KEY, None)
    if ids:
        for handler in _COMMITTED:
            handler(list(ids))


def _after_transaction_end(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(PENDING_KEY, None)  # rolled back (a commit took them already)


def register() -> None:
    """Listen on every Session: idempotent."""
    if not sa_event.contains(Session, "after_commit", _after_commit):
        sa_event.listen(Session, "after_commit", _after_commit)
        sa_event.listen(Session, "after_transaction_end", _after_transaction_end)
