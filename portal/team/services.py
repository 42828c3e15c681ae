"""A partner admin's team: inviting colleagues, (de)activating them, the company profile."""

from __future__ import annotations

from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app, has_request_context
from flask_babel import get_locale
from sqlalchemy import func, select

from portal.foundation import signed_links
from portal.foundation.audit import record_event
from portal.foundation.outbox import public_url, queue_mail
from portal.foundation.signed_links import InvalidToken
from workflows.engine.i18n import N_
from workflows.onboarding.duplicates import domain_root, normalise_domain, normalise_tax_id
from workflows.onboarding.errors import OnboardingError

from ..admin.services import UserError, create_user, switch_active
from ..extensions import db
from ..models import Invitation, Partner, PartnerProfile, Role, User, utcnow
from ..partners.services import saved_profile
from ..security import Perm, ensure, visible_to

INVITE = "invitation"
TEAM_ROLES = (Role.PARTNER_ADMIN.value, Role.PARTNER_USER.value)


def members(user) -> list[User]:
    """The users of the partner admin's own organisation (scoped like every other list)."""
    stmt = visible_to(select(User), user, User).order_by(User.active.desc(), User.name)
    return list(db.session.scalars(stmt))


def open_invitations(user) -> list[Invitation]:
    stmt = visible_to(select(Invitation), user, Invitation).where(
        Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None)
    )
    return list(db.session.scalars(stmt.order_by(Invitation.created_at.desc())))


def _valid_days() -> int:
    return current_app.config["INVITATION_VALID_DAYS"]


def _send(invitation: Invitation, actor) -> None:
    invitation.nonce = signed_links.new_nonce()
    invitation.expires_at = utcnow() + timedelta(days=_valid_days())
    token = signed_links.make_token(INVITE, invitation.id, invitation.nonce)
    context = {
        "invitation": invitation,
        "inviter": actor,
        "link": public_url("team.accept", token=token),
        "expires_on": invitation.expires_at.date(),
    }
    locale = actor.locale or (str(get_locale()) if has_request_context() else None)
    queue_mail(invitation.email, "invitation", context, locale=locale, related=invitation)


def invite(*, email: str, role: str, actor) -> Invitation:
    """Invite a colleague to the actor's organisation as partner admin or partner user."""
    ensure(actor, Perm.MANAGE_TEAM)
    if actor.partner_id is None:
        raise OnboardingError(N_("You do not belong to a partner organisation."))
    if role not in TEAM_ROLES:
        raise OnboardingError(N_("Choose a role."), field="role")
    try:
        email = validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise OnboardingError(N_("Enter a valid e-mail address."), field="email") from None
    if db.session.scalar(select(User.id).where(func.lower(User.email) == email)):
        raise OnboardingError(N_("This address already has a portal account."), field="email")
    now = utcnow()
    pending = db.session.scalar(
        select(Invitation.id).where(
            Invitation.partner_id == actor.partner_id,
            Invitation.email == email,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > now,
        )
    )
    if pending:
        raise OnboardingError(
            N_("This colleague is already invited: resend the invitation instead."), field="email"
        )
    invitation = Invitation(
        partner_id=actor.partner_id,
        email=email,
        role=role,
        invited_by_id=actor.id,
        created_at=now,
        last_sent_at=now,
        sent_count=1,
        expires_at=now,
    )
    db.session.add(invitation)
    db.session.flush()
    _send(invitation, actor)
    record_event(actor, "invitation.create", invitation, after={"email": email, "role": role})
    return invitation


def resend(invitation: Invitation, *, actor) -> Invitation:
    """A new link (the old one stops working) valid for another INVITATION_VALID_DAYS."""
    ensure(actor, Perm.MANAGE_TEAM, invitation)
    if invitation.accepted_at or invitation.revoked_at:
        raise OnboardingError(N_("This invitation is closed and cannot be sent again."))
    invitation.sent_count += 1
    invitation.last_sent_at = utcnow()
    _send(invitation, actor)
    record_event(
        actor, "invitation.resend", invitation, after={"sent_count": invitation.sent_count}
    )
    return invitation


