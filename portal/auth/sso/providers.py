"""Admins keep the providers: settings checked here, every change audited."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from sqlalchemy import select

from portal.foundation.audit import record_event
from workflows.engine.i18n import N_, Refusal

from ...extensions import db
from ...models import Partner, Role, SsoProvider, Territory, utcnow
from ...security import Perm, ensure, visible_to

ENV_NAME = re.compile(r"[A-Z][A-Z0-9_]{0,99}")
DOMAIN = re.compile(r"(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
CLAIM = re.compile(r"[A-Za-z0-9_:.\-/]{1,64}")
STAFF_ROLES = (Role.CHANNEL_MANAGER.value, Role.FINANCE.value, Role.ADMIN.value)
PARTNER_ROLES = (Role.PARTNER_USER.value, Role.PARTNER_ADMIN.value)
LOOPBACK = ("localhost", "127.0.0.1", "::1")


class ProviderError(Refusal, ValueError):
    """A provider's settings were refused."""


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").replace(",", "\n").splitlines() if line.strip()]


def parse_domains(text: str, *, provider_id: int | None) -> list[str]:
    domains = sorted({d.lower().lstrip("@") for d in _lines(text)})
    if not domains:
        raise ProviderError(N_("Enter at least one e-mail domain."), field="domains")
    for domain in domains:
        if not DOMAIN.fullmatch(domain):
            raise ProviderError(
                N_("%(domain)s is not an e-mail domain."), field="domains", domain=domain
            )
    for other in db.session.scalars(select(SsoProvider).where(SsoProvider.id != provider_id)):
        taken = sorted(set(domains) & set(other.domains))
        if taken:
            raise ProviderError(
                N_("%(domain)s is already served by %(provider)s."),
                field="domains",
                domain=taken[0],
                provider=other.name,
            )
    return domains


def _pairs(text: str, field: str) -> list[tuple[str, str]]:
    pairs = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        group, sep, value = line.partition("=")
        if not sep or not group.strip() or not value.strip() or len(group.strip()) > 200:
            raise ProviderError(
                N_("Write one mapping a line, as group = value: %(line)s"),
                field=field,
                line=line.strip()[:80],
            )
        pairs.append((group.strip(), value.strip()))
    return pairs


def parse_role_map(text: str, *, partner: bool) -> dict[str, str]:
    allowed = PARTNER_ROLES if partner else STAFF_ROLES
    mapping = {}
    for group, role in _pairs(text, "role_map"):
        if role not in allowed:
            raise ProviderError(
                N_("%(role)s is not a role this provider can give; use one of %(roles)s."),
                field="role_map",
                role=role[:40],
                roles=", ".join(allowed),
            )
        mapping[group] = role
    return mapping


def parse_territory_map(text: str) -> dict[str, list[str]]:
    mapping: dict[str, list[str]] = {}
    for group, codes in _pairs(text, "territory_map"):
        mapping[group] = sorted({c.strip() for c in codes.split() if c.strip()})
    wanted = {c for codes in mapping.values() for c in codes}
    known = set(db.session.scalars(select(Territory.code).where(Territory.code.in_(wanted))))
    missing = sorted(wanted - known)
    if missing:
        raise ProviderError(
            N_("Unknown territory code(s): %(codes)s"),
            field="territory_map",
            codes=", ".join(missing)[:200],
        )
    return mapping


def check_issuer(issuer: str) -> str:
    issuer = (issuer or "").strip().rstrip("/")
    parts = urlsplit(issuer)
    secure = parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK)
    if not secure or not parts.hostname or parts.query or parts.fragment:
        raise ProviderError(
            N_("The issuer must be an https:// address (http:// only on this machine)."),
            field="issuer",
        )
    return issuer


def save_provider(provider: SsoProvider | None, *, actor, **fields) -> SsoProvider:
    """Create (`provider` None) or change a provider from the form's values; audited."""
    ensure(actor, Perm.MANAGE_USERS)
    partner = None
    if fields.get("partner_id"):
        partner = db.session.scalar(
            visible_to(select(Partner), actor).where(Partner.id == int(fields["partner_id"]))
        )
        if partner is None:
            raise ProviderError(N_("Choose a partner from the list."), field="partner_id")
    secret_env = (fields["secret_env"] or "").strip()
    if not ENV_NAME.fullmatch(secret_env):
        raise ProviderError(
            N_("Name an environment variable: capital letters, digits and _."), field="secret_env"
        )
    scopes = " ".join(dict.fromkeys((fields["scopes"] or "").split()))
    if "openid" not in scopes.split() or len(scopes) > 255:
        raise ProviderError(N_("The scopes must include openid."), field="scopes")
    groups_claim = (fields["groups_claim"] or "").strip()
    if not CLAIM.fullmatch(groups_claim):
        raise ProviderError(N_("Name the claim that lists the groups."), field="groups_claim")
    if partner is not None and (fields["territory_map"] or "").strip():
        raise ProviderError(
            N_("Territories are mapped for staff providers only."), field="territory_map"
        )
    if fields["password_sign_in_off"] and partner is None:
        raise ProviderError(
            N_("Password sign-in can only be turned off for a partner organisation."),
            field="password_sign_in_off",
        )
    values = {
        "name": fields["name"].strip(),
        "issuer": check_issuer(fields["issuer"]),
        "client_id": fields["client_id"].strip(),
        "secret_env": secret_env,
        "scopes": scopes,
        "domains": parse_domains(fields["domains"], provider_id=provider.id if provider else None),
        "groups_claim": groups_claim,
        "role_map": parse_role_map(fields["role_map"], partner=partner is not None),
        "territory_map": parse_territory_map(fields["territory_map"]) if partner is None else {},
        "partner_id": partner.id if partner else None,
        "password_sign_in_off": bool(fields["password_sign_in_off"]),
        "active": bool(fields["active"]),
    }
    taken = db.session.scalar(
        select(SsoProvider.id).where(
            SsoProvider.name == values["name"],
            SsoProvider.id != (provider.id if provider else None),
        )
    )
    if taken:
        raise ProviderError(N_("Another provider has this name."), field="name")
    before = described(provider) if provider else None
    if provider is None:
        provider = SsoProvider()
        db.session.add(provider)
    for key, value in values.items():
        setattr(provider, key, value)
    provider.updated_at = utcnow()
    db.session.flush()
    record_event(
        actor,
        "sso_provider.update" if before else "sso_provider.create",
        provider,
        before=before,
        after=described(provider),
    )
    return provider


def described(provider: SsoProvider) -> dict:
    """What the audit trail keeps of a provider's settings (the secret's variable name only)."""
    return {
        "name": provider.name,
        "issuer": provider.issuer,
        "client_id": provider.client_id,
        "secret_env": provider.secret_env,
        "scopes": provider.scopes,
        "domains": list(provider.domains),
        "groups_claim": provider.groups_claim,
        "role_map": dict(provider.role_map),
        "territory_map": dict(provider.territory_map),
        "partner_id": provider.partner_id,
        "password_sign_in_off": provider.password_sign_in_off,
        "active": provider.active,
    }
