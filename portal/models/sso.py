"""Single sign-on: the OpenID Connect providers admins configure, and the people each one has
signed in (its subject, linked to a portal user)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .partners import Partner
from .types import UTCDateTime, utcnow
from .users import User

DEFAULT_SCOPES = "openid email profile"


class SsoProvider(db.Model):
    """One OpenID Connect provider. Staff providers (no partner) create and update staff users
    with the role and territories their groups map to; a partner provider serves one partner
    organisation. The client secret is never stored: `secret_env` names the environment
    variable that holds it."""

    __tablename__ = "sso_providers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    issuer: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(255))
    secret_env: Mapped[str] = mapped_column(String(100))
    scopes: Mapped[str] = mapped_column(String(255), default=DEFAULT_SCOPES)
    # lower-case e-mail domains whose people this provider signs in (one provider per domain)
    domains: Mapped[list] = mapped_column(JSON, default=list)
    groups_claim: Mapped[str] = mapped_column(String(64), default="groups")
    # group (claim value) → role; group → territory codes (channel managers)
    role_map: Mapped[dict] = mapped_column(JSON, default=dict)
    territory_map: Mapped[dict] = mapped_column(JSON, default=dict)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), index=True)
    # for a partner provider: the organisation's people may not sign in with a password
    password_sign_in_off: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    partner: Mapped[Partner | None] = relationship()

    @property
    def metadata_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"

    def __repr__(self) -> str:
        return f"<SsoProvider {self.name}>"


class SsoIdentity(db.Model):
    """A provider's subject (`sub`) signed in as a portal user. `role_removed_at` is set when a
    sign-in found no mapped role any more and the account was deactivated for it; a later
    sign-in with a mapped role reactivates only such an account."""

    __tablename__ = "sso_identities"
    __table_args__ = (UniqueConstraint("provider_id", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("sso_providers.id", ondelete="CASCADE"))
    subject: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    role_removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    provider: Mapped[SsoProvider] = relationship()
    user: Mapped[User] = relationship()
