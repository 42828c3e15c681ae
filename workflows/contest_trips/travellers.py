"""Who travels on a contest's trip: the list finance hands to the travel agency (and managers
read for the partners in their territories)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import case, func, select

from portal.extensions import db
from portal.models import CalcRun, ContestAward, Program, TripAward
from portal.security import Perm, ensure, visible_to

from .seats import notes

CSV_HEADER = (
    "partner_code",
    "partner_name",
    "answer",
    "travel_on",
    "seat",
    "name",
    "email",
    "dietary_notes",
    "document_notes",
)


@dataclass(frozen=True)
class TravellerRow:
    """One seat of an award that is not declined: its traveller, if named yet."""

    trip: TripAward
    seat: int
    name: str
    email: str
    dietary: str
    documents: str

    @property
    def named(self) -> bool:
        return bool(self.name)


@dataclass(frozen=True)
class TripSummary:
    """Seats offered, accepted, declined and named, and the cost of the seats not declined."""

    awards: int
    seats_accepted: int
    seats_pending: int
    seats_declined: int
    seats_named: int
    cost: Decimal
    currency: str | None
    travel_on: date | None  # the day the trip sets out, when every award names the same


def traveller_rows(trips: Iterable[TripAward]) -> list[TravellerRow]:
    """Every seat of the awards not declined, by award then seat (details deleted after the
    retention show as not named)."""
    rows = []
    for trip in trips:
        if trip.state == "declined":
            continue
        by_seat = {t.seat: t for t in trip.travellers}
        for seat in range(1, trip.seats + 1):
            traveller = by_seat.get(seat)
            if traveller is None:
                rows.append(TravellerRow(trip, seat, "", "", "", ""))
                continue
            dietary, documents = notes(traveller)
            rows.append(
                TravellerRow(trip, seat, traveller.name, traveller.email, dietary, documents)
            )
    return rows


def summary(trips: list[TripAward]) -> TripSummary:
    def seats(state: str) -> int:
        return sum(t.seats for t in trips if t.state == state)

    cost = sum((t.award.cost for t in trips if t.state != "declined"), Decimal(0))
    return TripSummary(
        awards=len(trips),
        seats_accepted=seats("accepted"),
        seats_pending=seats("pending"),
        seats_declined=seats("declined"),
        seats_named=sum(t.seats_named for t in trips if t.state != "declined"),
        cost=cost,
        currency=trips[0].award.currency if trips else None,
        travel_on=days.pop() if len(days := {t.travel_on for t in trips}) == 1 else None,
    )


def csv_values(rows: list[TravellerRow]) -> list[tuple]:
    """The rows as plain values for the CSV download (states as stored, days in ISO form)."""
    return [
        (
            row.trip.partner.code,
            row.trip.partner.name,
            row.trip.state,
            row.trip.travel_on.isoformat() if row.trip.travel_on else "",
            row.seat,
            row.name,
            row.email,
            row.dietary,
            row.documents,
        )
        for row in rows
    ]


@dataclass(frozen=True)
class ContestTrips:
    program: Program
    travel_on: date | None
    awards: int
    seats: int


def contests_with_trips(actor) -> list[ContestTrips]:
    """The contests whose approved settlement awarded trips the actor may see, newest first:
    their awards (declined ones too) and the seats not declined."""
    ensure(actor, Perm.VIEW_TRIP_TRAVELLERS)
    stmt = (
        select(
            CalcRun.program_id,
            func.max(TripAward.travel_on),
            func.count(TripAward.id),
            func.sum(case((TripAward.state == "declined", 0), else_=TripAward.seats)),
        )
        .select_from(TripAward)
        .join(ContestAward, ContestAward.id == TripAward.award_id)
        .join(CalcRun, CalcRun.id == ContestAward.run_id)
        .where(CalcRun.approved_at.is_not(None))
        .group_by(CalcRun.program_id)
    )
    found = db.session.execute(visible_to(stmt, actor, TripAward)).all()
    programs = {
        p.id: p
        for p in db.session.scalars(select(Program).where(Program.id.in_([r[0] for r in found])))
    }
    listed = [
        ContestTrips(programs[pid], travel_on, awards, int(seats or 0))
        for pid, travel_on, awards, seats in found
    ]
    return sorted(listed, key=lambda c: (c.travel_on or date.min, c.program.code), reverse=True)
