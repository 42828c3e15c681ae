"""The onboarding checklist on a partner's dashboard."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, Integer, Select, bindparam, exists, func, select

from workflows.onboarding.agreements import accepted_by_organisation, version_in_effect

from ..extensions import db
from ..models import DealRegistration, Invitation, Partner, PartnerProfile, User, utcnow
from ..security import Perm, can


@dataclass(frozen=True)
class Item:
    label: object
    done: bool
    endpoint: str | None  # where to do it, when the user may


@cache
def _facts() -> Select:
    """The organisation's saved profile, the agreement version in effect on `day` and whether
    the organisation accepted it, whether anyone was invited, how many colleagues there are and
    whether a deal was registered: one round trip. Built once per process; bound per call:
    partner_id and day."""
    partner_id = bindparam("partner_id", type_=Integer)
    version = version_in_effect(bindparam("day", type_=Date))
    return (
        select(
            PartnerProfile,
            version,
            accepted_by_organisation(partner_id, version),
            exists().where(Invitation.partner_id == partner_id),
            select(func.count(User.id)).where(User.partner_id == partner_id).scalar_subquery(),
            exists().where(
                DealRegistration.partner_id == partner_id,
                DealRegistration.submitted_at.is_not(None),
            ),
        )
        .select_from(Partner)
        .outerjoin(PartnerProfile, PartnerProfile.partner_id == Partner.id)
        .where(Partner.id == partner_id)
    )


def checklist_for(user) -> list[Item]:
    """Profile complete, agreement accepted (when one is published), first colleague invited,
    first deal registered. Empty for users without an organisation and once all are done."""
    partner_id = getattr(user, "partner_id", None)
    if partner_id is None:
        return []
    admin = can(user, Perm.MANAGE_TEAM)
    profile, version_id, agreed, invited, colleagues, registered = db.session.execute(
        _facts(), {"partner_id": partner_id, "day": utcnow().date()}
    ).one()
    items = [
        Item(
            _l("Complete your company profile"),
            profile is not None and profile.is_complete,
            "team.profile" if admin else None,
        )
    ]
    if version_id is not None:
        items.append(
            Item(
                _l("Accept the partner agreement"),
                bool(agreed),
                "agreements.accept" if can(user, Perm.ACCEPT_AGREEMENTS) else None,
            )
        )
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
