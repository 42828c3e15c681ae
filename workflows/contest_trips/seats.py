"""A trip award's seats: the partner admin accepts or declines them and names the travellers.

    pending ──accept──▶ accepted
       │                   │
       └──decline──┬───────┘
                   ▼
               declined  (the travellers named are deleted; the seats may pass on, pass_on.py)

Only the winner's partner admins answer, once the settlement run is approved and before the
trip sets out; every answer is audited and e-mailed to the organisation's admins. Travellers
are named or replaced per seat while the award is pending or accepted. Their notes are sealed
at rest; audit events name the seat, never the person, so that deleting the details
(retention.py) leaves nothing personal behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.foundation.audit import record_event
from portal.foundation.outbox import public_url
from portal.foundation.vault import open_text, seal_text
from portal.models import (
    CalcRun,
    ContestAward,
    TripAward,
    TripTraveller,
    User,
    partner_admins_of,
    utcnow,
)
from portal.security import Perm, can, ensure, visible_to
from workflows import validators
from workflows.engine import N_, Term
from workflows.engine.contest_rules import Award
from workflows.states import Machine, Transition

from .errors import TripAlreadyAnswered, TripError
from .retention import keep_until

STATE_WORDS = {
    "pending": N_("awaiting your answer"),
    "accepted": N_("accepted"),
    "declined": N_("declined"),
}
NAME_LENGTH = 200
EMAIL_LENGTH = 254
NOTE_LENGTH = 1000
REASON_LENGTH = 500
OPEN_STATES = ("pending", "accepted")
PARTNER_ADMINS = "partner_admins"
PARTNER = "partner"


def partner_admins(partner_id: int) -> list[User]:
    """The organisation's active partner admins: who answers, and who hears of each answer."""
    return list(db.session.scalars(partner_admins_of([partner_id])))


def open_trip_seats(run: CalcRun, won: list[tuple[int, int, int, Award]]) -> None:
    """One pending trip award per (award id, payee id, band, award) a settlement created."""
    for award_id, payee_id, band, award in won:
        db.session.add(
            TripAward(
                award_id=award_id,
                partner_id=payee_id,
                band=band,
                seats=award.seats or 0,
                travel_on=award.travel_on,
                pass_on=award.pass_on_declined,
                keep_until=keep_until(award.travel_on, run.period_end),
                state="pending",
                seats_named=0,
            )
        )
    db.session.flush()


def is_settled(trip: TripAward) -> bool:
    """The award's settlement run is approved: only then is it the partner's to answer."""
    return trip.award.run.approved_at is not None


def has_set_out(trip: TripAward, today: date) -> bool:
    """The trip has set out (or was deleted from memory): nothing can change any more."""
    return trip.travel_on is not None and today >= trip.travel_on


def _answerable(trip: TripAward, actor) -> None:
    if not is_settled(trip):
        raise TripError(N_("This award is not final yet: its settlement awaits approval."))
    if actor is None or getattr(actor, "id", None) is None:
        raise TripError(N_("An answer must be given by a named user."))


def _before_trip(trip: TripAward, today: date) -> None:
    if has_set_out(trip, today):
        raise TripError(
            N_("The trip set out on %(date)s: its seats can no longer be changed."),
            date=trip.travel_on,
        )


def _accept(trip: TripAward, actor, today: date) -> dict:
    _before_trip(trip, today)
    trip.answered_by_id, trip.answered_at = actor.id, utcnow()
    return {"seats": trip.seats}


def _decline(trip: TripAward, actor, today: date, reason: str | None = None) -> dict:
    _before_trip(trip, today)
    try:
        reason = validators.text_block(reason or "").strip()
    except validators.InvalidValue as exc:
        raise TripError(exc.template, field="reason", **exc.params) from None
    if not reason:
        raise TripError(N_("Say why the seats are declined."), field="reason")
    if len(reason) > REASON_LENGTH:
        raise TripError(
            N_("Keep the reason under %(count)s characters."), count=REASON_LENGTH, field="reason"
        )
    deleted = len(trip.travellers)
    trip.travellers.clear()  # nobody travels: their details are not needed any more
    trip.seats_named = 0
    trip.decline_reason = reason
    trip.answered_by_id, trip.answered_at = actor.id, utcnow()
    return {"seats": trip.seats, "deleted_travellers": deleted}


def mail_context(trip: TripAward, event: str, audience: str = PARTNER_ADMINS) -> dict:
    return {
        "partner": trip.partner,
        "program": trip.award.run.program,
        "seats": trip.seats,
        "travel_on": trip.travel_on,
        "reason": trip.decline_reason,
        "event": event,
        "link": public_url("contest_trips.seats_page", trip_id=trip.id),
    }


TRIPS = Machine(
    "trip_award",
    (
        Transition("accept", ("pending",), "accepted", PARTNER, Term(N_("accepted")),
                   check=_answerable, effect=_accept,
                   notify={PARTNER_ADMINS: "trip_seats_accepted"}),
        Transition("decline", OPEN_STATES, "declined", PARTNER, Term(N_("declined")),
                   check=_answerable, effect=_decline,
                   notify={PARTNER_ADMINS: "trip_seats_declined"}),
    ),
    parties={PARTNER: Perm.MANAGE_TRIP_SEATS},
    refused=N_("These trip seats are %(state)s, so they cannot be %(action)s."),
    illegal=TripAlreadyAnswered,
    state_label=lambda trip: Term(STATE_WORDS[trip.state]),
    audited=("answered_by_id", "decline_reason", "seats_named"),
    audiences={PARTNER_ADMINS: lambda trip: partner_admins(trip.partner_id)},
    mail_context=mail_context,
    unknown=lambda event: TripError(N_("Unknown action.")),
)  # fmt: skip


