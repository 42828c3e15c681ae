"""Outgoing webhooks: sending signed deliveries, retrying them, and queueing them after commit."""

from __future__ import annotations

import logging

from portal.foundation import webhooks as events
from workflows import enqueue

log = logging.getLogger(__name__)


def queue_committed(delivery_ids: list[int]) -> None:
    """Queue the deliveries a commit added. Redis being away loses nothing: the periodic sweep
    queues every pending delivery that is due."""
    try:
        enqueue.webhook_deliveries(delivery_ids)
    except Exception:  # the change is committed; the sweep delivers it later
        log.warning("could not queue webhook deliveries %s; the sweep will", delivery_ids)


def register() -> None:
    """Queue webhook deliveries after every commit that recorded some (idempotent)."""
    events.register()
    events.on_commit(queue_committed)
