"""Authentication: password checks that cost the same for every address, limits on failures
that an attacker cannot turn against the account's owner, and changing a password."""

from __future__ import annotations

import secrets

from flask import current_app
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from portal.foundation import ratelimit
from portal.foundation.audit import record_event
from workflows.engine.i18n import N_, Refusal

from ..extensions import db
from ..models import User, utcnow
from ..models.users import PASSWORD_METHOD
from .sessions import revoke_all


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


SIGN_IN_REFUSED = N_("Too many failed sign-in attempts. Please try again in %(wait)s.")


def _counters(email: str, ip: str) -> dict[str, ratelimit.Counter]:
    config, account = current_app.config, ratelimit.digest(email)
    window = config["LOGIN_RATE_WINDOW_SECONDS"]
    return {
        "pair": ratelimit.Counter(
            f"portal:login-fail:pair:{account}:{ip}", config["LOGIN_RATE_LIMIT"], window
        ),
        "address": ratelimit.Counter(
            f"portal:login-fail:ip:{ip}", config["LOGIN_ADDRESS_LIMIT"], window
        ),
        # never refuses: past this many failures from everywhere, each further one delays
        "account": ratelimit.Counter(
            f"portal:login-fail:email:{account}", config["LOGIN_ACCOUNT_DELAY_AFTER"], window
        ),
        "wait": ratelimit.Counter(
            f"portal:login-wait:email:{account}", 1, config["LOGIN_MAX_DELAY_SECONDS"]
        ),
    }


def check_limit(email: str, ip: str) -> None:
    """Refuse (RateLimited) while this address failed too often, for this account or for any,
    or while the account's own short delay after many failures from everywhere runs."""
    counters = _counters(email, ip)
    ratelimit.refuse_while_over(
        [counters["pair"], counters["address"], counters["wait"]], SIGN_IN_REFUSED
    )


def count_failure(email: str, ip: str) -> None:
    """One more failure for (account, address), the address and the account; past
    LOGIN_ACCOUNT_DELAY_AFTER failures of the account from everywhere, the next attempt waits
    1, 2, 4 … seconds, never more than LOGIN_MAX_DELAY_SECONDS."""
    counters = _counters(email, ip)
    *_, account = ratelimit.count([counters["pair"], counters["address"], counters["account"]])
    beyond = account.used - account.limit
    if beyond >= 0:
        delay = min(2 ** min(beyond, 16), current_app.config["LOGIN_MAX_DELAY_SECONDS"])
        ratelimit.block(counters["wait"].key, delay)


def authenticate(email: str, password: str, ip: str) -> User | None:
    """The active user with these credentials, or None; refuses (RateLimited) while the limit
    is exceeded. Known, unknown and deactivated addresses do the same password-hashing work."""
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
