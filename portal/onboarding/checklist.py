"""The onboarding checklist on a partner's dashboard."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select

from workflows.onboarding.agreements import current_version_for

from ..extensions import db
from ..models import DealRegistration, Invitation, User
from ..partners.services import saved_profile
from ..security import Perm, can


@dataclass(frozen=True)
class Item:
    label: object
    done: bool
    endpoint: str | None  # where to do it, when the user may


def checklist_for(user) -> list[Item]:
    """Profile complete, agreement accepted (when one is published), first colleague invited,
    first deal registered. Empty for users without an organisation and once all are done."""
    partner_id = getattr(user, "partner_id", None)
    if partner_id is None:
        return []
    admin = can(user, Perm.MANAGE_TEAM)
    profile = saved_profile(user.partner)
    items = [
        Item(
            _l("Complete your company profile"),
            profile is not None and profile.is_complete,
            "team.profile" if admin else None,
        )
    ]
    version, accepted = current_version_for(user)
    if version is not None:
        items.append(
            Item(
                _l("Accept the partner agreement"),
                accepted,
                "agreements.accept" if can(user, Perm.ACCEPT_AGREEMENTS) else None,
            )
        )
    # whether anyone was invited, how many colleagues there are and whether a deal was
    # registered: one round trip
    invited, colleagues, registered = db.session.execute(
        select(
            exists().where(Invitation.partner_id == partner_id),
            select(func.count(User.id)).where(User.partner_id == partner_id).scalar_subquery(),
            exists().where(
                DealRegistration.partner_id == partner_id,
                DealRegistration.submitted_at.is_not(None),
            ),
        )
    ).one()
    items.append(
        Item(
            _l("Invite your first colleague"),
            bool(invited) or colleagues > 1,
            "team.index" if admin else None,
        )
    )
    items.append(
        Item(
            _l("Register your first deal"),
            bool(registered),
            "deals.new" if can(user, Perm.REGISTER_DEALS) else None,
        )
    )
    return [] if all(item.done for item in items) else items
