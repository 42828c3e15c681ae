"""Who a provider's ID token signs in: staff created or updated just in time with the role and
territories their groups map to, partner people in the provider's organisation; and where
password sign-in is off. Every sign-in and every refusal is audited with the provider and the
subject."""

from __future__ import annotations

import secrets

from sqlalchemy import func, select

from portal.foundation.audit import record_event
from workflows.engine.i18n import N_, Refusal

from ...extensions import db
from ...models import Role, SsoIdentity, SsoProvider, Territory, User, utcnow
from ..sessions import revoke_all

STAFF_ORDER = (Role.ADMIN.value, Role.FINANCE.value, Role.CHANNEL_MANAGER.value)
PARTNER_ORDER = (Role.PARTNER_ADMIN.value, Role.PARTNER_USER.value)


class SsoRefused(Refusal):
    """A sign-in through a provider was refused. `reason` is the code the audit trail keeps;
    `keep` says the refusal itself changed the account (a role removed) and is committed."""

    def __init__(self, template: str, /, *, reason: str, keep: bool = False, **params) -> None:
        super().__init__(template, **params)
        self.reason, self.keep = reason, keep


def domain_of(email: str) -> str:
    return email.rpartition("@")[2].strip().lower()


def provider_for_email(email: str) -> SsoProvider | None:
    """The active provider that serves the address's e-mail domain, if any."""
    domain = domain_of(email or "")
    if not domain:
        return None
    for provider in active_providers():
        if domain in provider.domains:
            return provider
    return None


def active_provider(provider_id: int) -> SsoProvider | None:
    """An active provider by id: the sign-in pages of every provider are open to anyone, as
    its callback address is (the provider, not the portal, decides who gets through)."""
    return db.session.scalar(
        select(SsoProvider).where(SsoProvider.id == provider_id, SsoProvider.active.is_(True))
    )


def active_providers() -> list[SsoProvider]:
    return list(
        db.session.scalars(
            select(SsoProvider).where(SsoProvider.active.is_(True)).order_by(SsoProvider.id)
        )
    )


def password_sign_in_off_for(email: str, user: User | None = None) -> SsoProvider | None:
    """The provider whose organisation signs in only through it: by the address's domain
    (known or unknown address alike), or by the organisation of `user`."""
    provider = provider_for_email(email)
    if provider is not None and provider.password_sign_in_off:
        return provider
    if user is not None and user.partner_id is not None:
        return db.session.scalar(
            select(SsoProvider).where(
                SsoProvider.partner_id == user.partner_id,
                SsoProvider.active.is_(True),
                SsoProvider.password_sign_in_off.is_(True),
            )
        )
    return None


def company_account_only(user: User) -> bool:
    """Whether `user` may sign in only through their organisation's provider: a password they
    set from an e-mailed link or an invitation does not sign them in."""
    return password_sign_in_off_for(user.email, user) is not None


def groups_of(provider: SsoProvider, claims: dict) -> set[str]:
    value = claims.get(provider.groups_claim)
    if isinstance(value, str):
        return {value}
    if isinstance(value, list):
        return {str(v) for v in value if isinstance(v, str | int)}
    return set()


def mapped_role(provider: SsoProvider, groups: set[str]) -> str | None:
    """The highest role any of the groups maps to. A partner provider's people are partner
    users unless a group makes them partner admins."""
    roles = {provider.role_map[g] for g in groups if g in provider.role_map}
    order = PARTNER_ORDER if provider.partner_id else STAFF_ORDER
    for role in order:
        if role in roles:
            return role
    return Role.PARTNER_USER.value if provider.partner_id else None


def mapped_territories(provider: SsoProvider, groups: set[str]) -> list[Territory]:
    codes = sorted({c for g in groups for c in provider.territory_map.get(g, [])})
    if not codes:
        return []
    return list(db.session.scalars(select(Territory).where(Territory.code.in_(codes))))


def _refuse(template: str, reason: str, **params):
    raise SsoRefused(template, reason=reason, **params)


def _claimed_email(provider: SsoProvider, claims: dict) -> str:
    email = str(claims.get("email") or "").strip().lower()
    if not email or "@" not in email or len(email) > 254:
        _refuse(N_("Your company account did not tell us your e-mail address."), "no_email")
    if claims.get("email_verified") is False:
        _refuse(N_("Your company account's e-mail address is not verified."), "email_unverified")
    if domain_of(email) not in provider.domains:
        _refuse(
            N_("%(provider)s does not sign in addresses of %(domain)s."),
            "foreign_domain",
            provider=provider.name,
            domain=domain_of(email),
        )
    return email


def _identity(provider: SsoProvider, subject: str) -> SsoIdentity | None:
    return db.session.scalar(
        select(SsoIdentity).where(
            SsoIdentity.provider_id == provider.id, SsoIdentity.subject == subject
        )
    )


