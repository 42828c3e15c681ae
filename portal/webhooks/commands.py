"""`portal webhooks list|deliveries|redeliver`: the endpoints, their delivery log, a redelivery."""

from __future__ import annotations

import click
from sqlalchemy import select

from workflows.webhooks import deliveries as delivery_work

from ..cli_support import acting, by_id
from ..extensions import db
from ..models import WebhookDelivery, WebhookEndpoint
from ..models.webhooks import DELIVERY_STATES
from ..security import Perm, ensure


@click.group("webhooks")
def webhooks():
    """Outgoing webhook endpoints and their deliveries (administrators)."""


@webhooks.command("list")
@acting(required=True)
def list_endpoints(actor):
    """Every endpoint: id, enabled or disabled, URL and the events it subscribes to."""
    ensure(actor, Perm.MANAGE_WEBHOOKS)
    for endpoint in db.session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)):
        state = "enabled" if endpoint.enabled else f"disabled ({endpoint.disabled_reason})"
        click.echo(f"{endpoint.id}\t{state}\t{endpoint.url}\t{','.join(endpoint.event_types)}")


@webhooks.command("deliveries")
@click.argument("endpoint_id", type=int)
@click.option("--state", type=click.Choice(DELIVERY_STATES), help="only deliveries in this state")
@click.option("--limit", type=click.IntRange(1, 10000), default=50, show_default=True)
@acting(required=True)
def list_deliveries(endpoint_id, state, limit, actor):
    """The newest deliveries of ENDPOINT_ID: id, event id, type, state, attempts, last answer."""
    ensure(actor, Perm.MANAGE_WEBHOOKS)
    endpoint = by_id(WebhookEndpoint, endpoint_id, "webhook endpoint")
    stmt = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
    if state:
        stmt = stmt.where(WebhookDelivery.state == state)
    for d in db.session.scalars(stmt.order_by(WebhookDelivery.id.desc()).limit(limit)):
        answer = d.last_error or (f"HTTP {d.last_status_code}" if d.last_status_code else "-")
        click.echo(f"{d.id}\t{d.event_id}\t{d.event_type}\t{d.state}\t{d.attempts}\t{answer}")


@webhooks.command("redeliver")
@click.argument("delivery_id", type=int)
@acting(required=True)
def redeliver(delivery_id, actor):
    """Send the event of DELIVERY_ID again (same event id) to its endpoint."""
    ensure(actor, Perm.MANAGE_WEBHOOKS)
    delivery = by_id(WebhookDelivery, delivery_id, "webhook delivery")
    again = delivery_work.redeliver(delivery, actor)
    db.session.commit()
    click.echo(f"delivery_id={again.id} event_id={again.event_id}")
