"""Creating and managing portal users."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select

from portal.foundation.audit import record_event
from workflows import validators
from workflows.engine.i18n import N_, Refusal

from ..auth.sessions import revoke_all
from ..extensions import db
from ..models import Partner, Role, RoleGrant, Territory, User
from ..models.users import MIN_PASSWORD_LENGTH
from ..security import Perm, ensure

PENDING, APPROVED = "pending", "approved"


class UserError(Refusal, ValueError):
    """A user cannot be created or changed as asked."""


def create_user(
    *,
    email: str,
    password: str,
    role: str,
    name: str = "",
    partner_code: str | None = None,
    territory_codes: tuple[str, ...] = (),
    actor=None,
    locale: str | None = None,
) -> User:
    """Create a login. Partner roles need a partner; channel managers need territories."""
    if actor is not None:
        ensure(actor, Perm.MANAGE_USERS)
    try:
        email = validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise UserError("invalid e-mail address: %(reason)s", reason=str(exc)) from None
    try:
        role_enum = Role(role)
    except ValueError:
        raise UserError(
            "unknown role %(role)r; use one of %(roles)s",
            role=role,
            roles=", ".join(r.value for r in Role),
        ) from None
    try:
        name = validators.name(name or "")
    except validators.InvalidValue as exc:
        raise UserError(exc.template, **exc.params) from None
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError("password must be at least %(min)s characters", min=MIN_PASSWORD_LENGTH)
    if db.session.scalar(select(User.id).where(func.lower(User.email) == email)):
        raise UserError("a user with e-mail %(email)s already exists", email=email)
    partner = None
    if role_enum.is_partner:
        if not partner_code:
            raise UserError("partner roles need --partner CODE")
        partner = db.session.scalar(select(Partner).where(Partner.code == partner_code))
        if partner is None:
            raise UserError("unknown partner code %(code)r", code=partner_code)
    elif partner_code:
        raise UserError("only partner roles belong to a partner")
    territories = []
    if role_enum is Role.CHANNEL_MANAGER:
        if not territory_codes:
            raise UserError("channel managers need at least one --territory CODE")
        found = db.session.scalars(
            select(Territory).where(Territory.code.in_(territory_codes))
        ).all()
        missing = sorted(set(territory_codes) - {t.code for t in found})
        if missing:
            raise UserError("unknown territory code(s): %(codes)s", codes=", ".join(missing))
        territories = list(found)
    elif territory_codes:
        raise UserError("only channel managers are assigned territories")
    user = User(
        email=email,
        name=name or email.split("@")[0],
        role=role_enum.value,
        partner=partner,
        territories=territories,
        locale=locale,
    )
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record_event(
        actor,
        "user.create",
        user,
        after={
            "email": email,
            "role": role_enum.value,
            "partner": partner_code,
            "territories": sorted(territory_codes),
        },
    )
    return user


def pending_grant(user: User) -> RoleGrant | None:
    return db.session.scalar(
        select(RoleGrant).where(RoleGrant.user_id == user.id, RoleGrant.status == PENDING)
    )


def never_approved(user: User) -> bool:
    """A person created with an elevated role whose request was not (yet) approved."""
    creation = db.session.scalar(
        select(RoleGrant.status)
        .where(RoleGrant.user_id == user.id, RoleGrant.previous_role.is_(None))
        .order_by(RoleGrant.id.desc())
        .limit(1)
    )
    return creation is not None and creation != APPROVED


def set_active(user: User, active: bool, *, actor) -> User:
    """(De)activate anyone but oneself; deactivation ends every session. An account created
    with a role still awaiting (or refused) approval is never activated here."""
    ensure(actor, Perm.MANAGE_USERS)
    if user.id == actor.id and not active:
        raise UserError(N_("You cannot deactivate your own account."))
    if active and never_approved(user):
        raise UserError(
            N_("This account waits for a second administrator's approval of its role.")
            if pending_grant(user) is not None
            else N_("This account was never approved and stays deactivated.")
        )
    return switch_active(user, active, actor=actor)


def switch_active(user: User, active: bool, *, actor) -> User:
    """Set the account (in)active, audited; deactivation ends every session. The caller has
    checked that `actor` may."""
    before = {"active": user.active}
    user.active = active
    record_event(
        actor,
        "user.activate" if active else "user.deactivate",
        user,
        before=before,
        after={"active": active},
    )
    if not active:
        revoke_all(user, reason="deactivated", actor=actor)
    return user
