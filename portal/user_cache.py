"""The signed-in user for each request, from Redis when nothing changed since it was read.

Flask-Login asks for the user on every request. Reading it from the database costs three round
trips (BEGIN, SELECT, ROLLBACK) on every page, including pages served whole from a cache. Here
the columns that decide access (active, role, organisation, language) are kept in Redis with the
data version (`foundation.data_version`) they were read at, and are used only while that version is
still current. Every change to a user is audited (created, activated, deactivated, signed in)
or marks the session changed (language), which moves the version after its commit, so the next
request reads the database again: a deactivated user is refused on the request after the
deactivation is committed. A partner user's organisation is kept by its id and name, which the
layout shows on every page (renaming it is audited too). Anything else about the user (the
password hash, timestamps, the territories of a manager) or the organisation is not kept and
loads from the database when a page needs it.

The session a request is signed in with (`portal.auth.sessions`) is kept the same way, by the
hash of its secret, with its expiry: ending a session marks the version changed, so a signed-out
cookie is refused on the very next request, and a kept session is never used past its expiry.

Redis is trusted here as it is for the queues (a job in Redis already runs code in a worker).
"""

from __future__ import annotations

import json
import time

from flask import current_app
from redis.exceptions import RedisError
from sqlalchemy import select
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from portal.foundation import data_version
from portal.foundation.redis_conn import RedisNotConfigured, get_redis

from .extensions import db
from .models import Partner, User, UserSession, utcnow

KEPT = ("id", "email", "name", "role", "partner_id", "locale", "active")
ORGANISATION = "partner_name"  # kept beside the columns: the name of the user's organisation


def _key(user_id: int) -> str:
    return f"portal:users:{user_id}"


def _session_key(token_hash: str) -> str:
    return f"portal:sessions:{token_hash}"


def seen_key(token_hash: str) -> str:
    """When the session was last used (epoch seconds), written at most once per SEEN_EVERY."""
    return f"portal:sessions:{token_hash}:seen"


SEEN_EVERY = 60


def load(user_id: int) -> User | None:
    """The user with `user_id`, attached to the session; None when there is no such user."""
    seconds = current_app.config["USER_CACHE_SECONDS"]
    if not seconds:
        return db.session.get(User, user_id)
    try:
        version, kept = get_redis().mget(data_version.KEY, _key(user_id))
    except (RedisError, RedisNotConfigured):
        return db.session.get(User, user_id)
    if version is None:
        version = data_version.current()
    if version is None:
        return db.session.get(User, user_id)
    version = version.decode() if isinstance(version, bytes) else version
    data_version.remember(version)
    if kept is not None:
        columns = json.loads(kept)
        if columns.pop("version", None) == version and columns.get("id") == user_id:
            return _attached(columns)
    user = db.session.get(User, user_id)
    if user is not None:
        columns = _kept_columns(user)
        try:
            get_redis().set(_key(user_id), json.dumps({"version": version, **columns}), ex=seconds)
        except RedisError:
            current_app.logger.warning("user cache unavailable", exc_info=True)
    return user


def _kept_columns(user: User) -> dict:
    columns = {name: getattr(user, name) for name in KEPT}
    columns[ORGANISATION] = user.partner.name if user.partner_id is not None else None
    return columns


def _attached(columns: dict) -> User:
    """A persistent User built from kept columns without a query, with its organisation's id
    and name; what is not kept loads from the database on first access."""
    organisation = columns.pop(ORGANISATION, None)
    user = _detached(User(**columns))
    if organisation is not None and user.partner_id is not None:
        # as if loaded with the user (no history): the session only holds it weakly
        set_committed_value(
            user, "partner", _detached(Partner(id=user.partner_id, name=organisation))
        )
    return user


def _detached(instance):
    """`instance` in the session as if loaded, without a query: its attributes not given are
    expired, so they load on first access."""
    make_transient_to_detached(instance)
    return db.session.merge(instance, load=False)


def load_signed_in(user_id: int, token_hash: str) -> tuple[User, int] | None:
    """The user `user_id` and the id of their live session whose secret hashes to `token_hash`;
    None when that session is unknown, someone else's, revoked or expired."""
    seconds = current_app.config["USER_CACHE_SECONDS"]
    version = seen = None
    if seconds:
        try:
            version, kept, kept_session, seen = get_redis().mget(
                data_version.KEY, _key(user_id), _session_key(token_hash), seen_key(token_hash)
            )
        except (RedisError, RedisNotConfigured):
            version = kept = kept_session = None
        else:
            if version is None:
                version = data_version.current()
    if version is not None:
        version = version.decode() if isinstance(version, bytes) else version
        data_version.remember(version)
        if kept is not None and kept_session is not None:
            columns, signed_in = json.loads(kept), json.loads(kept_session)
            if (
                columns.pop("version", None) == version
                and signed_in.get("version") == version
                and columns.get("id") == user_id == signed_in.get("user_id")
                and time.time() < signed_in["expires_at"]
            ):
                _note_seen(token_hash, seen, signed_in["expires_at"])
                return _attached(columns), signed_in["id"]
    found = db.session.execute(
        select(UserSession, User)
        .join(User, User.id == UserSession.user_id)
        .where(UserSession.token_hash == token_hash)
    ).first()
    if found is None:
        return None
    row, user = found
    if row.user_id != user_id or not row.live(utcnow()):
        return None
    if version is not None:
        _keep(user, row, token_hash, version, seconds)
        _note_seen(token_hash, seen, row.expires_at.timestamp())
    return user, row.id


def _note_seen(token_hash: str, seen, expires_at: float) -> None:
    """Remember that the session was used now, unless that was noted less than a minute ago."""
    now = time.time()
    if seen is not None and now - float(seen) < SEEN_EVERY:
        return
    try:
        get_redis().set(seen_key(token_hash), int(now), ex=max(1, int(expires_at - now)))
    except RedisError:
        current_app.logger.warning("session last-seen not noted", exc_info=True)


def last_seen(rows) -> dict[int, float]:
    """When each session row was last used, as noted in Redis (epoch seconds; rows without a
    note are left out)."""
    rows = list(rows)
    if not rows:
        return {}
    try:
        values = get_redis().mget([seen_key(row.token_hash) for row in rows])
    except (RedisError, RedisNotConfigured):
        return {}
    return {row.id: float(v) for row, v in zip(rows, values, strict=True) if v is not None}


def _keep(user: User, row: UserSession, token_hash: str, version: str, seconds: int) -> None:
    columns = _kept_columns(user)
    signed_in = {
        "version": version,
        "id": row.id,
        "user_id": row.user_id,
        "expires_at": row.expires_at.timestamp(),
    }
    try:
        pipe = get_redis().pipeline(transaction=False)
        pipe.set(_key(user.id), json.dumps({"version": version, **columns}), ex=seconds)
        pipe.set(_session_key(token_hash), json.dumps(signed_in), ex=seconds)
        pipe.execute()
    except RedisError:
        current_app.logger.warning("user cache unavailable", exc_info=True)
