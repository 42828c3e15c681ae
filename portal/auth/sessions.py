"""Sign-in sessions kept on the server (`user_sessions`), so they can be ended from anywhere.

The Flask session cookie carries a random session secret (`sid`); a request is signed in only
while the row with that secret's hash is neither revoked nor expired. "Keep me signed in" sets
a second cookie with its own random secret; the session secret of a remembered sign-in is derived
from it, so a browser that comes back after a restart finds the same row without any write.
Flask-Login's own remember cookie (the user id, signed) is never set and never accepted.

Ending sessions marks the data version changed, so the signed-in user kept in Redis
(`portal.user_cache`) is read again from the database on the very next request.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

from flask import after_this_request, current_app, g, request, session
from flask_login import login_user
from sqlalchemy import select, update

from portal.foundation import data_version
from portal.foundation.audit import record_event

from .. import user_cache
from ..extensions import db
from ..models import User, UserSession, utcnow

SID_KEY = "sid"
LEGACY_REMEMBER_COOKIE = "remember_token"  # Flask-Login's default cookie: user id based
MAX_SECRET_LENGTH = 200


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _session_secret_for(remember_secret: str) -> str:
    """The session secret of a remembered sign-in (one way: it does not reveal the other)."""
    return digest(f"session:{remember_secret}")


def start(
    user: User, *, remember: bool, ip: str | None, user_agent: str
) -> tuple[UserSession, str, str | None]:
    """A new session row for `user`; returns it with its session secret and, when remembered,
    the remember secret. Only the hashes are stored."""
    now = utcnow()
    remember_secret = secrets.token_urlsafe(32) if remember else None
    sid = _session_secret_for(remember_secret) if remember_secret else secrets.token_urlsafe(32)
    lifetime = current_app.config["REMEMBER_DURATION" if remember else "PERMANENT_SESSION_LIFETIME"]
    row = UserSession(
        user_id=user.id,
        token_hash=digest(sid),
        remember_hash=digest(remember_secret) if remember_secret else None,
        remembered=remember,
        created_at=now,
        last_seen_at=now,
        expires_at=now + lifetime,
        user_agent=(user_agent or "")[:200],
        ip=ip,
    )
    db.session.add(row)
    db.session.flush()
    return row, sid, remember_secret


def revoke_session(row: UserSession, *, reason: str, actor, ip: str | None = None) -> None:
    """End one session now (the next request with its cookies is signed out); audited as a
    sign-out when the user signs out, else as a revocation."""
    if row.revoked_at is None:
        row.revoked_at, row.revoked_reason = utcnow(), reason
        db.session.flush()
    action = "user.logout" if reason == "sign_out" else "user.session.revoke"
    record_event(actor, action, row.user, after={"session": row.id, "reason": reason}, ip=ip)
    data_version.mark_changed(db.session)


def revoke_all(user: User, *, reason: str, actor, keep_id: int | None = None) -> int:
    """End every live session of `user` (but `keep_id`); audited with how many ended."""
    stmt = (
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason)
    )
    if keep_id is not None:
        stmt = stmt.where(UserSession.id != keep_id)
    ended = db.session.execute(stmt).rowcount
    record_event(actor, "user.sessions.revoke", user, after={"reason": reason, "ended": ended})
    data_version.mark_changed(db.session)
    return ended


def live_sessions(user: User, now: datetime | None = None) -> list[UserSession]:
    """The user's sessions that still sign a browser in, the latest sign-in first."""
    now = now or utcnow()
    return list(
        db.session.scalars(
            select(UserSession)
            .where(
                UserSession.user_id == user.id,
                UserSession.revoked_at.is_(None),
                UserSession.expires_at > now,
            )
            .order_by(UserSession.created_at.desc(), UserSession.id.desc())
        )
    )


def own_session(user: User, session_id: int | None) -> UserSession | None:
    """One of `user`'s own sessions by id (None for anyone else's, or none)."""
    mine = select(UserSession).where(UserSession.user_id == user.id)
    return db.session.scalar(mine.where(UserSession.id == session_id))


def with_last_seen(rows: list[UserSession]) -> list[tuple[UserSession, datetime]]:
    """Each session with when it was last used: noted in Redis on use (at most once a minute),
    else the time it signed a browser in."""
    noted = user_cache.last_seen(rows)
    return [
        (row, datetime.fromtimestamp(noted[row.id], UTC) if row.id in noted else row.last_seen_at)
        for row in rows
    ]


def current_session_id() -> int | None:
    """The id of the session row this request is signed in with."""
    return g.get("user_session_id")


# --- the browser side ----------------------------------------------------------------------


def sign_in(user: User, *, remember: bool = False) -> UserSession:
    """Sign `user` in in this browser: a new session row, a fresh Flask session (so a new CSRF
    token and nothing carried over from before), and the remember cookie when asked."""
    row, sid, remember_secret = start(
        user, remember=remember, ip=request.remote_addr, user_agent=request.user_agent.string
    )
    session.clear()
    g.pop("csrf_token", None)
    login_user(user)  # never remember=True: Flask-Login's cookie holds only the user id
    session[SID_KEY] = sid
    g.user_session_id = row.id
    if remember_secret:

        @after_this_request
        def set_remember_cookie(response):
            response.set_cookie(
                current_app.config["REMEMBER_COOKIE"],
                remember_secret,
                expires=row.expires_at,
                secure=current_app.config["REMEMBER_COOKIE_SECURE"],
                httponly=True,
                samesite="Lax",
            )
            return response

    return row


def forget_browser() -> None:
    """After signing out: a fresh Flask session (new CSRF token) and no remember cookie."""
    session.clear()
    g.pop("csrf_token", None)
    g.pop("user_session_id", None)

    @after_this_request
    def clear_remember_cookie(response):
        response.delete_cookie(current_app.config["REMEMBER_COOKIE"], httponly=True)
        return response


def load_user(user_id: str) -> User | None:
    """Flask-Login's user loader: the user only while the session in the cookie is live."""
    g.user_session_id = None
    sid = session.get(SID_KEY)
    if not sid or len(sid) > MAX_SECRET_LENGTH or not user_id.isdigit():
        return None
    found = user_cache.load_signed_in(int(user_id), digest(sid))
    if found is None:
        return None
    user, session_id = found
    g.user_session_id = session_id
    return user


def load_from_remember_cookie(req) -> User | None:
    """A browser back after a restart: its remember cookie finds its live session row."""
    secret = req.cookies.get(current_app.config["REMEMBER_COOKIE"])
    if not secret or len(secret) > MAX_SECRET_LENGTH:
        return None
    row = db.session.scalar(select(UserSession).where(UserSession.remember_hash == digest(secret)))
    if row is None or not row.live(utcnow()) or not row.user.active:
        g.dead_remember_cookie = True
        return None
    login_user(row.user, fresh=False)
    session[SID_KEY] = _session_secret_for(secret)
    g.user_session_id = row.id
    return row.user


def drop_dead_cookies(response):
    """Remember cookies of ended sessions, and those issued before sessions were kept on the
    server, are removed from the browser."""
    if LEGACY_REMEMBER_COOKIE in request.cookies:
        response.delete_cookie(LEGACY_REMEMBER_COOKIE)
    if g.pop("dead_remember_cookie", False):
        response.delete_cookie(current_app.config["REMEMBER_COOKIE"], httponly=True)
    return response


def register(app, login_manager) -> None:
    login_manager.user_loader(load_user)
    login_manager.request_loader(load_from_remember_cookie)
    app.after_request(drop_dead_cookies)
