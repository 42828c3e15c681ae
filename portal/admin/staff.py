"""Staff people (channel managers, finance, administrators) managed from the admin pages.

Giving someone the finance or admin role is maker–checker: the admin who asks creates a
pending `RoleGrant`, and a *second* admin approves it. Until then the person keeps the role
they had; a person created with such a role exists but stays inactive (cannot sign in, gets no
password link) until the approval, and is never activated if the request is rejected.
"""

from __future__ import annotations

import secrets

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select

from portal.foundation.audit import record_event
from workflows.engine.i18n import N_

from ..auth import passwords
from ..extensions import db
from ..models import Role, RoleGrant, Territory, User, utcnow
from ..models.role_grants import ELEVATED_ROLES
from ..security import Forbidden, Perm, ensure, ensure_not_maker
from .services import APPROVED, PENDING, UserError, never_approved, pending_grant

STAFF_ROLES = (Role.CHANNEL_MANAGER.value, Role.FINANCE.value, Role.ADMIN.value)
REJECTED = "rejected"


def _codes(territories) -> list[str]:
    return sorted(t.code for t in territories)


def _territories_for(role: str, territory_ids) -> list[Territory]:
    ids = sorted({int(i) for i in territory_ids or ()})
    if role != Role.CHANNEL_MANAGER.value:
        if ids:
            raise UserError(
                N_("Only channel managers are assigned territories."), field="territories"
            )
        return []
    if not ids:
        raise UserError(
            N_("Choose at least one territory for a channel manager."), field="territories"
        )
    found = list(db.session.scalars(select(Territory).where(Territory.id.in_(ids))))
    if len(found) != len(ids):
        raise UserError(N_("Choose territories from the list."), field="territories")
    return found


def _check_role(role: str) -> None:
    if role not in STAFF_ROLES:
        raise UserError(N_("Choose a role."), field="role")


def _request_grant(user: User, role: str, *, previous_role: str | None, actor) -> RoleGrant:
    grant = RoleGrant(
        user_id=user.id,
        role=role,
        previous_role=previous_role,
        status=PENDING,
        requested_by_id=actor.id,
        requested_at=utcnow(),
    )
    db.session.add(grant)
    db.session.flush()
    record_event(
        actor,
        "role_grant.request",
        grant,
        after={"user": user.email, "role": role, "previous_role": previous_role},
    )
    return grant


def create_staff_user(
    *, email: str, name: str, role: str, territory_ids=(), locale: str | None, actor
) -> tuple[User, RoleGrant | None]:
    """Create a channel manager, finance user or administrator. A manager is active at once and
    e-mailed a link to choose a password; finance and admin wait for a second admin's approval."""
    ensure(actor, Perm.MANAGE_USERS)
    _check_role(role)
    try:
        email = validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise UserError(N_("Enter a valid e-mail address."), field="email") from None
    if db.session.scalar(select(User.id).where(func.lower(User.email) == email)):
        raise UserError(N_("This address already has a portal account."), field="email")
    name = name.strip()
    if not name:
        raise UserError(N_("Enter the person's name."), field="name")
    territories = _territories_for(role, territory_ids)
    elevated = role in ELEVATED_ROLES
    user = User(
        email=email,
        name=name,
        role=role,
        territories=territories,
        locale=locale,
        active=not elevated,
    )
    user.set_password(secrets.token_urlsafe(32))  # nobody knows it: the e-mailed link sets one
    db.session.add(user)
    db.session.flush()
    record_event(
        actor,
        "user.create",
        user,
        after={
            "email": email,
            "name": name,
            "role": role,
            "territories": _codes(territories),
            "active": user.active,
        },
    )
    if elevated:
        return user, _request_grant(user, role, previous_role=None, actor=actor)
    passwords.send_welcome(user, actor=actor)
    return user, None


