"""The onboarding checklist on a partner's dashboard."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select

from workflows.onboarding.agreements import current_version, has_accepted

from ..extensions import db
from ..models import DealRegistration, Invitation, PartnerProfile, User
from ..security import Perm, can
from . import bp


@dataclass(frozen=True)
class Item:
    label: object
    done: bool
    endpoint: str | None  # where to do it, when the user may


def checklist_for(user) -> list[Item]:
    """Profile complete, agreement accepted (when one is published), first colleague invited,
    first deal registered. Empty for users without an organisation."""
    partner_id = getattr(user, "partner_id", None)
    if partner_id is None:
        return []
    admin = can(user, Perm.MANAGE_TEAM)
    profile = db.session.get(PartnerProfile, partner_id)
    items = [
        Item(
            _l("Complete your company profile"),
            profile is not None and profile.is_complete,
            "team.profile" if admin else None,
        )
    ]
    version = current_version()
    if version is not None:
        items.append(
            Item(
                _l("Accept the partner agreement"),
                has_accepted(user, version),
                "agreements.accept" if can(user, Perm.ACCEPT_AGREEMENTS) else None,
            )
        )
    colleagues = select(func.count(User.id)).where(User.partner_id == partner_id)
    invited = db.session.scalar(select(exists().where(Invitation.partner_id == partner_id)))
    items.append(
        Item(
            _l("Invite your first colleague"),
            bool(invited) or db.session.scalar(colleagues) > 1,
            "team.index" if admin else None,
        )
    )
    registered = exists().where(
        DealRegistration.partner_id == partner_id, DealRegistration.submitted_at.is_not(None)
    )
    items.append(
        Item(
            _l("Register your first deal"),
            bool(db.session.scalar(select(registered))),
            "deals.new" if can(user, Perm.REGISTER_DEALS) else None,
        )
    )
    return items


@bp.app_template_global("onboarding_checklist")
def onboarding_checklist(user) -> list[Item]:
    return checklist_for(user)
