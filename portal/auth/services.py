"""Authentication: password checks that cost the same for every address, limits on failures
that an attacker cannot turn against the account's owner, and changing a password."""

from __future__ import annotations

import hashlib
import math
import secrets

from flask import current_app
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from portal.foundation.audit import record_event
from portal.foundation.redis_conn import count_in_window, get_redis
from workflows.engine.i18n import N_, Refusal

from ..extensions import db
from ..models import User, utcnow
from ..models.users import PASSWORD_METHOD
from .sessions import revoke_all


class TooManyAttempts(Exception):
    """Too many failed sign-ins; `retry_after` seconds to wait when it is a short delay."""

    def __init__(self, retry_after: int | None = None):
        super().__init__(retry_after)
        self.retry_after = retry_after


class AccountError(Refusal, ValueError):
    """A change to one's own account was refused."""


_dummy_hash: str | None = None


def dummy_hash() -> str:
    """A hash of a random password with the method and cost of real ones: checking a password
    for an unknown address costs what it costs for a real account."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = generate_password_hash(secrets.token_hex(16), method=PASSWORD_METHOD)
    return _dummy_hash


def verify_password(password_hash: str, password: str) -> bool:
    return check_password_hash(password_hash, password)


def _keys(email: str, ip: str) -> dict[str, str]:
    account = hashlib.sha256(email.lower().encode()).hexdigest()[:32]
    return {
        "pair": f"portal:login-fail:pair:{account}:{ip}",
        "address": f"portal:login-fail:ip:{ip}",
        "account": f"portal:login-fail:email:{account}",
        "wait": f"portal:login-wait:email:{account}",
    }


def check_limit(email: str, ip: str) -> None:
    """Refuse while this address failed too often, for this account or for any, or while the
    account's own short delay after many failures from everywhere runs."""
    config, keys = current_app.config, _keys(email, ip)
    pipe = get_redis().pipeline(transaction=False)
    pipe.get(keys["pair"])
    pipe.get(keys["address"])
    pipe.pttl(keys["wait"])
    pair, address, wait_ms = pipe.execute()
    if int(pair or 0) >= config["LOGIN_RATE_LIMIT"]:
        raise TooManyAttempts
    if int(address or 0) >= config["LOGIN_ADDRESS_LIMIT"]:
        raise TooManyAttempts
    if wait_ms and wait_ms > 0:
        raise TooManyAttempts(retry_after=math.ceil(wait_ms / 1000))


def count_failure(email: str, ip: str) -> None:
    """One more failure for (account, address), the address and the account; past
    LOGIN_ACCOUNT_DELAY_AFTER failures of the account from everywhere, the next attempt waits
    1, 2, 4 … seconds, never more than LOGIN_MAX_DELAY_SECONDS."""
    config, keys = current_app.config, _keys(email, ip)
    window = config["LOGIN_RATE_WINDOW_SECONDS"]
    redis = get_redis()
    pipe = redis.pipeline()
    for name in ("pair", "address", "account"):
        count_in_window(pipe, keys[name], window)
    account_failures = pipe.execute()[-1]
    beyond = account_failures - config["LOGIN_ACCOUNT_DELAY_AFTER"]
    if beyond >= 0:
        delay = min(2 ** min(beyond, 16), config["LOGIN_MAX_DELAY_SECONDS"])
        redis.set(keys["wait"], 1, ex=max(1, delay))


def authenticate(email: str, password: str, ip: str) -> User | None:
    """The active user with these credentials, or None; refuses while the limit is exceeded.
    Known, unknown and deactivated addresses do the same password-hashing work."""
    email = email.strip().lower()
    check_limit(email, ip)
    user = db.session.scalar(select(User).where(func.lower(User.email) == email))
    correct = verify_password(user.password_hash if user else dummy_hash(), password)
    if user is None or not correct or not user.active:
        count_failure(email, ip)
        return None
    user.last_login_at = utcnow()
    record_event(user, "user.login", user, ip=ip)
    return user


def change_password(user: User, *, current: str, new: str, keep_session_id, ip: str) -> int:
    """A new password for the signed-in user, who proves the current one; every other session
    of theirs ends. Wrong current passwords count as failed sign-ins. Returns sessions ended."""
    check_limit(user.email, ip)
    if not verify_password(user.password_hash, current):
        count_failure(user.email, ip)
        raise AccountError(N_("The current password is not correct."), field="current")
    if new == current:
        raise AccountError(N_("Choose a password different from the current one."), field="new")
    user.set_password(new)
    record_event(user, "user.password_change", user, ip=ip)
    return revoke_all(user, reason="password_change", actor=user, keep_id=keep_session_id)
