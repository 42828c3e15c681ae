"""Trip seats of contest awards: the winner's answer and the travellers it names.

A settlement run's trip award (`contest_awards`, kind trip) gets one `trip_awards` row: which
award band of the contest it came from, the day the trip sets out, whether declined seats pass
on, and the partner's answer (pending → accepted / declined, who answered and when). Seats a
winner declines may be offered to the next ranked partner: a new award whose `passed_from_id`
names the declined one.

`trip_travellers` holds one row per named seat: name and e-mail, and dietary and document notes
sealed at rest (portal/foundation/vault.py), since they are personal data. They are kept only as
long as the trip needs them: a daily job deletes them `RETENTION_DAYS` after the trip, leaving
`seats_named` (how many seats were used) on the award for the audit and the cost.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .contests import ContestAward
from .partners import Partner
from .types import UTCDateTime, utcnow

TRIP_STATES = ("pending", "accepted", "declined")


class TripAward(db.Model):
    """A trip award's seats and the winner's answer."""

    __tablename__ = "trip_awards"

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("contest_awards.id"), unique=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    band: Mapped[int] = mapped_column(Integer)  # the award's place in the contest's awards list
    seats: Mapped[int] = mapped_column(Integer)
    travel_on: Mapped[date | None] = mapped_column(Date)
    pass_on: Mapped[bool] = mapped_column(Boolean, default=False)
    keep_until: Mapped[date] = mapped_column(Date, index=True)
    state: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decline_reason: Mapped[str | None] = mapped_column(Text)
    passed_from_id: Mapped[int | None] = mapped_column(ForeignKey("trip_awards.id"))
    seats_named: Mapped[int] = mapped_column(Integer, default=0)
    details_purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    award: Mapped[ContestAward] = relationship()
    partner: Mapped[Partner] = relationship()
    travellers: Mapped[list[TripTraveller]] = relationship(
        back_populates="trip", order_by="TripTraveller.seat", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<TripAward {self.id} award={self.award_id} {self.state}>"


class TripTraveller(db.Model):
    """Who travels on one seat of a trip award (the notes sealed)."""

    __tablename__ = "trip_travellers"
    __table_args__ = (UniqueConstraint("trip_id", "seat"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trip_id: Mapped[int] = mapped_column(ForeignKey("trip_awards.id"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    seat: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    dietary_sealed: Mapped[str | None] = mapped_column(Text)
    documents_sealed: Mapped[str | None] = mapped_column(Text)
    named_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    named_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    trip: Mapped[TripAward] = relationship(back_populates="travellers")
