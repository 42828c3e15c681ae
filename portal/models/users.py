"""People who log in, their role, and the territories a channel manager manages."""

from __future__ import annotations

import enum
from functools import cache

from flask_login import UserMixin
from sqlalchemy import Column, ForeignKey, Select, String, Table, select
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from .partners import Partner
from .territories import Territory, territory_ancestry
from .types import UTCDateTime, utcnow


class Role(enum.StrEnum):
    PARTNER_USER = "partner_user"
    PARTNER_ADMIN = "partner_admin"
    CHANNEL_MANAGER = "channel_manager"
    FINANCE = "finance"
    ADMIN = "admin"
    APPLICANT = "applicant"  # registered online, no partner yet: sees only their own application

    @property
    def is_partner(self) -> bool:
        return self in (Role.PARTNER_USER, Role.PARTNER_ADMIN)


manager_territories = Table(
    "manager_territories",
    db.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("territory_id", ForeignKey("territories.id"), primary_key=True),
)

PASSWORD_METHOD = "scrypt"  # noqa: S105 - a hashing method name, not a password
MIN_PASSWORD_LENGTH = 10


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), index=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(default=True)
    # The nonce of the one password link (set or reset) that may still be used; cleared on use.
    password_nonce: Mapped[str | None] = mapped_column(String(32))
    created_at = mapped_column(UTCDateTime, default=utcnow)
    last_login_at = mapped_column(UTCDateTime, nullable=True)

    partner: Mapped[Partner | None] = relationship()
    territories: Mapped[list[Territory]] = relationship(secondary=manager_territories)

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=PASSWORD_METHOD)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


@cache
def managed_territories():
    """(user_id, territory_id) for every territory each user manages, itself or through a
    territory above it: the territories a manager sees, and the managers above a territory.
    Built once, like `territory_ancestry`."""
    ancestry = territory_ancestry()
    return (
        select(manager_territories.c.user_id, ancestry.c.territory_id)
        .join(ancestry, ancestry.c.ancestor_id == manager_territories.c.territory_id)
        .subquery("managed")
    )


def managers_above(territory_ids) -> Select:
    """Active channel managers of any of `territory_ids` (ids or a select of ids) or of a
    territory above one of them, by id."""
    managed = managed_territories()
    above = select(managed.c.user_id).where(managed.c.territory_id.in_(territory_ids))
    return _active(Role.CHANNEL_MANAGER, User.id.in_(above))


def partner_admins_of(partner_ids) -> Select:
    """Active partner admins of any of `partner_ids`, by id: who hears of what concerns their
    organisation's money (fund expiry, contest awards, payout changes)."""
    return _active(Role.PARTNER_ADMIN, User.partner_id.in_(partner_ids))


def _active(role: Role, among) -> Select:
    """Active users of `role` matching `among`, by id."""
    return (
        select(User).where(among, User.role == role.value, User.active.is_(True)).order_by(User.id)
    )
