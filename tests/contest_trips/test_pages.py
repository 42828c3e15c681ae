"""The trip seat pages: the winner's admin answers and names travellers; finance and managers
read who travels, finance downloads it; nobody else sees a thing, bad input writes nothing."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.models import AuditEvent, TripAward, TripTraveller
from tests.conftest import csrf_token
from tests.factories import PASSWORD
from workflows.contest_trips.retention import purge_details

from .conftest import settle

TRAVELLER = {
    "name": "Gina Gold",
    "email": "gina.traveller@goldie.example",
    "dietary": "Vegetarian",
    "documents": "Passport DE, valid to 2030",
}


def sign_in(client):
    """Sign a second person in, in a client of their own (as the `login` fixture does)."""

    def signed_in(user):
        data = {"email": user.email, "password": PASSWORD, "csrf_token": csrf_token(client)}
        assert client.post("/login", data=data).status_code == 302
        return client

    return signed_in


def seats_path(trip) -> str:
    return f"/contests/awards/{trip.id}/seats"


def post(client, trip, action: str, data: dict):
    token = csrf_token(client, seats_path(trip))
    return client.post(f"/contests/awards/{trip.id}/{action}", data={**data, "csrf_token": token})


def travellers(db) -> int:
    return db.session.scalar(select(func.count(TripTraveller.id)))


def test_the_dashboard_links_to_the_award_that_awaits_an_answer(client, login, trips):
    login(trips.goldie_admin)
    page = client.get("/dashboard").get_data(as_text=True)
    assert 'id="trips-awaiting"' in page and "/contests/awards" in page
    listed = client.get("/contests/awards").get_data(as_text=True)
    assert "Summer cup trip" in listed and "Awaiting an answer" in listed
    assert "May 10, 2027" in listed and "2027-05-10" not in listed  # in the reader's format


def test_the_dashboard_of_an_organisation_without_trips_has_no_link(client, login, trips):
    login(trips.branch_1_admin)
    assert 'id="trips-awaiting"' not in client.get("/dashboard").get_data(as_text=True)


def test_accept_then_name_two_travellers_then_replace_one(client, db, login, trips):
    trip = trips.goldie_trip
    login(trips.goldie_admin)
    page = client.get(seats_path(trip)).get_data(as_text=True)
    assert 'id="accept"' in page and 'id="seat-2-name"' in page
    assert post(client, trip, "accept", {}).status_code == 302
    page = client.get(seats_path(trip)).get_data(as_text=True)
    assert "Accepted" in page and 'id="accept"' not in page
    assert post(client, trip, "seats/1", TRAVELLER).status_code == 302
    other = {"name": "Greta Gold", "email": "greta@goldie.example"}
    assert post(client, trip, "seats/2", other).status_code == 302
    page = client.get(seats_path(trip)).get_data(as_text=True)
    assert "Gina Gold" in page and "Vegetarian" in page and "Replace the traveller" in page
    assert post(client, trip, "seats/2", {**other, "name": "Gert Gold"}).status_code == 302
    rows = db.session.scalars(select(TripTraveller).order_by(TripTraveller.seat)).all()
    assert [(t.seat, t.name) for t in rows] == [(1, "Gina Gold"), (2, "Gert Gold")]
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.object_type == "trip_awards")
    ).all()
    assert actions == [
        "trip_award.accept",
        "trip_award.name_traveller",
        "trip_award.name_traveller",
        "trip_award.replace_traveller",
    ]


def test_decline_needs_a_reason_then_passes_the_seats_on(app, client, db, login, trips):
    trip = trips.goldie_trip
    login(trips.goldie_admin)
    answer = post(client, trip, "decline", {"reason": ""})
    assert answer.status_code == 400 and "Say why the seats are declined." in answer.text
    assert post(client, trip, "decline", {"reason": "Busy season"}).status_code == 302
    page = client.get(seats_path(trip)).get_data(as_text=True)
    assert "Declined" in page and "nobody travels" in page
    passed = trips.trip_of(trips.scenario.branch_1)
    assert passed.state == "pending" and passed.passed_from_id == trip.id
    client = app.test_client()
    sign_in(client)(trips.branch_1_admin)
    page = client.get(seats_path(passed)).get_data(as_text=True)
    assert 'id="passed-on"' in page


def test_another_organisations_admin_gets_404_everywhere(client, db, login, trips):
    trip = trips.goldie_trip
    login(trips.branch_1_admin)
    assert client.get(seats_path(trip)).status_code == 404
    token = csrf_token(client, "/contests/awards")
    for action in ("accept", "decline", "seats/1"):
        answer = client.post(
            f"/contests/awards/{trip.id}/{action}",
            data={**TRAVELLER, "reason": "x", "csrf_token": token},
        )
        assert answer.status_code == 404, action
    assert db.session.scalar(select(TripAward.state).where(TripAward.id == trip.id)) == "pending"
    assert travellers(db) == 0


def test_partner_users_and_staff_cannot_answer(client, login, trips):
    trip = trips.goldie_trip
    login(trips.goldie_user)
    assert client.get(seats_path(trip)).status_code == 403
    assert client.get("/contests/awards").status_code == 403


def test_an_award_of_a_settlement_awaiting_approval_is_not_shown(
    client, db, login, make, redis, monkeypatch
):
    unapproved = settle(make, monkeypatch, approve=False)
    login(unapproved.goldie_admin)
    assert client.get(seats_path(unapproved.goldie_trip)).status_code == 404
    assert "Summer cup trip" not in client.get("/contests/awards").get_data(as_text=True)


def test_posts_without_csrf_change_nothing(client, db, login, trips):
    trip = trips.goldie_trip
    login(trips.goldie_admin)
    assert client.post(f"/contests/awards/{trip.id}/accept").status_code == 400
    answer = client.post(f"/contests/awards/{trip.id}/seats/1", data=TRAVELLER)
    assert answer.status_code == 400
    assert db.session.scalar(select(TripAward.state).where(TripAward.id == trip.id)) == "pending"
    assert travellers(db) == 0


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"name": "Gina\x00Gold"}, "NUL character"),
        ({"name": "G" * 10_000}, "At most 200 characters."),
        ({"name": ""}, "Give the traveller's name."),
        ({"email": "gina at goldie"}, "Enter a valid e-mail address."),
        ({"dietary": "\x00"}, "NUL character"),
        ({"documents": "d" * 5000}, "At most 1000 characters."),
    ],
)
def test_bad_traveller_details_are_shown_on_the_form_and_nothing_is_written(
    client, db, login, trips, fields, says
):
    trip = trips.goldie_trip
    login(trips.goldie_admin)
    answer = post(client, trip, "seats/1", {**TRAVELLER, **fields})
    assert answer.status_code == 400
    assert says in answer.get_data(as_text=True)
    assert travellers(db) == 0


def test_a_seat_the_award_does_not_have_is_a_404(client, login, trips):
    trip = trips.goldie_trip
    login(trips.goldie_admin)
    assert post(client, trip, "seats/3", TRAVELLER).status_code == 404


def named(app, trips):
    """GOLDIE's admin accepts and names seat 1 (in a client of its own)."""
    trip = trips.goldie_trip
    client = app.test_client()
    sign_in(client)(trips.goldie_admin)
    assert post(client, trip, "accept", {}).status_code == 302
    assert post(client, trip, "seats/1", TRAVELLER).status_code == 302
    return trip


