"""Who is calling: the bearer token, its scope, and its rate limit (portal.foundation.ratelimit).

Failed token authentications are counted per client address as well, separately from the
per-token limit: past API_AUTH_FAILURE_LIMIT failures within API_AUTH_FAILURE_WINDOW_SECONDS,
every bearer token from that address is refused with 429 until the window ends, so guessing
secrets is slow and a correct guess inside the lockout teaches nothing.
"""

from __future__ import annotations

import time

from flask import current_app, g, request

from portal.foundation import ratelimit
from portal.foundation.ratelimit import RateLimited

from ..extensions import db
from ..tokens.services import TokenRefused, authenticate_token
from .errors import ApiError

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def authenticate_request() -> None:
    """Act as the token's user for this request; cookies never authenticate the API."""
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise ApiError(401, headers={"WWW-Authenticate": 'Bearer realm="api"'})
    config = current_app.config
    failures = ratelimit.Counter(
        f"portal:api-auth-fail:{request.remote_addr or '-'}",
        config["API_AUTH_FAILURE_LIMIT"],
        config["API_AUTH_FAILURE_WINDOW_SECONDS"],
    )
    try:
        ratelimit.refuse_while_over([failures])
    except RateLimited as refused:
        raise _too_many(refused, "client_address", LOCKED_OUT) from None
    try:
        token = authenticate_token(secret.strip())
    except TokenRefused:
        ratelimit.count([failures])  # the window starts at the first failure
        raise ApiError(
            401,
            "invalid_token",
            "The token is unknown, revoked or expired.",
            headers={"WWW-Authenticate": 'Bearer realm="api", error="invalid_token"'},
        ) from None
    db.session.commit()  # keep last_used_at even when the call itself changes nothing
    g._login_user = token.user  # what flask_login.current_user returns for this request
    g.api_token = token
    if request.method not in READ_METHODS and not token.writable:
        raise ApiError(403, "insufficient_scope", "This token is read-only.")
    per_token = ratelimit.Counter(
        f"portal:api-rate:{token.id}", config["API_RATE_LIMIT"], config["API_RATE_WINDOW_SECONDS"]
    )
    try:
        g.api_rate = ratelimit.take(per_token)
    except RateLimited as refused:
        g.api_rate = refused.usage
        raise _too_many(refused, "token") from None


LOCKED_OUT = (
    "Too many failed token authentications from this address; retry after the given seconds."
)


def _too_many(refused: RateLimited, scope: str, message: str | None = None) -> ApiError:
    """429 with Retry-After and the RateLimit headers of the limit that refused."""
    limit = refused.counter
    return ApiError(
        429,
        "rate_limited",
        message,
        details=[{"scope": scope, "limit": limit.limit, "window_seconds": limit.window}],
        headers=refused.headers,
    )


def rate_headers(response):
    """The token's quota on every answer: the IETF draft's RateLimit-Limit, -Remaining and
    -Reset (seconds), and the X-RateLimit-* of before (X-RateLimit-Reset as a Unix time)."""
    if "api_rate" in g:
        usage: ratelimit.Usage = g.api_rate
        response.headers.update(usage.headers())
        response.headers["X-RateLimit-Limit"] = str(usage.limit)
        response.headers["X-RateLimit-Remaining"] = str(usage.remaining)
        response.headers["X-RateLimit-Reset"] = str(int(time.time()) + usage.reset)
    return response