def revoke(invitation: Invitation, *, actor) -> Invitation:
    ensure(actor, Perm.MANAGE_TEAM, invitation)
    if invitation.accepted_at or invitation.revoked_at:
        raise OnboardingError(N_("This invitation is closed already."))
    invitation.revoked_at, invitation.revoked_by_id, invitation.nonce = utcnow(), actor.id, None
    record_event(actor, "invitation.revoke", invitation, after={"email": invitation.email})
    return invitation


def _invitation_for(token: str, *, lock: bool = False) -> Invitation:
    max_age = _valid_days() * 24 * 3600
    invitation = signed_links.row_for(Invitation, INVITE, token, max_age, "nonce", lock=lock)
    if invitation.status(utcnow()) != "pending":
        raise InvalidToken()
    return invitation


def check_invitation_token(token: str) -> Invitation:
    """The invitation a link is for, if it is genuine, unexpired, unrevoked and unused."""
    return _invitation_for(token)


def accept_invitation(
    token: str, *, name: str, password: str, locale: str | None, ip: str | None
) -> User:
    """Create the colleague's account in the inviting organisation; the link then stops working."""
    invitation = _invitation_for(token, lock=True)
    try:
        user = create_user(
            email=invitation.email,
            password=password,
            role=invitation.role,
            name=name.strip(),
            partner_code=invitation.partner.code,
            locale=locale,
        )
    except UserError:
        raise OnboardingError(N_("This address already has a portal account.")) from None
    invitation.accepted_at, invitation.accepted_user_id, invitation.nonce = utcnow(), user.id, None
    record_event(user, "invitation.accept", invitation, after={"user_id": user.id}, ip=ip)
    return user


def set_member_active(member: User, active: bool, *, actor) -> User:
    """Partner admins (de)activate users of their own organisation only, never themselves."""
    ensure(actor, Perm.MANAGE_TEAM, member)
    if member.id == actor.id:
        raise OnboardingError(N_("You cannot deactivate your own account."))
    return switch_active(member, active, actor=actor)


def role_changeable(member: User, actor) -> bool:
    """Whether `actor` may change `member`'s role here: a colleague's, never their own."""
    return member.id != actor.id and member.role in TEAM_ROLES


def set_member_role(member: User, role: str, *, actor) -> User:
    """Partner admins make colleagues of their own organisation partner admins or partner users
    (never themselves, so an organisation is not left without one by a slip)."""
    ensure(actor, Perm.MANAGE_TEAM, member)
    if member.id == actor.id:
        raise OnboardingError(N_("You cannot change your own role."))
    if role not in TEAM_ROLES or not role_changeable(member, actor):
        raise OnboardingError(N_("Choose a role."), field="role")
    if role == member.role:
        return member
    before = {"role": member.role}
    member.role = role
    db.session.flush()
    record_event(actor, "user.update", member, before=before, after={"role": role})
    return member


def profile_for(partner: Partner) -> PartnerProfile:
    return saved_profile(partner) or PartnerProfile(partner_id=partner.id)


def update_profile(*, website: str, tax_id: str, address: str, business_type: str, actor):
    """The organisation's company details, kept for duplicate detection and the checklist."""
    ensure(actor, Perm.MANAGE_TEAM)
    partner = actor.partner
    profile = profile_for(partner)
    try:
        domain = normalise_domain(website) or ""
    except ValueError:
        raise OnboardingError(
            N_("Enter a website such as www.example.com."), field="website"
        ) from None
    before = {"website": profile.website, "tax_id": profile.tax_id}
    profile.website, profile.domain_root = domain, domain_root(domain)
    profile.tax_id = tax_id.strip()
    profile.tax_key = normalise_tax_id(tax_id, partner.country) or None
    profile.address, profile.business_type = address.strip(), business_type
    db.session.add(profile)
    db.session.flush()
    record_event(actor, "partner.profile", partner, before=before, after={"website": domain})
    return profile