def sign_in_from_claims(provider: SsoProvider, claims: dict, *, ip: str | None) -> User:
    """The user a checked ID token signs in, created or updated just in time; audited. Raises
    SsoRefused (the caller audits it with `record_refusal`)."""
    subject = str(claims.get("sub") or "")
    if not subject or len(subject) > 255:
        _refuse(N_("Your company account did not identify you."), "no_subject")
    email = _claimed_email(provider, claims)
    identity = _identity(provider, subject)
    user = identity.user if identity else _user_by_email(email)
    groups = groups_of(provider, claims)
    role = mapped_role(provider, groups)
    if provider.partner_id:
        user = _partner_user(provider, user, role, email, claims)
    else:
        user = _staff_user(provider, identity, user, role, groups, email, claims)
    if identity is None:
        identity = SsoIdentity(provider_id=provider.id, subject=subject, user_id=user.id)
        db.session.add(identity)
    identity.last_sign_in_at = utcnow()
    identity.role_removed_at = None
    user.last_login_at = utcnow()
    db.session.flush()
    record_event(
        user,
        "user.sso_login",
        user,
        after={"provider": provider.name, "provider_id": provider.id, "subject": subject},
        ip=ip,
    )
    return user


def _user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email))


def _new_user(email: str, role: str, claims: dict, **fields) -> User:
    name = str(claims.get("name") or "").strip()[:200] or email.split("@")[0]
    user = User(email=email, name=name, role=role, **fields)
    user.set_password(secrets.token_urlsafe(32))  # nobody knows it: signs in through SSO only
    db.session.add(user)
    db.session.flush()
    return user


def _staff_user(provider, identity, user, role, groups, email, claims) -> User:
    if user is not None and user.role not in STAFF_ORDER:
        _refuse(N_("This e-mail address belongs to a partner account."), "not_staff")
    if role is None:
        # only an account this provider signed in before loses its role; a staff account
        # reaching the provider for the first time without a mapped group is just refused
        removing = identity is not None and user.active
        if removing:
            _remove_role(provider, identity, user)
        _refuse(
            N_(
                "Your company account gives you no role in the partner portal. Ask your "
                "administrator for access."
            ),
            "no_role",
            keep=removing,
        )
    territories = mapped_territories(provider, groups) if role == Role.CHANNEL_MANAGER else []
    if role == Role.CHANNEL_MANAGER and not territories:
        _refuse(
            N_(
                "Your company account makes you a channel manager without a territory. Ask your "
                "administrator for access."
            ),
            "no_territory",
        )
    if user is None:
        user = _new_user(email, role, claims, territories=territories)
        record_event(
            None,
            "user.sso_create",
            user,
            after=_access(user, provider),
        )
        return user
    if not user.active:
        if identity is None or identity.role_removed_at is None:
            _refuse(N_("This account is deactivated."), "inactive")
        user.active = True
        record_event(
            None,
            "user.activate",
            user,
            before={"active": False},
            after={"active": True, "provider": provider.name},
        )
    before = _access(user, provider)
    user.role, user.territories = role, territories
    after = _access(user, provider)
    if before != after:
        record_event(None, "user.sso_update", user, before=before, after=after)
    return user


def _access(user: User, provider: SsoProvider) -> dict:
    return {
        "role": user.role,
        "territories": sorted(t.code for t in user.territories),
        "partner": user.partner.code if user.partner else None,
        "provider": provider.name,
    }


def _remove_role(provider: SsoProvider, identity: SsoIdentity, user: User) -> None:
    """No group maps to a role any more: the account is deactivated and its sessions end."""
    user.active = False
    identity.role_removed_at = utcnow()
    record_event(
        None,
        "user.sso_role_removed",
        user,
        before={"role": user.role, "active": True},
        after={"active": False, "provider": provider.name},
    )
    revoke_all(user, reason="sso_role_removed", actor=None)


def _partner_user(provider, user, role, email, claims) -> User:
    if user is None:
        user = _new_user(email, role, claims, partner_id=provider.partner_id)
        record_event(None, "user.sso_create", user, after=_access(user, provider))
        return user
    if user.partner_id != provider.partner_id:
        _refuse(
            N_("This e-mail address belongs to another organisation's account."),
            "other_organisation",
        )
    if not user.active:
        _refuse(N_("This account is deactivated."), "inactive")
    if provider.role_map and user.role != role:
        before = _access(user, provider)
        user.role = role
        record_event(None, "user.sso_update", user, before=before, after=_access(user, provider))
    return user


def record_refusal(provider: SsoProvider | None, claims: dict | None, reason: str, ip) -> None:
    """One audit event for a refused sign-in: the provider, the subject when the token got that
    far, and why."""
    claims = claims or {}
    record_event(
        None,
        "user.sso_refused",
        ("sso_providers", provider.id if provider else None),
        after={
            "provider": provider.name if provider else None,
            "subject": str(claims.get("sub") or "")[:255] or None,
            "email": str(claims.get("email") or "")[:254] or None,
            "reason": reason,
        },
        ip=ip,
    )
