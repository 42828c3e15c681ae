"""A contest winner's partner admin, led from the dashboard, accepts the trip seats and names a
traveller in Chromium; finance then reads who travels. Screenshots in English and German are
kept in test-artifacts/contest_trips."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.models import TripTraveller

from ..contest_trips.conftest import settle
from ..factories import PASSWORD
from .nav import Shots, follow_nav, in_language, sign_out

pytestmark = pytest.mark.browser
shot = Shots("contest_trips")


def test_a_winner_accepts_the_trip_and_names_a_traveller(
    committed_db, make_committed, redis, page, live_server, sign_in, monkeypatch
):
    trips = settle(make_committed, monkeypatch)
    committed_db.session.commit()
    admin, finance = trips.goldie_admin.email, trips.scenario.finance.email

    sign_in(admin, PASSWORD)
    alert = page.locator("#trips-awaiting")
    expect(alert).to_contain_text("awaits your answer")
    shot(page, "dashboard-en")
    alert.get_by_role("link", name="Your awards").click()
    row = page.locator("#trip-awards tbody tr")
    expect(row).to_contain_text("Summer cup trip")
    expect(row).to_contain_text("Awaiting an answer")
    shot(page, "awards-en")
    row.get_by_role("link", name="Answer").click()
    expect(page.locator("#trip-state")).to_contain_text("Awaiting an answer")
    shot(page, "seats-pending-en")
    page.get_by_role("button", name="Accept the seats").click()
    expect(page.get_by_text("You accepted the seats.")).to_be_visible()
    seat = page.locator("[data-seat='1']")
    seat.get_by_label("Full name (as in the travel document)").fill("Gina Gold")
    seat.get_by_label("E-mail").fill("not an address")
    seat.get_by_role("button", name="Save the traveller").click()
    expect(page.get_by_text("Enter a valid e-mail address.")).to_be_visible()
    seat = page.locator("[data-seat='1']")
    seat.get_by_label("E-mail").fill("gina@goldie.example")
    seat.get_by_label("Dietary needs").fill("Vegetarian")
    seat.get_by_label("Travel documents (passport or ID, visa)").fill("Passport, DE")
    seat.get_by_role("button", name="Save the traveller").click()
    expect(page.get_by_text("The traveller on seat 1 is saved.")).to_be_visible()
    expect(page.locator("[data-seat='1']")).to_contain_text("named")
    expect(page.locator("#trip-state")).to_contain_text("Accepted")
    shot(page, "seats-accepted-en")
    in_language(page, "de")
    shot(page, "seats-accepted-de")
    in_language(page, "en")
    sign_out(page)
    committed_db.session.rollback()  # read what the server committed, not an older snapshot
    names = committed_db.session.scalars(select(TripTraveller.name)).all()
    assert names == ["Gina Gold"]

    sign_in(finance, PASSWORD)
    follow_nav(page, "Incentive trips")
    expect(page.locator("#contest-trips")).to_contain_text("Summer cup trip")
    shot(page, "trips-en")
    page.get_by_role("link", name="Travellers").click()
    listed = page.locator("#traveller-list")
    expect(listed).to_contain_text("Gina Gold")
    expect(listed).to_contain_text("Vegetarian")
    expect(page.locator("#travellers-csv")).to_be_visible()
    shot(page, "travellers-en")
    in_language(page, "de")
    shot(page, "travellers-de")
    in_language(page, "en")
