"""Registering, changing and switching webhook endpoints; every change audited, never committed."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from sqlalchemy import func, select, update

from workflows.engine.i18n import N_, Refusal
from workflows.webhooks import sender

from ..extensions import db
from ..foundation.audit import record_changes, record_event
from ..foundation.webhooks import EVENT_TYPES, new_secret, seal_secret
from ..models import WebhookDelivery, WebhookEndpoint, utcnow
from ..security import Perm, ensure

MANUALLY_DISABLED = "disabled by an administrator"


@dataclass(frozen=True)
class Created:
    endpoint: WebhookEndpoint
    secret: str  # shown once, on the page that answers the creation


def checked_url(url: str, *, allow_private: bool) -> str:
    """An http(s) URL with a host; a literal private address only when allowed."""
    url = (url or "").strip()
    try:
        _scheme, host, _port, _path = sender.check_url(url)
    except sender.Refused:
        raise Refusal(
            N_("Enter an http or https URL with a host name, without a user name or password."),
            field="url",
        ) from None
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None and not allow_private and not literal.is_global:
        raise Refusal(
            N_(
                "%(host)s is a private or loopback address: tick “Allow private and loopback "
                "addresses” to send events there."
            ),
            field="url",
            host=host,
        )
    return url


def _event_types(chosen) -> list[str]:
    chosen = set(chosen or ())
    if not chosen or not chosen <= set(EVENT_TYPES):
        raise Refusal(N_("Choose at least one event."), field="event_types")
    return [t for t in EVENT_TYPES if t in chosen]


def create_endpoint(*, url, description, event_types, allow_private, actor) -> Created:
    ensure(actor, Perm.MANAGE_WEBHOOKS)
    secret = new_secret()
    endpoint = WebhookEndpoint(
        url=checked_url(url, allow_private=bool(allow_private)),
        description=(description or "").strip(),
        event_types=_event_types(event_types),
        allow_private=bool(allow_private),
        secret_encrypted=seal_secret(secret),
        enabled=True,
        created_by_id=actor.id,
    )
    db.session.add(endpoint)
    db.session.flush()
    record_event(actor, "webhook.endpoint.create", endpoint, after=_audited(endpoint))
    return Created(endpoint, secret)


def _audited(endpoint: WebhookEndpoint) -> dict:
    return {
        "url": endpoint.url,
        "description": endpoint.description,
        "event_types": list(endpoint.event_types),
        "allow_private": endpoint.allow_private,
    }


def update_endpoint(endpoint, *, url, description, event_types, allow_private, actor):
    ensure(actor, Perm.MANAGE_WEBHOOKS)
    before = _audited(endpoint)
    endpoint.url = checked_url(url, allow_private=bool(allow_private))
    endpoint.description = (description or "").strip()
    endpoint.event_types = _event_types(event_types)
    endpoint.allow_private = bool(allow_private)
    db.session.flush()
    record_changes(actor, "webhook.endpoint.update", endpoint, before, _audited(endpoint))
    return endpoint


def set_enabled(endpoint: WebhookEndpoint, enabled: bool, *, actor) -> WebhookEndpoint:
    """Enable an endpoint (its failure clock restarts) or disable it (what waits fails)."""
    ensure(actor, Perm.MANAGE_WEBHOOKS)
    if endpoint.enabled == enabled:
        return endpoint
    before = {"enabled": endpoint.enabled, "reason": endpoint.disabled_reason}
    endpoint.enabled = enabled
    if enabled:
        endpoint.disabled_reason = endpoint.disabled_at = endpoint.failing_since = None
    else:
        endpoint.disabled_reason, endpoint.disabled_at = MANUALLY_DISABLED, utcnow()
        db.session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.state == "pending")
            .values(state="failed", next_attempt_at=None, last_error="the endpoint was disabled")
        )
    action = "webhook.endpoint.enable" if enabled else "webhook.endpoint.disable"
    record_event(
        actor,
        action,
        endpoint,
        before=before,
        after={"enabled": enabled, "reason": endpoint.disabled_reason},
    )
    return endpoint


def delivery_counts(endpoint_ids) -> dict[int, dict[str, int]]:
    """Deliveries per endpoint and state, for the endpoint list."""
    counts: dict[int, dict[str, int]] = {}
    rows = db.session.execute(
        select(WebhookDelivery.endpoint_id, WebhookDelivery.state, func.count())
        .where(WebhookDelivery.endpoint_id.in_(list(endpoint_ids)))
        .group_by(WebhookDelivery.endpoint_id, WebhookDelivery.state)
    )
    for endpoint_id, state, count in rows:
        counts.setdefault(endpoint_id, {})[state] = count
    return counts
