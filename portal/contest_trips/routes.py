"""Trip seats of contest awards: the partner admin answers and names travellers; finance (and
managers, in their territories) see who travels, and finance downloads the list for the agency.
"""

from functools import partial

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from workflows import enqueue
from workflows.contest_trips import answers
from workflows.contest_trips import seats as trip_seats
from workflows.contest_trips import travellers as trip_list
from workflows.contest_trips.retention import RETENTION_DAYS, UNDATED_DAYS

from ..changes import REFUSED, commit_or_refuse, commit_or_show
from ..csv_export import csv_response
from ..extensions import db
from ..forms import ConfirmForm
from ..foundation.audit import record_event
from ..models import Program, TripAward, utcnow
from ..security import Perm, get_unscoped_or_404, get_visible_or_404, requires
from . import bp
from .forms import DeclineForm, TravellerForm


@bp.get("/contests/awards")
@requires(Perm.MANAGE_TRIP_SEATS)
def awards_page():
    trips = trip_seats.visible_trips(current_user)
    return render_template("contest_trips/awards.html", trips=trips, today=utcnow().date())


def _settled_trip(trip_id) -> TripAward:
    """The organisation's trip award, once its settlement is approved (else a 404)."""
    trip = get_visible_or_404(TripAward, trip_id)
    if not trip_seats.is_settled(trip):
        abort(404)  # not final yet: not the partner's to see
    return trip


def render_seats(trip: TripAward, *, forms=None, decline_form=None, status=200):
    today = utcnow().date()
    open_for_names = trip.state in trip_seats.OPEN_STATES and not trip_seats.has_set_out(
        trip, today
    )
    by_seat = {t.seat: t for t in trip.travellers}
    forms = dict(forms or {})
    for seat in range(1, trip.seats + 1):
        if seat in forms:
            continue
        traveller = by_seat.get(seat)
        form = TravellerForm(formdata=None)
        if traveller is not None:
            form.name.data, form.email.data = traveller.name, traveller.email
            form.dietary.data, form.documents.data = trip_seats.notes(traveller)
        forms[seat] = form
    offered = {e: trip_seats.TRIPS.offered(trip, e, current_user) for e in ("accept", "decline")}
    set_out = trip_seats.has_set_out(trip, today)
    body = render_template(
        "contest_trips/seats.html",
        trip=trip,
        program=trip.award.run.program,
        forms=forms,
        by_seat=by_seat,
        offered={e: allowed and not set_out for e, allowed in offered.items()},
        open_for_names=open_for_names,
        set_out=set_out,
        action_form=ConfirmForm(),
        decline_form=decline_form or DeclineForm(formdata=None),
        retention_days=RETENTION_DAYS,
        undated_days=UNDATED_DAYS,
    )
    return body, status, {"Cache-Control": "no-store"}


@bp.get("/contests/awards/<int:trip_id>/seats")
@requires(Perm.MANAGE_TRIP_SEATS)
def seats_page(trip_id):
    return render_seats(_settled_trip(trip_id))


@bp.post("/contests/awards/<int:trip_id>/accept")
@requires(Perm.MANAGE_TRIP_SEATS)
def accept(trip_id):
    trip = _settled_trip(trip_id)
    back = url_for("contest_trips.seats_page", trip_id=trip.id)
    if not ConfirmForm().validate_on_submit():
        return render_seats(trip, status=400)
    commit_or_refuse(partial(answers.accept_trip, trip, actor=current_user), back)
    enqueue.pending_mail()
    flash(_("You accepted the seats. Name the travellers below."), "success")
    return redirect(back)


@bp.post("/contests/awards/<int:trip_id>/decline")
@requires(Perm.MANAGE_TRIP_SEATS)
def decline(trip_id):
    trip = _settled_trip(trip_id)
    form = DeclineForm()
    if not form.validate_on_submit():
        return render_seats(trip, decline_form=form, status=400)
    change = partial(answers.decline_trip, trip, actor=current_user, reason=form.reason.data)
    if commit_or_show(change, form) is REFUSED:
        return render_seats(get_visible_or_404(TripAward, trip_id), decline_form=form, status=400)
    enqueue.pending_mail()
    flash(_("You declined the seats."), "success")
    return redirect(url_for("contest_trips.seats_page", trip_id=trip.id))


@bp.post("/contests/awards/<int:trip_id>/seats/<int:seat>")
@requires(Perm.MANAGE_TRIP_SEATS)
def name_traveller(trip_id, seat):
    trip = _settled_trip(trip_id)
    if not 1 <= seat <= trip.seats:
        abort(404)
    form = TravellerForm()
    if not form.validate_on_submit():
        return render_seats(trip, forms={seat: form}, status=400)
    change = partial(
        trip_seats.name_traveller,
        trip,
        seat,
        actor=current_user,
        name=form.name.data,
        email=form.email.data,
        dietary=form.dietary.data,
        documents=form.documents.data,
    )
    if commit_or_show(change, form) is REFUSED:
        return render_seats(get_visible_or_404(TripAward, trip_id), forms={seat: form}, status=400)
    flash(_("The traveller on seat %(seat)s is saved.", seat=seat), "success")
    return redirect(url_for("contest_trips.seats_page", trip_id=trip.id))


@bp.get("/contests/trips")
@requires(Perm.VIEW_TRIP_TRAVELLERS)
def trips():
    contests = trip_list.contests_with_trips(current_user)
    return render_template("contest_trips/trips.html", contests=contests)


@bp.get("/contests/<int:program_id>/travellers")
@requires(Perm.VIEW_TRIP_TRAVELLERS)
def travellers(program_id):
    program = get_unscoped_or_404(Program, program_id)
    trips = trip_seats.visible_trips(current_user, program_id=program.id)
    rows = trip_list.traveller_rows(trips)
    body = render_template(
        "contest_trips/travellers.html",
        program=program,
        trips=trips,
        rows=rows,
        summary=trip_list.summary(trips),
    )
    return body, 200, {"Cache-Control": "no-store"}


@bp.get("/contests/<int:program_id>/travellers.csv")
@requires(Perm.EXPORT_TRIP_TRAVELLERS)
def travellers_csv(program_id):
    program = get_unscoped_or_404(Program, program_id)
    trips = trip_seats.visible_trips(current_user, program_id=program.id)
    values = trip_list.csv_values(trip_list.traveller_rows(trips))
    record_event(
        current_user, "contest_trip.travellers.export", program, after={"rows": len(values)}
    )
    db.session.commit()
    return csv_response(f"travellers-{program.code}.csv", trip_list.CSV_HEADER, values)
