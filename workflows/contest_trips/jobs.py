"""The daily job deleting traveller details past their retention (see retention.py)."""

from __future__ import annotations

from datetime import date, timedelta

from portal.extensions import db
from portal.models import utcnow
from workflows import periodic

from .retention import purge_details


@periodic.periodic("trip_details_purge", every=timedelta(days=1))
def purge_trip_details(as_of: str | None = None) -> int:
    """Today's pass (UTC) by the daily chain; an explicit ISO `as_of` leaves the chain alone."""
    day = date.fromisoformat(as_of) if as_of else utcnow().date()
    purged = purge_details(day)
    db.session.commit()
    return purged
