"""A webhook endpoint with a delivered and a failed delivery, beside the demo data set, so the
pages that walk every route (fuzz, presentability) open the webhook pages with real rows."""

from __future__ import annotations

from datetime import timedelta

from portal.foundation.webhooks import EVENT_TYPES, new_secret, seal_secret
from portal.models import WebhookDelivery, WebhookEndpoint, utcnow


def add_webhook_demo(session) -> WebhookEndpoint:
    now = utcnow()
    endpoint = WebhookEndpoint(
        url="https://crm.example.com/portal-events",
        description="Sales CRM",
        secret_encrypted=seal_secret(new_secret()),
        event_types=list(EVENT_TYPES),
        enabled=True,
        allow_private=False,
    )
    session.add(endpoint)
    session.flush()
    payload = {"id": "evt_demo", "type": "deal.approved", "data": {"object": "deal", "id": 1}}
    session.add_all(
        [
            WebhookDelivery(
                endpoint_id=endpoint.id,
                event_id="evt_demo_1",
                event_type="deal.approved",
                payload=payload,
                state="delivered",
                attempts=1,
                last_attempt_at=now - timedelta(hours=2),
                last_status_code=200,
                delivered_at=now - timedelta(hours=2),
                created_at=now - timedelta(hours=2),
            ),
            WebhookDelivery(
                endpoint_id=endpoint.id,
                event_id="evt_demo_2",
                event_type="claim.submitted",
                payload=payload,
                state="failed",
                attempts=13,
                last_attempt_at=now - timedelta(hours=1),
                last_status_code=503,
                last_error="HTTP 503",
                created_at=now - timedelta(days=1, hours=1),
            ),
        ]
    )
    session.flush()
    return endpoint
