"""Trip awards through the workflows: the answer's state machine, travellers, seats passed on
to the next ranked partner, and traveller details deleted after the retention."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal.models import AuditEvent, ContestAward, OutboxMessage, TripAward, TripTraveller
from portal.security import Forbidden
from workflows.contest_trips import answers, jobs, seats, travellers
from workflows.contest_trips.errors import TripAlreadyAnswered, TripError
from workflows.contest_trips.retention import (
    RETENTION_DAYS,
    UNDATED_DAYS,
    keep_until,
    purge_details,
)
from workflows.periodic import PERIODIC

from .conftest import TRAVEL_ON, settle

BEFORE = date(2027, 1, 15)


def events(db, action: str) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


def name(trip, admin, seat=1, **details):
    fields = {"name": "Gina Gold", "email": "gina.traveller@goldie.example", **details}
    return seats.name_traveller(trip, seat, actor=admin, today=BEFORE, **fields)


def test_the_settlement_opens_one_pending_trip_award_for_the_winner(db, trips):
    awarded = db.session.scalars(select(TripAward)).all()
    assert [(t.partner_id, t.seats, t.band, t.state) for t in awarded] == [
        (trips.scenario.goldie.id, 2, 0, "pending")
    ]
    trip = awarded[0]
    assert (trip.travel_on, trip.pass_on) == (TRAVEL_ON, True)
    assert trip.keep_until == TRAVEL_ON + timedelta(days=RETENTION_DAYS)
    assert trip.award.cost == 9600


def test_accept_is_audited_mailed_and_cannot_happen_twice(db, trips):
    trip = trips.goldie_trip
    answers.accept_trip(trip, actor=trips.goldie_admin, today=BEFORE)
    assert (trip.state, trip.answered_by_id) == ("accepted", trips.goldie_admin.id)
    (event,) = events(db, "trip_award.accept")
    assert event.before["state"] == "pending" and event.after["state"] == "accepted"
    mails = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.template == "trip_seats_accepted")
    ).all()
    assert [m.to_address for m in mails] == ["gina@goldie.example"]
    with pytest.raises(TripAlreadyAnswered):
        answers.accept_trip(trip, actor=trips.goldie_admin, today=BEFORE)
    assert len(events(db, "trip_award.accept")) == 1


def test_decline_needs_a_reason_and_is_final(db, trips):
    trip = trips.goldie_trip
    with pytest.raises(TripError) as refused:
        answers.decline_trip(trip, actor=trips.goldie_admin, reason="  ", today=BEFORE)
    assert refused.value.field == "reason"
    trip = trips.goldie_trip
    assert trip.state == "pending"
    answers.decline_trip(trip, actor=trips.goldie_admin, reason="Busy season", today=BEFORE)
    assert (trip.state, trip.decline_reason) == ("declined", "Busy season")
    with pytest.raises(TripAlreadyAnswered):
        answers.decline_trip(trip, actor=trips.goldie_admin, reason="again", today=BEFORE)
    with pytest.raises(TripAlreadyAnswered):
        answers.accept_trip(trip, actor=trips.goldie_admin, today=BEFORE)


def test_nothing_can_change_once_the_trip_has_set_out(db, trips):
    trip = trips.goldie_trip
    with pytest.raises(TripError, match="set out"):
        answers.accept_trip(trip, actor=trips.goldie_admin, today=TRAVEL_ON)
    trip = trips.goldie_trip
    with pytest.raises(TripError, match="set out"):
        seats.name_traveller(
            trip, 1, actor=trips.goldie_admin, name="A", email="a@b.example", today=TRAVEL_ON
        )
    assert trips.goldie_trip.state == "pending"
    assert db.session.scalar(select(func.count(TripTraveller.id))) == 0


def test_only_the_winners_admin_answers_and_only_after_approval(db, make, redis, monkeypatch):
    unapproved = settle(make, monkeypatch, approve=False)
    trip = unapproved.goldie_trip
    with pytest.raises(TripError, match="not final"):
        answers.accept_trip(trip, actor=unapproved.goldie_admin, today=BEFORE)
    trip = unapproved.goldie_trip
    for outsider in (unapproved.branch_1_admin, unapproved.goldie_user, unapproved.manager):
        with pytest.raises(Forbidden):
            answers.accept_trip(trip, actor=outsider, today=BEFORE)
        with pytest.raises(Forbidden):
            name(trip, outsider)


def test_travellers_are_named_replaced_and_their_notes_sealed(db, trips):
    trip = trips.goldie_trip
    traveller = name(trip, trips.goldie_admin, dietary="Vegetarian", documents="Passport DE")
    assert trip.seats_named == 1 and traveller.email == "gina.traveller@goldie.example"
    assert "Vegetarian" not in traveller.dietary_sealed and traveller.dietary_sealed
    assert seats.notes(traveller) == ("Vegetarian", "Passport DE")
    name(trip, trips.goldie_admin, name="Gustav Gold", email="gustav@goldie.example")
    rows = db.session.scalars(select(TripTraveller)).all()
    assert [(t.seat, t.name, t.dietary_sealed) for t in rows] == [(1, "Gustav Gold", None)]
    named = events(db, "trip_award.name_traveller") + events(db, "trip_award.replace_traveller")
    assert [e.after["seat"] for e in named] == [1, 1]
    # the audit trail names seats, never the people on them
    assert not any("Gold" in str(e.after) or "goldie" in str(e.after) for e in named)
    answers.accept_trip(trip, actor=trips.goldie_admin, today=BEFORE)
    name(trip, trips.goldie_admin, seat=2, name="Greta Gold", email="greta@goldie.example")
    assert trip.seats_named == 2


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "A\x00B"}, "name"),
        ({"name": "x" * 10_000}, "name"),
        ({"name": "   "}, "name"),
        ({"email": "not an address"}, "email"),
        ({"email": "a@b.example\x00"}, "email"),
        ({"dietary": "y" * 1001}, "dietary"),
        ({"documents": "\x00"}, "documents"),
    ],
)
def test_bad_traveller_details_are_refused_and_nothing_is_written(db, trips, fields, field):
    trip = trips.goldie_trip
    with pytest.raises(TripError) as refused:
        name(trip, trips.goldie_admin, **fields)
    assert refused.value.field == field
    assert db.session.scalar(select(func.count(TripTraveller.id))) == 0


def test_a_seat_outside_the_award_is_refused(db, trips):
    with pytest.raises(TripError, match="seats 1 to 2"):
        name(trips.goldie_trip, trips.goldie_admin, seat=3)


def test_declined_seats_pass_down_the_standings_until_nobody_is_left(db, trips):
    trip = trips.goldie_trip
    name(trip, trips.goldie_admin)
    _declined, passed = answers.decline_trip(
        trip, actor=trips.goldie_admin, reason="Busy season", today=BEFORE
    )
    # the decliner's travellers are deleted: nobody of theirs travels
    assert db.session.scalar(select(func.count(TripTraveller.id))) == 0
    assert (passed.partner_id, passed.state, passed.seats, passed.passed_from_id) == (
        trips.scenario.branch_1.id,
        "pending",
        2,
        trip.id,
    )
    award = db.session.get(ContestAward, passed.award_id)
    assert (award.run_id, award.rank, award.kind, award.cost) == (trips.run.id, 2, "trip", 9600)
    offers = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.template == "trip_seats_offered")
    ).all()
    assert [m.to_address for m in offers] == ["bo@branch1.example"]
    assert "Summer cup trip" in offers[0].body_text
    (passing,) = events(db, "trip_award.pass_on")
    assert passing.after == {"to_partner": "BRANCH-1", "to_trip_award": passed.id, "rank": 2}

    _d, third = answers.decline_trip(passed, actor=trips.branch_1_admin, reason="No", today=BEFORE)
    assert third.partner_id == trips.scenario.branch_2.id and third.award.rank == 3
    # MOVER (rank 4) is below the threshold: nobody is left
    _d, none = answers.decline_trip(third, actor=trips.branch_2_admin, reason="No", today=BEFORE)
    assert none is None
    assert events(db, "trip_award.pass_on")[-1].after == {"to_partner": None}
    assert db.session.scalar(select(func.count(TripAward.id))) == 3


def test_without_pass_on_declined_seats_stay_unused(db, make, redis, monkeypatch):
    kept = settle(make, monkeypatch, pass_on=False)
    _trip, passed = answers.decline_trip(
        kept.goldie_trip, actor=kept.goldie_admin, reason="No", today=BEFORE
    )
    assert passed is None
    assert db.session.scalar(select(func.count(TripAward.id))) == 1
    assert events(db, "trip_award.pass_on") == []


def test_details_are_deleted_after_the_retention_and_the_count_stays(db, trips):
    trip = trips.goldie_trip
    answers.accept_trip(trip, actor=trips.goldie_admin, today=BEFORE)
    name(trip, trips.goldie_admin, dietary="Vegan")
    name(trip, trips.goldie_admin, seat=2, name="Greta", email="greta@goldie.example")
    last_day = TRAVEL_ON + timedelta(days=RETENTION_DAYS)
    assert purge_details(last_day) == 0
    assert db.session.scalar(select(func.count(TripTraveller.id))) == 2
    assert purge_details(last_day + timedelta(days=1)) == 1
    assert db.session.scalar(select(func.count(TripTraveller.id))) == 0
    db.session.refresh(trip)
    assert (trip.seats_named, trip.state) == (2, "accepted")
    assert trip.details_purged_at is not None
    (purged,) = events(db, "trip_award.purge_details")
    assert purged.actor_id is None and purged.after == {"deleted_travellers": 2, "seats_named": 2}
    assert purge_details(last_day + timedelta(days=2)) == 0  # once only


def test_the_dashboard_count_and_the_lists_follow_the_scope(db, trips):
    assert seats.awaiting_answer(trips.goldie_admin, BEFORE) == 1
    assert seats.awaiting_answer(trips.branch_1_admin, BEFORE) == 0
    assert seats.awaiting_answer(trips.goldie_user, BEFORE) == 0
    assert seats.awaiting_answer(trips.goldie_admin, TRAVEL_ON) == 0
    assert [t.partner_id for t in seats.visible_trips(trips.goldie_admin)] == [
        trips.scenario.goldie.id
    ]
    assert seats.visible_trips(trips.branch_1_admin) == []
    assert len(seats.visible_trips(trips.manager)) == 1  # GOLDIE is in DACH
    assert seats.visible_trips(trips.fr_manager) == []
    assert len(seats.visible_trips(trips.scenario.finance)) == 1


def test_finance_still_lists_a_contest_whose_seats_were_all_declined(db, make, redis, monkeypatch):
    kept = settle(make, monkeypatch, pass_on=False)
    finance = kept.scenario.finance
    answers.decline_trip(kept.goldie_trip, actor=kept.goldie_admin, reason="No", today=BEFORE)
    (listed,) = travellers.contests_with_trips(finance)
    assert (listed.program.id, listed.awards, listed.seats) == (kept.program.id, 1, 0)
    summary = travellers.summary(seats.visible_trips(finance))
    assert (summary.seats_declined, summary.seats_accepted, summary.cost) == (2, 0, 0)


def test_the_purge_runs_daily_on_the_scheduler():
    assert jobs.purge_trip_details.__wrapped__.__name__ == "purge_trip_details"
    assert PERIODIC["trip_details_purge"].func == "workflows.contest_trips.jobs.purge_trip_details"
    assert PERIODIC["trip_details_purge"].every == timedelta(days=1)


def test_details_of_a_trip_without_a_date_are_kept_a_year_after_the_contest():
    contest_end = date(2025, 9, 30)
    assert keep_until(None, contest_end) == contest_end + timedelta(days=UNDATED_DAYS)
    assert keep_until(TRAVEL_ON, contest_end) == TRAVEL_ON + timedelta(days=RETENTION_DAYS)
