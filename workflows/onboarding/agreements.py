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


def version_in_effect(day: date):
    """The id of the highest version in effect on `day`, as a scalar subquery (NULL if none)."""
    return (
        select(AgreementVersion.id)
        .where(AgreementVersion.effective_on <= day)
        .order_by(AgreementVersion.version.desc())
        .limit(1)
        .scalar_subquery()
    )


def accepted_by(user, version_id):
    """EXISTS: `user` (or, for a partner user, anyone of their organisation) accepted the
    version `version_id` (a value or a column). The agreement binds the organisation: one
    partner admin's acceptance covers the others."""
    if user.partner_id is None:
        return exists().where(
            AgreementAcceptance.version_id == version_id, AgreementAcceptance.user_id == user.id
        )
    return accepted_by_organisation(user.partner_id, version_id)


def accepted_by_organisation(partner_id, version_id):
    """EXISTS: anyone of the organisation `partner_id` (a value or a bound parameter) accepted
    the version `version_id`."""
    colleagues = select(User.id).where(User.partner_id == partner_id)
    return exists().where(
        AgreementAcceptance.version_id == version_id,
        AgreementAcceptance.user_id.in_(colleagues),
    )


def current_version_for(user, day: date | None = None) -> tuple[AgreementVersion | None, bool]:
    """The version in effect on `day` and whether `user` (their organisation) accepted it, in
    one statement; (None, False) when no version is in effect."""
    day = day or utcnow().date()
    row = db.session.execute(
        select(AgreementVersion, accepted_by(user, AgreementVersion.id))
        .where(AgreementVersion.effective_on <= day)
        .order_by(AgreementVersion.version.desc())
        .limit(1)
    ).first()
    return (None, False) if row is None else (row[0], bool(row[1]))


def pending_version_for(user) -> AgreementVersion | None:
    """The current version when the user (their organisation) has not accepted it yet."""
    version, accepted = current_version_for(user)
    return None if version is None or accepted else version