def test_finance_reads_the_travellers_and_downloads_them_audited(app, client, db, login, trips):
    named(app, trips)
    login(trips.scenario.finance)
    listed = client.get("/contests/trips").get_data(as_text=True)
    assert "Summer cup trip" in listed
    page = client.get(f"/contests/{trips.program.id}/travellers").get_data(as_text=True)
    assert "Gina Gold" in page and "Passport DE, valid to 2030" in page
    assert "not named yet" in page  # seat 2
    assert "9,600.00" in page  # the cost of the seats not declined
    answer = client.get(f"/contests/{trips.program.id}/travellers.csv")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    table = list(csv.reader(io.StringIO(answer.get_data(as_text=True))))
    assert table[0][:5] == ["partner_code", "partner_name", "answer", "travel_on", "seat"]
    assert table[1] == [
        "GOLDIE",
        "GOLDIE Ltd",
        "accepted",
        "2027-05-10",
        "1",
        "Gina Gold",
        "gina.traveller@goldie.example",
        "Vegetarian",
        "Passport DE, valid to 2030",
    ]
    assert table[2][4:6] == ["2", ""]
    exported = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "contest_trip.travellers.export")
    ).one()
    assert exported.after == {"rows": 2}


def test_managers_read_their_territories_only_and_cannot_download(app, client, login, trips):
    named(app, trips)
    login(trips.manager)
    page = client.get(f"/contests/{trips.program.id}/travellers").get_data(as_text=True)
    assert "Gina Gold" in page and "travellers.csv" not in page
    assert client.get(f"/contests/{trips.program.id}/travellers.csv").status_code == 403
    client = app.test_client()
    sign_in(client)(trips.fr_manager)
    page = client.get(f"/contests/{trips.program.id}/travellers").get_data(as_text=True)
    assert "Gina Gold" not in page


def test_partners_cannot_open_the_finance_pages(client, login, trips):
    login(trips.goldie_admin)
    assert client.get("/contests/trips").status_code == 403
    assert client.get(f"/contests/{trips.program.id}/travellers").status_code == 403
    assert client.get(f"/contests/{trips.program.id}/travellers.csv").status_code == 403


def test_after_the_purge_the_pages_say_the_details_were_deleted(app, client, db, login, trips):
    trip = named(app, trips)
    assert purge_details(trip.keep_until + timedelta(days=1)) == 1
    db.session.commit()
    login(trips.scenario.finance)
    page = client.get(f"/contests/{trips.program.id}/travellers").get_data(as_text=True)
    assert "Details deleted after the trip" in page and "Gina Gold" not in page
    assert "Vegetarian" not in page


def test_a_settled_contest_says_what_the_final_standings_won(app, client, login, trips, make):
    page = login(trips.goldie_admin).get(f"/contests/{trips.program.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Won in the final standings" in html and "If the contest ended now" not in html
    assert 'id="awards-answer-link"' in html  # the admin answers for the seats there
    # a colleague who cannot answer reads the award without the link
    reader = make.user("partner_user", partner=trips.goldie_admin.partner)
    other = sign_in(app.test_client())(reader)
    html = other.get(f"/contests/{trips.program.id}").get_data(as_text=True)
    assert "Won in the final standings" in html and 'id="awards-answer-link"' not in html


def test_the_board_of_a_settled_contest_shows_the_final_standings(client, login, trips):
    html = login(trips.scenario.finance).get(f"/contests/{trips.program.id}").get_data(as_text=True)
    assert "Cost of the awards" in html and "Projected cost of awards" not in html
    assert 'data-field="gap"' not in html and "not yet" not in html
