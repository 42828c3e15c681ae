"""Versioned partner agreements and who accepted which version, when and from where."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow
from .users import User


class AgreementVersion(db.Model):
    """One published version; the current one is the highest version already in effect.

    Versions are never edited: a change is a new version, which partner admins accept again.
    """

    __tablename__ = "agreement_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    effective_on: Mapped[date] = mapped_column(Date, index=True)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    published_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<AgreementVersion v{self.version}>"


class AgreementAcceptance(db.Model):
    """`user` accepted `version` at `accepted_at` from `ip`, for their organisation (`partner_id`)
    or, before approval, for their application."""

    __tablename__ = "agreement_acceptances"
    __table_args__ = (UniqueConstraint("version_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("agreement_versions.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), index=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("partner_applications.id"))
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ip: Mapped[str | None] = mapped_column(String(64))

    version: Mapped[AgreementVersion] = relationship()
    user: Mapped[User] = relationship()
