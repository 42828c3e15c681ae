"""The `webhooks` section of the OpenAPI 3.1 document: one POST per event type the portal sends,
its signed headers and its payload, the object's fields described from the model's columns."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Boolean, Date, Integer
from sqlalchemy.types import TypeDecorator

from ..extensions import db
from ..foundation.webhooks import EVENT_TYPES, HIDDEN_COLUMNS, OBJECT_KINDS, event_object_kind
from ..models.types import ScaledDecimal, UTCDateTime
from .schemas import MONEY

# How a receiver checks a request; docs/api.md shows the same code (a test keeps them equal).
VERIFY_RECIPE = '''\
import hashlib
import hmac
import time


def verify_portal_signature(secret: str, header: str, body: bytes, tolerance: int = 300) -> bool:
    """True when `header` (Portal-Signature) signs `body` with `secret`, sent at most
    `tolerance` seconds ago (which refuses replayed requests)."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(time.time() - timestamp) > tolerance:
        return False
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return hmac.compare_digest(expected.hexdigest(), parts.get("v1", ""))
'''


def _column_schema(column) -> dict[str, Any]:
    kind = column.type
    if isinstance(kind, ScaledDecimal):
        schema: dict[str, Any] = dict(MONEY)
    elif isinstance(kind, UTCDateTime):
        schema = {"type": "string", "format": "date-time"}
    elif isinstance(kind, TypeDecorator):
        schema = {"type": "string"}
    elif isinstance(kind, Boolean):
        schema = {"type": "boolean"}
    elif isinstance(kind, Integer):
        schema = {"type": "integer"}
    elif isinstance(kind, Date):
        schema = {"type": "string", "format": "date"}
    elif isinstance(kind, JSON):
        return {}
    else:
        schema = {"type": "string"}
    if column.nullable:
        schema["type"] = [schema["type"], "null"]
    return schema


def _fields_schema(table: str) -> dict[str, Any]:
    columns = db.metadata.tables[table].columns
    shown = [c for c in columns if not any(word in c.key for word in HIDDEN_COLUMNS)]
    return {
        "type": "object",
        "description": f"The {table} row's columns after the change.",
        "properties": {c.key: _column_schema(c) for c in shown},
        "required": [c.key for c in shown],
    }


def _schema_name(kind: str) -> str:
    return "WebhookEvent_" + "".join(part.capitalize() for part in kind.split("_"))


def _types_about(kind: str) -> list[str]:
    return [t for t in EVENT_TYPES if event_object_kind(t) == kind]


def webhook_schemas() -> dict[str, dict[str, Any]]:
    """One payload schema per kind of object events are about."""
    schemas = {}
    for table, kind in OBJECT_KINDS.items():
        schemas[_schema_name(kind)] = {
            "type": "object",
            "description": f"An event about a {kind.replace('_', ' ')} (a webhook body).",
            "properties": {
                "id": {"type": "string", "description": "The event id; dedupe on it."},
                "type": {
                    "type": "string",
                    "enum": [t for t in EVENT_TYPES if event_object_kind(t) == kind],
                },
                "created_at": {"type": "string", "format": "date-time"},
                "actor": {"type": ["string", "null"], "description": "Who acted (e-mail)."},
                "data": {
                    "type": "object",
                    "properties": {
                        "object": {"const": kind},
                        "id": {"type": "integer"},
                        "fields": _fields_schema(table),
                    },
                    "required": ["object", "id", "fields"],
                },
            },
            "required": ["id", "type", "created_at", "actor", "data"],
        }
    return schemas


HEADERS = [
    {
        "name": "Portal-Signature",
        "in": "header",
        "required": True,
        "description": 't=<Unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" keyed with '
        "the endpoint's secret>. Verify it as docs/api.md shows before trusting the body.",
        "schema": {"type": "string"},
    },
    {
        "name": "Portal-Event-Id",
        "in": "header",
        "required": True,
        "description": "The event id (also the body's `id`): a redelivery repeats it.",
        "schema": {"type": "string"},
    },
    {
        "name": "Portal-Event-Type",
        "in": "header",
        "required": True,
        "description": "The event type (also the body's `type`).",
        "schema": {"type": "string"},
    },
]


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def webhooks_section() -> dict[str, Any]:
    """OpenAPI 3.1 `webhooks`: what the portal POSTs to subscribed endpoints."""
    section = {}
    for event_type in EVENT_TYPES:
        name = _schema_name(event_object_kind(event_type))
        section[event_type] = {
            "post": {
                "operationId": "webhook_" + event_type.replace(".", "_"),
                "summary": f"The portal sends `{event_type}` to the endpoints subscribed to it.",
                "tags": ["Webhooks"],
                "security": [],
                "parameters": HEADERS,
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}
                    },
                },
                "responses": {
                    "2XX": {
                        "description": "Received. Any other answer (or none within the "
                        "timeout) is retried with exponential backoff for a day."
                    }
                },
            }
        }
    return section
