"""Who is e-mailed about a registration, and with which template.

The partner user who registered the deal hears about decisions, extension decisions, the
expiry reminder and the expiry. The channel managers of the partner's territory (any manager
of the territory or one of its ancestors) hear about submissions, extension requests, and a
partner withdrawing or closing a deal they have seen (never about drafts).
"""

from __future__ import annotations

from datetime import date

from flask import current_app
from sqlalchemy import select

from portal.extensions import db
from portal.foundation.outbox import public_url, queue_mail
from portal.models import (
    DealRegistration,
    PartnerTerritory,
    Role,
    Territory,
    User,
    manager_territories,
)
from portal.models.partners import current_range

TO_PARTNER = {
    "approve": "deal_approved",
    "reject": "deal_rejected",
    "return": "deal_returned",
    "grant_extension": "deal_extension_decided",
    "refuse_extension": "deal_extension_decided",
    "expire": "deal_expired",
}
TO_MANAGERS = {
    "submit": "deal_submitted",
    "resubmit": "deal_submitted",
    "request_extension": "deal_extension_requested",
    "withdraw": "deal_partner_update",
    "report_won": "deal_partner_update",
    "report_lost": "deal_partner_update",
}


def territory_managers(partner_id: int, on: date | None = None) -> list[User]:
    """Active channel managers whose territories contain the partner's territory on `on`."""
    managed = Territory.__table__.alias("managed")
    own = Territory.__table__.alias("own")
    stmt = (
        select(User)
        .join(manager_territories, manager_territories.c.user_id == User.id)
        .join(managed, managed.c.id == manager_territories.c.territory_id)
        .join(own, own.c.path.startswith(managed.c.path, autoescape=False))
        .join(PartnerTerritory, PartnerTerritory.territory_id == own.c.id)
        .where(
            PartnerTerritory.partner_id == partner_id,
            current_range(PartnerTerritory, on or date.today()),
            User.role == Role.CHANNEL_MANAGER.value,
            User.active.is_(True),
        )
        .distinct()
        .order_by(User.id)
    )
    return list(db.session.scalars(stmt))


def _context(deal: DealRegistration, event: str) -> dict:
    return {
        "deal": deal,
        "event": event,
        "link": public_url("deals.detail", deal_id=deal.id),
        "review_hours": current_app.config["DEAL_REVIEW_TARGET_HOURS"],
    }


def after_transition(deal: DealRegistration, event: str) -> None:
    """Queue the e-mails an event sends (delivered by a worker after commit)."""
    if template := TO_PARTNER.get(event):
        recipient = deal.submitted_by
        if recipient.active:
            queue_mail(recipient, template, _context(deal, event), related=deal)
    if (template := TO_MANAGERS.get(event)) and deal.submitted_at is not None:
        for manager in territory_managers(deal.partner_id):
            queue_mail(manager, template, _context(deal, event), related=deal)


def expiry_reminder(deal: DealRegistration) -> None:
    recipient = deal.submitted_by
    if recipient.active:
        queue_mail(recipient, "deal_expiring", _context(deal, "remind"), related=deal)
