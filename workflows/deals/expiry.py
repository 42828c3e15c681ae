"""The daily expiry pass: expire registrations past protection, remind partners before that.

`protection_ends_on` is the last protected day, so a registration expires on the first run
*after* it. A registration awaiting an extension decision is not expired: the partner asked in
time and the manager's queue shows the request. Reminders go out once per protection end date
(so a granted extension earns a fresh reminder before its new date).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import delete, or_, select

from portal.extensions import db
from portal.foundation.audit import record_event
from portal.foundation.outbox import queue_mail
from portal.models import DealClaim, DealRegistration

from .states import mail_context, transition


@dataclass
class ExpiryOutcome:
    expired: list[str] = field(default_factory=list)
    reminded: list[str] = field(default_factory=list)
    released_won: int = 0

    def summary(self) -> dict:
        return {
            "expired": self.expired,
            "reminded": self.reminded,
            "released_won": self.released_won,
        }


def due_for_expiry(as_of: date):
    return (
        select(DealRegistration)
        .where(
            DealRegistration.state == "approved",
            DealRegistration.protection_ends_on < as_of,
            or_(
                DealRegistration.extension_state.is_(None),
                DealRegistration.extension_state != "requested",
            ),
        )
        .order_by(DealRegistration.id)
    )


def due_for_reminder(as_of: date):
    horizon = as_of + timedelta(days=current_app.config["DEAL_REMINDER_DAYS"])
    return (
        select(DealRegistration)
        .where(
            DealRegistration.state == "approved",
            DealRegistration.protection_ends_on >= as_of,
            DealRegistration.protection_ends_on <= horizon,
            or_(
                DealRegistration.reminder_sent_for.is_(None),
                DealRegistration.reminder_sent_for != DealRegistration.protection_ends_on,
            ),
        )
        .order_by(DealRegistration.id)
    )


def expire_deals(as_of: date) -> ExpiryOutcome:
    """Expire, remind and free the claims of won deals whose protection ended. Flushes only."""
    outcome = ExpiryOutcome()
    for deal in db.session.scalars(due_for_expiry(as_of)).all():
        transition(deal, "expire", None)
        outcome.expired.append(deal.reference)
    for deal in db.session.scalars(due_for_reminder(as_of).with_for_update()).all():
        deal.reminder_sent_for = deal.protection_ends_on
        if deal.submitted_by.active:
            queue_mail(
                deal.submitted_by, "deal_expiring", mail_context(deal, "remind"), related=deal
            )
        record_event(
            None,
            "deal.remind",
            deal,
            after={"protection_ends_on": deal.reminder_sent_for.isoformat()},
        )
        outcome.reminded.append(deal.reference)
    won_past = select(DealRegistration.id).where(
        DealRegistration.state == "won", DealRegistration.protection_ends_on < as_of
    )
    result = db.session.execute(delete(DealClaim).where(DealClaim.deal_id.in_(won_past)))
    outcome.released_won = result.rowcount or 0
    db.session.flush()
    return outcome
