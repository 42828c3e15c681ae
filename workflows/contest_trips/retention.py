"""How long traveller details are kept, and the daily job that deletes them.

Names, e-mail addresses and dietary and document notes serve the trip only. They are deleted
`RETENTION_DAYS` after the day the trip sets out (a trip without a date: `UNDATED_DAYS` after
the contest's last day), by the daily `trip_details_purge` job. What stays is the award with its
answer and `seats_named`, the count of seats used, for the audit and the program's cost. The
audit trail itself never holds the details: its events name seats, not people.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from portal.extensions import db
from portal.foundation.audit import record_event
from portal.models import TripAward, TripTraveller, utcnow

RETENTION_DAYS = 30
UNDATED_DAYS = 365


def keep_until(travel_on: date | None, contest_end: date) -> date:
    """The last day traveller details of a trip are kept."""
    if travel_on is not None:
        return travel_on + timedelta(days=RETENTION_DAYS)
    return contest_end + timedelta(days=UNDATED_DAYS)


def purge_details(today: date) -> int:
    """Delete the traveller details of every trip kept past its day (as the system); returns
    how many trips were purged. Each purge is audited with the count of seats it leaves."""
    due = db.session.scalars(
        select(TripAward)
        .where(TripAward.keep_until < today, TripAward.details_purged_at.is_(None))
        .order_by(TripAward.id)
        .with_for_update()
    ).all()
    for trip in due:
        named = db.session.scalar(
            select(func.count(TripTraveller.id)).where(TripTraveller.trip_id == trip.id)
        )
        if trip.state != "declined":
            trip.seats_named = named or 0
        trip.travellers.clear()
        trip.details_purged_at = utcnow()
        db.session.flush()
        record_event(
            None,
            "trip_award.purge_details",
            trip,
            after={"deleted_travellers": named or 0, "seats_named": trip.seats_named},
        )
    return len(due)