def _staff_member(user: User, actor) -> None:
    ensure(actor, Perm.MANAGE_USERS)
    if user.role not in STAFF_ROLES:
        raise UserError(
            N_("Only staff roles are changed here: partner admins manage their colleagues.")
        )
    if user.id == actor.id:
        raise UserError(N_("You cannot change your own role."))
    if pending_grant(user) is not None:
        raise UserError(N_("A role change for this person awaits approval: decide it first."))
    if never_approved(user):
        raise UserError(N_("This account was never approved and stays deactivated."))


def change_staff_role(
    user: User, *, role: str, territory_ids=(), actor
) -> tuple[User, RoleGrant | None]:
    """Change a staff member's role and territories. Moving to finance or admin is a request a
    second admin approves (nothing changes until then); anything else applies at once."""
    db.session.scalar(select(User.id).where(User.id == user.id).with_for_update())
    _staff_member(user, actor)
    _check_role(role)
    if role in ELEVATED_ROLES and role != user.role:
        if territory_ids:
            raise UserError(
                N_("Only channel managers are assigned territories."), field="territories"
            )
        return user, _request_grant(user, role, previous_role=user.role, actor=actor)
    territories = _territories_for(role, territory_ids)
    before = {"role": user.role, "territories": _codes(user.territories)}
    after = {"role": role, "territories": _codes(territories)}
    if before == after:
        return user, None
    user.role, user.territories = role, territories
    db.session.flush()
    record_event(actor, "user.update", user, before=before, after=after)
    return user, None


def unapproved_account_ids() -> set[int]:
    """Accounts created with a role that was not (yet) approved: they cannot be activated."""
    stmt = select(RoleGrant.user_id).where(
        RoleGrant.previous_role.is_(None), RoleGrant.status != APPROVED
    )
    return set(db.session.scalars(stmt))


def open_grants() -> list[RoleGrant]:
    return list(
        db.session.scalars(
            select(RoleGrant).where(RoleGrant.status == PENDING).order_by(RoleGrant.requested_at)
        )
    )


def _pending_locked(grant: RoleGrant) -> RoleGrant:
    locked = db.session.scalar(
        select(RoleGrant)
        .where(RoleGrant.id == grant.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if locked.status != PENDING:
        raise UserError(N_("This request was decided already."))
    return locked


def approve_grant(grant: RoleGrant, *, actor) -> RoleGrant:
    """A second admin gives the requested role (a new account is activated and e-mailed its
    password link). Nobody approves their own request, nor a request about themselves."""
    ensure(actor, Perm.MANAGE_USERS)
    grant = _pending_locked(grant)
    try:
        ensure_not_maker(actor, grant.requested_by_id)
        ensure_not_maker(actor, grant.user_id)
    except Forbidden:
        raise UserError(
            N_("You requested this yourself: another administrator must approve it.")
        ) from None
    user = grant.user
    before = {"role": user.role, "territories": _codes(user.territories), "active": user.active}
    user.role, user.territories = grant.role, []
    if grant.with_creation:
        user.active = True
    grant.status, grant.decided_by_id, grant.decided_at = APPROVED, actor.id, utcnow()
    db.session.flush()
    after = {"role": user.role, "territories": [], "active": user.active}
    record_event(
        actor, "role_grant.approve", grant, before={"status": PENDING}, after={"status": APPROVED}
    )
    record_event(actor, "user.update", user, before=before, after=after)
    if grant.with_creation:
        passwords.send_welcome(user, actor=actor)
    return grant


def reject_grant(grant: RoleGrant, *, actor) -> RoleGrant:
    """Any admin (the requester too, to withdraw it) turns a request down; the person keeps
    their role, and an account created with the request stays deactivated."""
    ensure(actor, Perm.MANAGE_USERS)
    grant = _pending_locked(grant)
    grant.status, grant.decided_by_id, grant.decided_at = REJECTED, actor.id, utcnow()
    db.session.flush()
    record_event(
        actor, "role_grant.reject", grant, before={"status": PENDING}, after={"status": REJECTED}
    )
    return grant
