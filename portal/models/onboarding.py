"""Partner applications (self-registration → review → partner), their duplicates and documents,
the country → territory routing rules, and the company profile a partner keeps after approval."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .partners import Partner
from .territories import Territory
from .types import UTCDateTime, utcnow
from .users import User

APPLICATION_STATES = ("draft", "submitted", "needs_info", "resubmitted", "approved", "rejected")
OPEN_STATES = ("submitted", "needs_info", "resubmitted")
AWAITING_REVIEW = ("submitted", "resubmitted")
BUSINESS_TYPES = (
    "reseller",
    "distributor",
    "agent",
    "dealer",
    "managed_service_provider",
    "system_integrator",
    "other",
)


class PartnerApplication(db.Model):
    """One company's request to become a partner, filed by its first user (role `applicant`).

    `territory_id` routes the application to the managers of that territory (and its ancestors);
    it comes from the country → territory rules and is re-routed when a rule changes.
    `verify_nonce` makes the e-mail verification link single-use: a link is valid only while its
    nonce is the one stored here. `waiting_since` is the last (re)submission: the review queue's
    age and order.
    """

    __tablename__ = "partner_applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    state: Mapped[str] = mapped_column(String(16), default="draft", index=True)

    company_name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200), index=True)
    country: Mapped[str] = mapped_column(String(2))
    website: Mapped[str] = mapped_column(String(253))
    domain_root: Mapped[str | None] = mapped_column(String(253), index=True)
    tax_id: Mapped[str] = mapped_column(String(64))
    tax_key: Mapped[str] = mapped_column(String(80), index=True)
    address: Mapped[str] = mapped_column(Text)
    business_type: Mapped[str] = mapped_column(String(32))
    territory_id: Mapped[int | None] = mapped_column(ForeignKey("territories.id"), index=True)
    registration_ip: Mapped[str | None] = mapped_column(String(64))

    verify_nonce: Mapped[str | None] = mapped_column(String(32))
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    waiting_since: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    question: Mapped[str | None] = mapped_column(Text)
    answer: Mapped[str | None] = mapped_column(Text)
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    applicant: Mapped[User] = relationship(foreign_keys=[applicant_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    territory: Mapped[Territory | None] = relationship()
    partner: Mapped[Partner | None] = relationship()
    duplicates: Mapped[list[ApplicationDuplicate]] = relationship(
        back_populates="application",
        cascade="all, delete-orphan",
        foreign_keys="ApplicationDuplicate.application_id",
        order_by="ApplicationDuplicate.id",
    )
    documents: Mapped[list[ApplicationDocument]] = relationship(
        back_populates="application", order_by="ApplicationDocument.id"
    )

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None

    def __repr__(self) -> str:
        return f"<PartnerApplication {self.id} {self.company_name!r} {self.state}>"


class ApplicationDuplicate(db.Model):
    """A possible duplicate found at (re)submission: an existing partner or another open
    application, with the reasons (`[{"code": …, "params": {…}}]`) shown to the reviewer."""

    __tablename__ = "application_duplicates"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("partner_applications.id", ondelete="CASCADE"), index=True
    )
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    other_application_id: Mapped[int | None] = mapped_column(
        ForeignKey("partner_applications.id", ondelete="CASCADE")
    )
    reasons: Mapped[list] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    application: Mapped[PartnerApplication] = relationship(
        back_populates="duplicates", foreign_keys=[application_id]
    )
    partner: Mapped[Partner | None] = relationship()
    other_application: Mapped[PartnerApplication | None] = relationship(
        foreign_keys=[other_application_id]
    )


class ApplicationDocument(db.Model):
    """A supporting document (e.g. a tax certificate), stored under UPLOAD_DIR, never static/."""

    __tablename__ = "application_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("partner_applications.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    storage_name: Mapped[str] = mapped_column(String(64), unique=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    application: Mapped[PartnerApplication] = relationship(back_populates="documents")


class CountryTerritoryRule(db.Model):
    """Applications from `country` are reviewed by the managers of `territory` (and above)."""

    __tablename__ = "country_territory_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    country: Mapped[str] = mapped_column(String(2), unique=True)
    territory_id: Mapped[int] = mapped_column(ForeignKey("territories.id"), index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    territory: Mapped[Territory] = relationship()


class PartnerProfile(db.Model):
    """A partner organisation's company details: copied from its application on approval and
    kept up to date by its partner admins; duplicate detection compares new applications to it."""

    __tablename__ = "partner_profiles"

    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), primary_key=True)
    website: Mapped[str] = mapped_column(String(253), default="")
    domain_root: Mapped[str | None] = mapped_column(String(253), index=True)
    tax_id: Mapped[str] = mapped_column(String(64), default="")
    tax_key: Mapped[str | None] = mapped_column(String(80), index=True)
    address: Mapped[str] = mapped_column(Text, default="")
    business_type: Mapped[str] = mapped_column(String(32), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    partner: Mapped[Partner] = relationship()

    @property
    def is_complete(self) -> bool:
        return all((self.website, self.tax_id, self.address.strip(), self.business_type))
