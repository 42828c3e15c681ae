"""Versioned partner agreements: publishing, acceptance, and the gate (`current_version`,
`pending_version_for`, kept in workflows.onboarding.agreements since submitting needs it)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from portal.foundation.audit import record_event
from workflows.engine.i18n import N_
from workflows.onboarding.agreements import current_version
from workflows.onboarding.agreements import pending_version_for as pending_version_for
from workflows.onboarding.errors import OnboardingError

from ..extensions import db
from ..models import AgreementAcceptance, AgreementVersion, utcnow
from ..security import Perm, ensure


def latest_acceptance(user_id: int) -> AgreementAcceptance | None:
    """The newest agreement version the user accepted, for reviewers to see who signed what."""
    return db.session.scalar(
        select(AgreementAcceptance)
        .join(AgreementVersion, AgreementAcceptance.version_id == AgreementVersion.id)
        .where(AgreementAcceptance.user_id == user_id)
        .order_by(AgreementVersion.version.desc())
        .limit(1)
    )


def accept_version(
    version: AgreementVersion, *, actor, ip: str | None, application=None
) -> AgreementAcceptance:
    """Record that `actor` accepts `version` (only the current one); accepting twice is a no-op."""
    ensure(actor, Perm.ACCEPT_AGREEMENTS)
    current = current_version()
    if current is None or current.id != version.id:
        raise OnboardingError(N_("This is not the current version of the partner agreement."))
    existing = db.session.scalar(
        select(AgreementAcceptance).where(
            AgreementAcceptance.version_id == version.id, AgreementAcceptance.user_id == actor.id
        )
    )
    if existing is not None:
        return existing
    acceptance = AgreementAcceptance(
        version_id=version.id,
        user_id=actor.id,
        partner_id=actor.partner_id,
        application_id=getattr(application, "id", None),
        accepted_at=utcnow(),
        ip=ip,
    )
    db.session.add(acceptance)
    db.session.flush()
    record_event(
        actor,
        "agreement.accept",
        acceptance,
        after={
            "version": version.version,
            "partner_id": actor.partner_id,
            "application_id": acceptance.application_id,
        },
        ip=ip,
    )
    return acceptance


def publish_version(*, title: str, body: str, effective_on: date, actor) -> AgreementVersion:
    """A new version takes effect on `effective_on` (today or later, never before the latest)."""
    ensure(actor, Perm.PUBLISH_AGREEMENTS)
    title, body = (title or "").strip(), (body or "").strip()
    if not title:
        raise OnboardingError(N_("Give the agreement a title."), field="title")
    if not body:
        raise OnboardingError(N_("Write the text of the agreement."), field="body")
    if effective_on < utcnow().date():
        raise OnboardingError(N_("The effective date cannot be in the past."), field="effective_on")
    latest = db.session.scalar(
        select(AgreementVersion).order_by(AgreementVersion.version.desc()).limit(1)
    )
    if latest is not None and effective_on < latest.effective_on:
        raise OnboardingError(
            N_(
                "Version %(version)s takes effect on %(date)s; a newer version cannot start "
                "earlier."
            ),
            version=latest.version,
            date=latest.effective_on,
            field="effective_on",
        )
    version = AgreementVersion(
        version=(latest.version + 1) if latest else 1,
        title=title,
        body=body,
        effective_on=effective_on,
        published_at=utcnow(),
        published_by_id=actor.id,
    )
    db.session.add(version)
    db.session.flush()
    record_event(
        actor,
        "agreement.publish",
        version,
        after={
            "version": version.version,
            "title": title,
            "effective_on": effective_on.isoformat(),
        },
    )
    return version


def versions_with_counts() -> list[tuple[AgreementVersion, int]]:
    """Every version, newest first, with how many people accepted it."""
    counts = (
        select(AgreementAcceptance.version_id, func.count().label("n"))
        .group_by(AgreementAcceptance.version_id)
        .subquery()
    )
    rows = db.session.execute(
        select(AgreementVersion, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.version_id == AgreementVersion.id)
        .order_by(AgreementVersion.version.desc())
    ).all()
    return [(version, count) for version, count in rows]
