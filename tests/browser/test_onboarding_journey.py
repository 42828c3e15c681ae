"""A company joins in Chromium: register → verify from the outbox → accept the agreement →
a manager approves → the new partner admin invites a colleague → the colleague joins."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.agreements.services import publish_version
from portal.models import CountryTerritoryRule, OutboxMessage

from ..factories import PASSWORD
from .nav import follow_nav
from .nav import sign_out as _sign_out

pytestmark = pytest.mark.browser

LINK = re.compile(r"https?://\S+")
APPLICANT_PASSWORD = "northern lights 2026"  # noqa: S105
COLLEAGUE_PASSWORD = "colleague password 1"  # noqa: S105


def mailed_path(db, template: str, to: str) -> str:
    """The path of the first link in the newest e-mail of `template` to `to`, from the outbox."""
    db.session.rollback()  # end the read transaction: SQLite would keep showing its snapshot
    message = db.session.scalar(
        select(OutboxMessage)
        .where(OutboxMessage.template == template, OutboxMessage.to_address == to)
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    )
    assert message is not None, f"no {template} mail to {to}"
    return "/" + LINK.findall(message.body_text)[0].split("/", 3)[3]


def sign_out(page):
    _sign_out(page)
    expect(page.get_by_role("heading", name="Sign in to the partner portal")).to_be_visible()


def sign_in(page, email: str, password: str):
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_a_company_joins_and_invites_a_colleague(
    committed_db, make_committed, redis, page, live_server
):
    make = make_committed
    t = make.tree({"WORLD": None, "EMEA": "WORLD", "DACH": "EMEA"})
    committed_db.session.add(CountryTerritoryRule(country="DE", territory_id=t["DACH"].id))
    manager = make.user("channel_manager", territories=[t["EMEA"]], email="emil@vendor.example")
    finance = make.user("finance", email="fin@vendor.example")
    publish_version(
        title="Partner agreement 2026",
        body="1. Be excellent to customers.",
        effective_on=date.today(),
        actor=finance,
    )
    committed_db.session.commit()

    # The company registers.
    page.goto(f"{live_server}/login")
    page.get_by_role("link", name="Become a partner").click()
    page.get_by_label("Company legal name").fill("Nordlicht Systems GmbH")
    page.get_by_label("Country").select_option("DE")
    page.get_by_label("Type of business").select_option("reseller")
    page.get_by_label("Website").fill("www.nordlicht.example")
    page.get_by_label("Tax id").fill("DE 123 456 789")
    page.get_by_label("Address").fill("Hafenstraße 1\n20457 Hamburg")
    page.get_by_label("Your name").fill("Nora Nord")
    page.get_by_label("Your work e-mail").fill("nora@nordlicht.example")
    page.get_by_label("Choose a password").fill(APPLICANT_PASSWORD)
    page.get_by_label("Repeat the password").fill("a typo")
    page.get_by_role("button", name="Apply to become a partner").click()
    expect(page.get_by_text("The two passwords are not the same.")).to_be_visible()
    expect(page.get_by_label("Company legal name")).to_have_value("Nordlicht Systems GmbH")
    page.get_by_label("Choose a password").fill(APPLICANT_PASSWORD)
    page.get_by_label("Repeat the password").fill(APPLICANT_PASSWORD)
    page.get_by_role("button", name="Apply to become a partner").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()

    # … confirms the address from the e-mail, signs in, accepts the agreement and submits.
    page.goto(live_server + mailed_path(committed_db, "verify_email", "nora@nordlicht.example"))
    page.get_by_role("button", name="Confirm my e-mail address").click()
    expect(page.get_by_text("your e-mail address is confirmed")).to_be_visible()
    sign_in(page, "nora@nordlicht.example", APPLICANT_PASSWORD)
    expect(page.get_by_role("heading", name="Submit your application")).to_be_visible()
    expect(page.get_by_text("1. Be excellent to customers.")).to_be_visible()
    page.get_by_role("button", name="Submit my application").click()
    expect(
        page.get_by_text("Accept the current partner agreement before submitting.")
    ).to_be_visible()
    page.get_by_label("I have read the partner agreement and accept it").check()
    page.get_by_role("button", name="Submit my application").click()
    expect(page.locator("[data-state]")).to_have_text("submitted")
    sign_out(page)

    # The channel manager approves it.
    sign_in(page, manager.email, PASSWORD)
    follow_nav(page, "Applications")
    page.get_by_role("link", name="Nordlicht Systems GmbH").click()
    page.get_by_label("Starting tier").select_option("silver")
    page.get_by_role("button", name="Approve and create the partner").click()
    expect(page.get_by_text("Application approved")).to_be_visible()
    expect(page.locator("h1 [data-state]")).to_have_text("approved")
    sign_out(page)

    # The new partner admin invites a colleague.
    sign_in(page, "nora@nordlicht.example", APPLICANT_PASSWORD)
    expect(page.get_by_role("heading", name="Welcome, Nora Nord")).to_be_visible()
    expect(page.get_by_text("Getting started: 2 of 4 done")).to_be_visible()
    follow_nav(page, "Team")
    page.get_by_label("Colleague's e-mail").fill("colin@nordlicht.example")
    page.get_by_label("Role").select_option("partner_user")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("Invitation sent to colin@nordlicht.example.")).to_be_visible()
    sign_out(page)

    # The colleague accepts the invitation from the e-mail.
    page.goto(live_server + mailed_path(committed_db, "invitation", "colin@nordlicht.example"))
    page.get_by_label("Your name").fill("Colin Colleague")
    page.get_by_label("Choose a password").fill(COLLEAGUE_PASSWORD)
    page.get_by_label("Repeat the password").fill(COLLEAGUE_PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_text("Welcome to Nordlicht Systems GmbH!")).to_be_visible()
    expect(page.get_by_role("heading", name="Welcome, Colin Colleague")).to_be_visible()
    expect(page.get_by_role("link", name="Team")).to_have_count(0)
