"""Who is calling: the bearer token, its scope, and its rate limit (Redis, fixed window).

Failed token authentications are counted per client address as well, separately from the
per-token limit: past API_AUTH_FAILURE_LIMIT failures within API_AUTH_FAILURE_WINDOW_SECONDS,
every bearer token from that address is refused with 429 until the window ends, so guessing
secrets is slow and a correct guess inside the lockout teaches nothing.
"""

from __future__ import annotations

import time

from flask import current_app, g, request

from portal.foundation.redis_conn import count_in_window, get_redis

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
    failures_key = f"portal:api-auth-fail:{request.remote_addr or '-'}"
    _refuse_while_locked_out(failures_key)
    try:
        token = authenticate_token(secret.strip())
    except TokenRefused:
        _count_failure(failures_key)
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
    _count_request(token.id)


def _refuse_while_locked_out(key: str) -> None:
    """429 while the address has API_AUTH_FAILURE_LIMIT failures in the current window."""
    limit = current_app.config["API_AUTH_FAILURE_LIMIT"]
    pipe = get_redis().pipeline()
    pipe.get(key)
    pipe.ttl(key)
    count, ttl = pipe.execute()
    if count is not None and int(count) >= limit:
        window = current_app.config["API_AUTH_FAILURE_WINDOW_SECONDS"]
        raise ApiError(
            429,
            "rate_limited",
            "Too many failed token authentications from this address; "
            "retry after the given seconds.",
            details=[{"scope": "client_address", "limit": limit, "window_seconds": window}],
            headers={"Retry-After": str(max(1, ttl))},
        )


def _count_failure(key: str) -> None:
    """One more failure; the window starts at the first one."""
    pipe = get_redis().pipeline()
    count_in_window(pipe, key, current_app.config["API_AUTH_FAILURE_WINDOW_SECONDS"])
    pipe.execute()


def _count_request(token_id: int) -> None:
    """At most API_RATE_LIMIT requests per token per window; 429 with Retry-After beyond."""
    limit = current_app.config["API_RATE_LIMIT"]
    window = current_app.config["API_RATE_WINDOW_SECONDS"]
    now = int(time.time())
    start = now - now % window
    key = f"portal:api-rate:{token_id}:{start}"
    pipe = get_redis().pipeline()
    count_in_window(pipe, key, window)
    count = pipe.execute()[-1]
    g.api_rate = (limit, max(0, limit - int(count)), start + window)
    if int(count) > limit:
        retry = max(1, start + window - now)
        raise ApiError(
            429,
            details=[{"scope": "token", "limit": limit, "window_seconds": window}],
            headers={"Retry-After": str(retry)},
        )


def rate_headers(response):
    if "api_rate" in g:
        limit, remaining, reset = g.api_rate
        response.headers["X-RateLimit-Limit"] = str(limit)
        response.headers["X-RateLimit-Remaining"] = str(remaining)
        response.headers["X-RateLimit-Reset"] = str(reset)
    return response
