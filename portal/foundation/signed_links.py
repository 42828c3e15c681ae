"""Signed, expiring links (itsdangerous). Single use comes from a nonce stored on the row the
link is about: the link is valid only while that nonce is still there."""

from __future__ import annotations

import hmac
import secrets

from flask import current_app
from itsdangerous import BadData, URLSafeTimedSerializer

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


def nonce_matches(stored: str | None, presented: str) -> bool:
    return stored is not None and hmac.compare_digest(stored, presented)
