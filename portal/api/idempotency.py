"""`Idempotency-Key` on POST: the same key and body replay the first response; the same key
with another body is a 409. Stored in Redis per user for IDEMPOTENCY_TTL_SECONDS."""

from __future__ import annotations

import hashlib
import json

from flask import current_app, request
from flask_login import current_user

from portal.foundation.redis_conn import get_redis

from .errors import ApiError

MAX_KEY_LENGTH = 255
PENDING = "pending"


def _redis_key(key: str) -> str:
    digest = hashlib.sha256(key.encode()).hexdigest()
    return f"portal:api-idem:{current_user.id}:{digest}"


def _request_hash() -> str:
    body = request.get_data() or b""
    return hashlib.sha256(
        request.method.encode() + request.path.encode() + b"\0" + body
    ).hexdigest()


def replay_or_reserve() -> tuple[str, str] | None:
    """None without a key; a stored response raises Replay; otherwise reserve the key."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ApiError(400, "invalid_idempotency_key", "Idempotency-Key must be 1-255 characters.")
    redis_key, fingerprint = _redis_key(key), _request_hash()
    ttl = current_app.config["API_IDEMPOTENCY_TTL_SECONDS"]
    reserved = json.dumps({"hash": fingerprint, "state": PENDING})
    if get_redis().set(redis_key, reserved, nx=True, ex=ttl):
        return redis_key, fingerprint
    stored = json.loads(get_redis().get(redis_key) or "{}")
    if stored.get("hash") != fingerprint:
        raise ApiError(
            409,
            "idempotency_key_reused",
            "This Idempotency-Key was used with a different request.",
        )
    if stored.get("state") == PENDING:
        raise ApiError(
            409, "idempotency_in_progress", "The first request with this key is running."
        )
    raise Replay(stored)


class Replay(Exception):  # noqa: N818 - control flow, not an error
    def __init__(self, stored: dict):
        super().__init__("replay")
        self.stored = stored


def remember(reservation: tuple[str, str], status: int, body: bytes, headers: dict) -> None:
    redis_key, fingerprint = reservation
    record = {
        "hash": fingerprint,
        "state": "done",
        "status": status,
        "body": body.decode(),
        "headers": headers,
    }
    get_redis().set(
        redis_key, json.dumps(record), ex=current_app.config["API_IDEMPOTENCY_TTL_SECONDS"]
    )


def release(reservation: tuple[str, str]) -> None:
    """A request that failed unexpectedly may be retried with the same key."""
    get_redis().delete(reservation[0])
