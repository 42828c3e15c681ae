"""Password links in e-mails: a new staff user's first password and a forgotten password.

Both are signed tokens (itsdangerous, a salt per purpose, a maximum age) carrying the user id
and a nonce stored on the user row (`password_nonce`). A new link replaces the nonce, so only
the newest link works; using it clears the nonce, so it works once. Deactivated users get no
link and cannot use one.

Asking for a reset link does the same work whatever the address: the request is counted and a
job is queued; the job looks the address up and, only for an active account, stores the link
and queues the e-mail. The page a visitor sees therefore never tells whether an account exists.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import func, select

from portal.foundation import ratelimit, signed_links
from portal.foundation.audit import record_event
from portal.foundation.outbox import public_url, queue_mail
from portal.foundation.signed_links import InvalidToken
from workflows import enqueue

from ..extensions import db
from ..models import User
from .sessions import revoke_all

RESET = "reset-password"
WELCOME = "set-password"
ENDPOINTS = {RESET: "auth.reset_password", WELCOME: "auth.set_password"}
MAX_AGE_KEYS = {RESET: "PASSWORD_RESET_MAX_AGE_SECONDS", WELCOME: "STAFF_PASSWORD_LINK_SECONDS"}
AUDIT_ACTIONS = {RESET: "user.password_reset", WELCOME: "user.password_set"}


def max_age(purpose: str) -> int:
    return current_app.config[MAX_AGE_KEYS[purpose]]


def new_link(user: User, purpose: str) -> str:
    """A link for `user` to choose a password; earlier links of theirs stop working."""
    user.password_nonce = signed_links.new_nonce()
    token = signed_links.make_token(purpose, user.id, user.password_nonce)
    return public_url(ENDPOINTS[purpose], token=token)


def send_welcome(user: User, *, actor) -> None:
    """E-mail a new staff user the link to choose their first password (in their language)."""
    link = new_link(user, WELCOME)
    context = {"link": link, "inviter": actor, "days": max_age(WELCOME) // (24 * 3600)}
    queue_mail(user, "staff_welcome", context, related=user)


def request_reset(email: str, *, ip: str | None, locale: str | None) -> None:
    """Count the request (per client address and per address, known or not) and queue the job
    that sends the link; raises RateLimited past the limit."""
    email = email.strip().lower()
    config = current_app.config
    ratelimit.hit(
        ratelimit.per_identity(
            "password-reset",
            [ip, email],
            limit=config["PASSWORD_RESET_RATE_LIMIT"],
            window=config["PASSWORD_RESET_RATE_WINDOW_SECONDS"],
        )
    )
    enqueue.password_reset(email, locale=locale, ip=ip)


def send_reset_link(email: str, *, locale: str | None = None, ip: str | None = None) -> bool:
    """The job's work: for an active account, a new reset link by e-mail (in the user's language,
    else the one the request was made in). False when there is nobody to send it to."""
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None or not user.active:
        return False
    minutes = max_age(RESET) // 60
    link = new_link(user, RESET)
    context = {"link": link, "minutes": minutes}
    queue_mail(user, "password_reset", context, locale=user.locale or locale, related=user)
    record_event(None, "user.password_reset_request", user, ip=ip)
    return True


def user_for_link(purpose: str, token: str, *, lock: bool = False) -> User:
    """The active user a genuine, unexpired, unused link is for; InvalidToken otherwise."""
    user = signed_links.row_for(User, purpose, token, max_age(purpose), "password_nonce", lock=lock)
    if not user.active:
        raise InvalidToken()
    return user


def set_password_from_link(purpose: str, token: str, *, password: str, ip: str | None) -> User:
    """Set the password a link allows; the link stops working and every session of the user
    ends (the caller then signs this browser in afresh)."""
    user = user_for_link(purpose, token, lock=True)
    user.set_password(password)
    user.password_nonce = None
    record_event(user, AUDIT_ACTIONS[purpose], user, ip=ip)
    revoke_all(user, reason=AUDIT_ACTIONS[purpose].removeprefix("user."), actor=user)
    return user
