"""Where partners want to be paid: payout bank accounts, one per partner and currency in use.

Account numbers are sensitive: they are stored sealed (`secret`, see workflows/banking/vault.py)
with only the last four characters in clear for masked display. A new or changed account is
`pending` until finance verifies it (never the person who entered it); at most one account per
partner and currency is pending and at most one is verified at a time. Verifying a change
supersedes the account it replaces.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .partners import Partner
from .types import UTCDateTime, utcnow

ACCOUNT_SCHEMES = ("iban", "us_aba", "gb_sort_code")
ACCOUNT_STATES = ("pending", "verified", "rejected", "superseded")


class PayeeAccount(db.Model):
    __tablename__ = "payee_accounts"
    __table_args__ = (
        Index(
            "uq_payee_accounts_pending",
            "partner_id",
            "currency",
            unique=True,
            postgresql_where=text("state = 'pending'"),
            sqlite_where=text("state = 'pending'"),
        ),
        Index(
            "uq_payee_accounts_verified",
            "partner_id",
            "currency",
            unique=True,
            postgresql_where=text("state = 'verified'"),
            sqlite_where=text("state = 'verified'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    scheme: Mapped[str] = mapped_column(String(16))
    country: Mapped[str] = mapped_column(String(2))
    holder_name: Mapped[str] = mapped_column(String(140))
    bic: Mapped[str | None] = mapped_column(String(11))
    secret: Mapped[str] = mapped_column(Text)
    last4: Mapped[str] = mapped_column(String(4))
    tax_id: Mapped[str | None] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(Text)
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    partner: Mapped[Partner] = relationship()

    def __repr__(self) -> str:
        return f"<PayeeAccount {self.id} {self.partner_id} {self.currency} {self.state}>"
