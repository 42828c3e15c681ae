"""The partner admin's answer to a trip award: accept, or decline and pass the seats on."""

from __future__ import annotations

from datetime import date

from portal.models import TripAward, utcnow

from .pass_on import pass_on_declined
from .seats import TRIPS


def accept_trip(trip: TripAward, *, actor, today: date | None = None) -> TripAward:
    """The partner admin takes the seats (before the trip sets out)."""
    return TRIPS.fire(trip, "accept", actor, today=today or utcnow().date())


def decline_trip(
    trip: TripAward, *, actor, reason: str, today: date | None = None
) -> tuple[TripAward, TripAward | None]:
    """The partner admin gives the seats up, with a reason; when the program says so, they go
    to the next ranked partner (pass_on.py). Returns the declined award and the new one."""
    day = today or utcnow().date()
    TRIPS.fire(trip, "decline", actor, today=day, reason=reason)
    return trip, pass_on_declined(trip, actor) if trip.pass_on else None
