"""Declined trip seats passed on to the next ranked partner, when the program says so.

The seats go to the best ranked partner of the declining winner's group, in the standings the
settlement run froze, that
- holds no award of the same band (rank band and tiers of the contest's awards list) in that
  run, whatever its answer: nobody is offered the same prize twice, and nobody who declined it
  gets it back;
- is allowed by the band's tiers (its tier on the contest's last day), and
- measured above zero and reached the contest's threshold, if it has one. The top-N limit is
  not applied: passing seats on reaches past it by design, but never to a partner that did not
  earn the minimum the contest asked of every winner.

The new award is one more row of the run's awards (same seats and cost, the partner's own rank),
pending, with `passed_from_id` naming the declined one; it is audited and the partner's admins
are e-mailed. When nobody is left, the seats stay unused and the audit says so.
"""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.foundation.audit import record_event
from portal.foundation.outbox import queue_mail
from portal.models import CalcRun, ContestAward, ContestStanding, Partner, TripAward
from workflows.engine import spec_from_dict

from .seats import mail_context, partner_admins


def _next_standing(trip: TripAward) -> ContestStanding | None:
    award = trip.award
    run = award.run
    rules = spec_from_dict(run.program_version.spec).contest
    band = rules.awards[trip.band]
    own = db.session.scalar(
        select(ContestStanding).where(
            ContestStanding.run_id == run.id, ContestStanding.payee_id == award.payee_id
        )
    )
    if own is None:
        return None
    holders = (
        select(TripAward.partner_id)
        .join(ContestAward, ContestAward.id == TripAward.award_id)
        .where(ContestAward.run_id == run.id, TripAward.band == trip.band)
    )
    candidates = db.session.scalars(
        select(ContestStanding)
        .join(Partner, Partner.id == ContestStanding.payee_id)
        .where(
            ContestStanding.run_id == run.id,
            ContestStanding.group_code == own.group_code,
            ContestStanding.payee_id.not_in(holders),
        )
        .order_by(ContestStanding.rank)
    )
    for standing in candidates:
        if standing.measure <= 0:
            return None  # ranked by measure: everyone below measured nothing either
        if rules.threshold is not None and standing.measure < rules.threshold:
            return None
        if band.partner_tiers and standing.tier not in band.partner_tiers:
            continue
        return standing
    return None


def pass_on_declined(trip: TripAward, actor) -> TripAward | None:
    """Offer a declined award's seats to the next ranked partner (see the module); returns the
    new award, or None when nobody is left."""
    # One pass-on per run at a time: two winners declining at once must not both pick the
    # same next partner (PostgreSQL row lock; SQLite writes one transaction at a time anyway).
    db.session.execute(
        select(CalcRun.id).where(CalcRun.id == trip.award.run_id).with_for_update()
    ).all()
    standing = _next_standing(trip)
    if standing is None:
        record_event(actor, "trip_award.pass_on", trip, after={"to_partner": None})
        return None
    award = trip.award
    offered = ContestAward(
        run_id=award.run_id,
        payee_id=standing.payee_id,
        rank=standing.rank,
        kind=award.kind,
        seats=award.seats,
        cost=award.cost,
        amount=None,
        points=None,
        currency=award.currency,
    )
    db.session.add(offered)
    db.session.flush()
    passed = TripAward(
        award_id=offered.id,
        partner_id=standing.payee_id,
        band=trip.band,
        seats=trip.seats,
        travel_on=trip.travel_on,
        pass_on=trip.pass_on,
        keep_until=trip.keep_until,
        state="pending",
        seats_named=0,
        passed_from_id=trip.id,
    )
    db.session.add(passed)
    db.session.flush()
    partner_code = db.session.get(Partner, standing.payee_id).code
    record_event(
        actor,
        "trip_award.pass_on",
        trip,
        after={"to_partner": partner_code, "to_trip_award": passed.id, "rank": standing.rank},
    )
    record_event(
        actor,
        "trip_award.offer",
        passed,
        after={
            "partner": partner_code,
            "rank": standing.rank,
            "seats": passed.seats,
            "passed_from": trip.id,
            "state": "pending",
        },
    )
    context = mail_context(passed, "offer")
    for admin in partner_admins(passed.partner_id):
        queue_mail(admin, "trip_seats_offered", context, related=passed)
    return passed
