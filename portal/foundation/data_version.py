"""A version number of everything the portal shows, kept in Redis and moved after each commit
that changed something, so caches of rendered pages and figures can be keyed by it.

Every state change is audited (`record_event`) and derived tables that are rebuilt without an
audit event (the sales roll-up) say so with `mark_changed`; either marks the session, and the
first thing after that session's commit is one INCR. Reading the version is one Redis GET — no
database round trip on a page served from a cache.

The counter starts from the clock (nanoseconds) when the key is missing, so after Redis lost it
the version never comes back to a value an old cached entry was stored under. When Redis cannot
be reached (or none is configured, as for a command run without REDIS_URL) the version is unknown
and callers do not cache. If a process dies between its commit
and the INCR, caches keyed by the old version are served until they expire (their TTL bounds it).
"""

from __future__ import annotations

import logging
import time

from flask import has_app_context, has_request_context, request
from redis.exceptions import RedisError
from sqlalchemy import event
from sqlalchemy.orm import Session

from .redis_conn import RedisNotConfigured, get_redis

KEY = "portal:data-version"
FLAG = "portal.data_changed"
ENVIRON_KEY = "portal.data_version"  # read once per request
log = logging.getLogger(__name__)


def mark_changed(session: Session) -> None:
    """This session's transaction changes what pages show: move the version after its commit."""
    session.info[FLAG] = True


def current() -> str | None:
    """The version now (read once per request), or None when Redis cannot say (then nothing
    should be cached)."""
    if has_request_context() and ENVIRON_KEY in request.environ:
        return request.environ[ENVIRON_KEY]
    try:
        client = get_redis()
        value = client.get(KEY)
        if value is None:
            client.set(KEY, time.time_ns(), nx=True)
            value = client.get(KEY)
    except RedisNotConfigured:
        return None
    except RedisError:
        log.warning("data version unavailable", exc_info=True)
        return None
    version = value.decode() if value is not None else None
    if version is not None:
        remember(version)
    return version


def remember(version: str) -> None:
    """The version this request read by other means (one MGET with the signed-in user)."""
    if has_request_context():
        request.environ[ENVIRON_KEY] = version


def bump() -> None:
    """Move the version (a missing key starts from the clock, never from 1)."""
    client = get_redis()
    client.set(KEY, time.time_ns(), nx=True)
    client.incr(KEY)


def _after_commit(session: Session) -> None:
    if not session.info.pop(FLAG, False) or not has_app_context():
        return
    try:
        bump()
    except RedisNotConfigured:
        # A command run without REDIS_URL: nothing here keeps pages, and what another process
        # keeps expires on its own. A commit never fails for its cache.
        log.info("no Redis configured: the data version was not moved")
    except RedisError:
        log.warning("data version not moved after a commit", exc_info=True)


def _after_rollback(session: Session) -> None:
    session.info.pop(FLAG, None)


def register() -> None:
    """Listen on every Session (the app's and any other): idempotent."""
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_rollback", _after_rollback)
