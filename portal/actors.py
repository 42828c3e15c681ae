"""Who acts at the command line: the person named by --as, or the operator themselves."""

from __future__ import annotations

import click
from sqlalchemy import func, select

from .extensions import db
from .models import User


class SystemActor:
    """The operator at the command line without --as. They hold the database already, so they
    pass finance's permission checks; they have no identity, so the audit trail records no user
    and maker–checker approvals still need a named person."""

    id = None
    email = None
    role = "finance"
    partner_id = None
    active = True
    is_authenticated = True


SYSTEM = SystemActor()


def actor_for(email: str | None):
    """The active user with this e-mail address, or the system actor when none is given."""
    if not email:
        return SYSTEM
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None or not user.active:
        raise click.ClickException(f"no active user with e-mail {email}")
    return user
