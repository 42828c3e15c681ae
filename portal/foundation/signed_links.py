"""Signed, expiring links (itsdangerous). Single use comes from a nonce stored on the row the
link is about: the link is valid only while that nonce is still there."""

from __future__ import annotations

import hmac
import secrets

from flask import current_app
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import select

from portal.extensions import db
from workflows.engine.i18n import N_, Refusal

SALT_PREFIX = "portal.onboarding."  # kept: links already sent stay valid


class InvalidToken(Refusal):
    """A link that is forged, expired or already used: all look the same to the visitor."""

    def __init__(self):
        super().__init__(
            N_("This link is not valid any more. It may have expired or been used already.")
        )


def new_nonce() -> str:
    return secrets.token_hex(16)


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT_PREFIX + purpose)


def make_token(purpose: str, object_id: int, nonce: str) -> str:
    return _serializer(purpose).dumps({"id": object_id, "n": nonce})


def read_token(purpose: str, token: str, max_age: int) -> tuple[int, str]:
    """(object id, nonce) from a genuine, unexpired token; InvalidToken otherwise."""
    try:
        data = _serializer(purpose).loads(token, max_age=max_age)
        return int(data["id"]), str(data["n"])
    except (BadData, KeyError, TypeError, ValueError):
        raise InvalidToken() from None


def row_for(model, purpose: str, token: str, max_age: int, nonce: str, *, lock: bool = False):
    """The `model` row a genuine, unexpired token is for while the row's `nonce` column still
    holds the token's nonce (`lock`: held FOR UPDATE for the change); InvalidToken otherwise."""
    object_id, presented = read_token(purpose, token, max_age)
    stmt = select(model).where(model.id == object_id)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    row = db.session.scalar(stmt)
    stored = getattr(row, nonce, None)
    if stored is None or not hmac.compare_digest(stored, presented):
        raise InvalidToken()
    return row
