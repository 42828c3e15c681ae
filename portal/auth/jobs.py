"""The RQ entry point of password reset e-mails (queued by `workflows.enqueue.password_reset`)."""

from __future__ import annotations

from workflows import enqueue

from ..extensions import db
from . import passwords


def send_password_reset(email: str, locale: str | None = None, ip: str | None = None) -> str:
    """Store and queue a reset link e-mail when the address has an active account. The result
    is not kept where a visitor could read it."""
    try:
        passwords.send_reset_link(email, locale=locale, ip=ip)
        db.session.commit()
        enqueue.pending_mail()
        return "done"
    finally:
        db.session.remove()
