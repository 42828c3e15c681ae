"""Creating, revoking and checking personal API tokens. Commands flush and never commit."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import select

from portal.foundation.audit import record_event

from ..extensions import db
from ..models import ApiToken, utcnow
from ..models.api_tokens import TOKEN_SCOPES
from ..security import Forbidden, Perm, can, ensure

TOKEN_PREFIX = "cpp"  # noqa: S105 - a public marker that lets secret scanners spot leaks
LAST_USED_RESOLUTION_SECONDS = 60  # write last_used_at at most once a minute per token


class TokenRefused(Exception):
    """The bearer token is missing, malformed, unknown, revoked, expired or its user inactive."""


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown once, never stored


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def tokens_of(user) -> list[ApiToken]:
    """The user's tokens, newest first (revoked ones included, for the record)."""
    return list(
        db.session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
        )
    )


def create_token(*, actor, name: str, scope: str, expires_on: date | None = None) -> IssuedToken:
    """A new token acting as `actor`; it expires at the end (UTC) of `expires_on`, if given."""
    ensure(actor, Perm.USE_API)
    if scope not in TOKEN_SCOPES:
        raise ValueError(f"unknown token scope {scope!r}")
    prefix = secrets.token_hex(6)
    secret = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    expires_at = None
    if expires_on is not None:
        expires_at = datetime.combine(expires_on, time.max, tzinfo=UTC)
    token = ApiToken(
        user_id=actor.id,
        name=name.strip()[:100],
        prefix=prefix,
        token_hash=_digest(secret),
        scope=scope,
        expires_at=expires_at,
    )
    db.session.add(token)
    db.session.flush()
    record_event(
        actor,
        "api_token.create",
        token,
        after={
            "name": token.name,
            "prefix": prefix,
            "scope": scope,
            "expires_on": _iso(expires_on),
        },
    )
    return IssuedToken(token, secret)


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def revoke_token(token: ApiToken, *, actor) -> ApiToken:
    """Only its owner revokes a token; revoking twice changes nothing."""
    ensure(actor, Perm.USE_API)
    if token.user_id != actor.id:
        raise Forbidden("api_token")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.flush()
        record_event(actor, "api_token.revoke", token, after={"prefix": token.prefix})
    return token


def own_token_or_none(user, token_id: int) -> ApiToken | None:
    return db.session.scalar(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id)
    )


def authenticate_token(secret: str) -> ApiToken:
    """The usable token with this secret, its user active and allowed the API; stamps last use."""
    parts = secret.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        raise TokenRefused
    token = db.session.scalar(select(ApiToken).where(ApiToken.prefix == parts[1]))
    now = utcnow()
    if token is None or not hmac.compare_digest(token.token_hash, _digest(secret)):
        raise TokenRefused
    if not token.usable(now) or not can(token.user, Perm.USE_API):
        raise TokenRefused
    last = token.last_used_at
    if last is None or (now - last).total_seconds() >= LAST_USED_RESOLUTION_SECONDS:
        token.last_used_at = now
        db.session.flush()
    return token
