"""Who is e-mailed about an application, and with which template.

The applicant hears about every transition of their application. The channel managers the
application is routed to (managers of its territory or of one of its ancestors) hear about
submissions and resubmissions.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from portal.extensions import db
from portal.foundation.outbox import public_url, queue_mail
from portal.models import PartnerApplication, Role, Territory, User, manager_territories

TO_APPLICANT = {
    "submit": "application_submitted",
    "request_info": "application_needs_info",
    "resubmit": "application_resubmitted",
    "approve": "application_approved",
    "reject": "application_rejected",
}
TO_MANAGERS = {"submit": "application_to_review", "resubmit": "application_to_review"}


def application_managers(territory_id: int | None) -> list[User]:
    """Active channel managers whose territories contain `territory_id`."""
    if territory_id is None:
        return []
    managed = Territory.__table__.alias("managed")
    own = Territory.__table__.alias("own")
    stmt = (
        select(User)
        .join(manager_territories, manager_territories.c.user_id == User.id)
        .join(managed, managed.c.id == manager_territories.c.territory_id)
        .join(own, own.c.path.startswith(managed.c.path, autoescape=False))
        .where(
            own.c.id == territory_id,
            User.role == Role.CHANNEL_MANAGER.value,
            User.active.is_(True),
        )
        .distinct()
        .order_by(User.id)
    )
    return list(db.session.scalars(stmt))


def after_transition(application: PartnerApplication, event: str) -> None:
    """Queue the e-mails an event sends (delivered by a worker after commit)."""
    context = {
        "application": application,
        "review_hours": current_app.config["APPLICATION_REVIEW_TARGET_HOURS"],
    }
    if template := TO_APPLICANT.get(event):
        link = public_url("onboarding.status")
        queue_mail(application.applicant, template, {**context, "link": link}, related=application)
    if template := TO_MANAGERS.get(event):
        link = public_url("onboarding.review", application_id=application.id)
        for manager in application_managers(application.territory_id):
            queue_mail(manager, template, {**context, "link": link}, related=application)