@dataclass(frozen=True)
class TravellerDetails:
    """One seat's traveller as checked: clean name and address, notes as typed (trimmed)."""

    name: str
    email: str
    dietary: str
    documents: str


def _checked_text(value: str | None, field: str, limit: int, *, multiline: bool) -> str:
    check = validators.text_block if multiline else validators.name
    try:
        clean = check(value or "").strip()
    except validators.InvalidValue as exc:
        raise TripError(exc.template, field=field, **exc.params) from None
    if len(clean) > limit:
        raise TripError(N_("At most %(count)s characters."), count=limit, field=field)
    return clean


def check_traveller(name, email, dietary, documents) -> TravellerDetails:
    """The details of one traveller, or a refusal naming the field at fault."""
    clean_name = _checked_text(name, "name", NAME_LENGTH, multiline=False)
    if not clean_name:
        raise TripError(N_("Give the traveller's name."), field="name")
    address = _checked_text(email, "email", EMAIL_LENGTH, multiline=False)
    try:
        address = validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError:
        raise TripError(N_("Enter a valid e-mail address."), field="email") from None
    return TravellerDetails(
        clean_name,
        address,
        _checked_text(dietary, "dietary", NOTE_LENGTH, multiline=True),
        _checked_text(documents, "documents", NOTE_LENGTH, multiline=True),
    )


def _locked(trip: TripAward) -> TripAward:
    db.session.flush()
    db.session.refresh(trip, with_for_update=True)
    return trip


def name_traveller(
    trip: TripAward,
    seat: int,
    *,
    actor,
    name: str,
    email: str,
    dietary: str = "",
    documents: str = "",
    today: date | None = None,
) -> TripTraveller:
    """Name (or replace) who travels on one seat, while the award is pending or accepted and
    the trip has not set out. Audited by seat: the event holds no personal details."""
    ensure(actor, Perm.MANAGE_TRIP_SEATS, trip)
    trip = _locked(trip)
    _answerable(trip, actor)
    if trip.state not in OPEN_STATES:
        raise TripAlreadyAnswered(
            N_("These trip seats are %(state)s: no travellers can be named."),
            state=Term(STATE_WORDS[trip.state]),
        )
    _before_trip(trip, today or utcnow().date())
    if not 1 <= seat <= trip.seats:
        raise TripError(N_("This award has seats 1 to %(seats)s."), seats=trip.seats)
    details = check_traveller(name, email, dietary, documents)
    traveller = next((t for t in trip.travellers if t.seat == seat), None)
    replaced = traveller is not None
    if traveller is None:
        traveller = TripTraveller(trip_id=trip.id, partner_id=trip.partner_id, seat=seat)
        trip.travellers.append(traveller)
    traveller.name, traveller.email = details.name, details.email
    traveller.dietary_sealed = seal_text(details.dietary) if details.dietary else None
    traveller.documents_sealed = seal_text(details.documents) if details.documents else None
    traveller.named_by_id, traveller.named_at = actor.id, utcnow()
    db.session.flush()
    trip.seats_named = len(trip.travellers)
    db.session.flush()
    record_event(
        actor,
        "trip_award.replace_traveller" if replaced else "trip_award.name_traveller",
        trip,
        after={"seat": seat, "seats_named": trip.seats_named},
    )
    return traveller


def notes(traveller: TripTraveller) -> tuple[str, str]:
    """(dietary notes, document notes) in clear."""
    return (
        open_text(traveller.dietary_sealed) if traveller.dietary_sealed else "",
        open_text(traveller.documents_sealed) if traveller.documents_sealed else "",
    )


def visible_trips(actor, *, program_id: int | None = None) -> list[TripAward]:
    """The trip awards of approved settlements the actor may see, newest contest first."""
    if not can(actor, Perm.VIEW_TRIP_TRAVELLERS):
        ensure(actor, Perm.MANAGE_TRIP_SEATS)
    stmt = (
        select(TripAward)
        .join(ContestAward, ContestAward.id == TripAward.award_id)
        .join(CalcRun, CalcRun.id == ContestAward.run_id)
        .where(CalcRun.approved_at.is_not(None))
        .options(
            selectinload(TripAward.award)
            .selectinload(ContestAward.run)
            .selectinload(CalcRun.program),
            selectinload(TripAward.partner),
            selectinload(TripAward.travellers),
        )
        .order_by(CalcRun.period_end.desc(), ContestAward.rank, TripAward.id)
    )
    if program_id is not None:
        stmt = stmt.where(CalcRun.program_id == program_id)
    return list(db.session.scalars(visible_to(stmt, actor, TripAward)))


def awaiting_answer(actor, today: date) -> int:
    """How many of the organisation's trip awards wait for its answer (for the dashboard)."""
    if actor.partner_id is None or not can(actor, Perm.MANAGE_TRIP_SEATS):
        return 0
    stmt = (
        select(func.count(TripAward.id))
        .join(ContestAward, ContestAward.id == TripAward.award_id)
        .join(CalcRun, CalcRun.id == ContestAward.run_id)
        .where(
            CalcRun.approved_at.is_not(None),
            TripAward.state == "pending",
            (TripAward.travel_on.is_(None)) | (TripAward.travel_on > today),
        )
    )
    return db.session.scalar(visible_to(stmt, actor, TripAward)) or 0
