"""The partner agreement gate: the version in effect, and whether someone still has to accept it
(publishing and accepting versions are the agreements pages' services)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import exists, select

from portal.extensions import db
from portal.models import AgreementAcceptance, AgreementVersion, User, utcnow


def current_version(day: date | None = None) -> AgreementVersion | None:
    """The highest version already in effect on `day` (today, UTC, by default)."""
    day = day or utcnow().date()
    return db.session.scalar(
        select(AgreementVersion)
        .where(AgreementVersion.effective_on <= day)
        .order_by(AgreementVersion.version.desc())
        .limit(1)
    )


def has_accepted(user, version: AgreementVersion) -> bool:
    """Whether `user` (or, for a partner user, anyone of their organisation) accepted `version`.

    The agreement binds the organisation: one partner admin's acceptance covers the others.
    """
    accepted = exists().where(AgreementAcceptance.version_id == version.id)
    if user.partner_id is None:
        accepted = accepted.where(AgreementAcceptance.user_id == user.id)
    else:
        colleagues = select(User.id).where(User.partner_id == user.partner_id)
        accepted = accepted.where(AgreementAcceptance.user_id.in_(colleagues))
    return bool(db.session.scalar(select(accepted)))


def pending_version_for(user) -> AgreementVersion | None:
    """The current version when the user (their organisation) has not accepted it yet."""
    version = current_version()
    if version is None or has_accepted(user, version):
        return None
    return version
