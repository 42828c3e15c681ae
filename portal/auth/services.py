"""Authentication with a Redis-backed limit on failed attempts."""

from __future__ import annotations

import hashlib

from flask import current_app
from sqlalchemy import func, select

from ..audit.services import record_event
from ..extensions import db
from ..models import User, utcnow
from ..redis_conn import count_in_window, get_redis


class TooManyAttempts(Exception):
    """Too many failed sign-ins from this address or for this account; try again later."""


def _keys(email: str, ip: str) -> list[str]:
    digest = hashlib.sha256(email.lower().encode()).hexdigest()[:32]
    return [f"portal:login-fail:email:{digest}", f"portal:login-fail:ip:{ip}"]


def _check_limit(email: str, ip: str) -> None:
    limit = current_app.config["LOGIN_RATE_LIMIT"]
    counts = get_redis().mget(_keys(email, ip))
    if any(c is not None and int(c) >= limit for c in counts):
        raise TooManyAttempts


def _count_failure(email: str, ip: str) -> None:
    window = current_app.config["LOGIN_RATE_WINDOW_SECONDS"]
    pipe = get_redis().pipeline()
    for key in _keys(email, ip):
        count_in_window(pipe, key, window)
    pipe.execute()


def authenticate(email: str, password: str, ip: str) -> User | None:
    """The active user with these credentials, or None; refuses while the limit is exceeded."""
    email = email.strip().lower()
    _check_limit(email, ip)
    user = db.session.scalar(select(User).where(func.lower(User.email) == email))
    if user is None or not user.active or not user.check_password(password):
        _count_failure(email, ip)
        return None
    user.last_login_at = utcnow()
    record_event(user, "user.login", user, ip=ip)
    return user
