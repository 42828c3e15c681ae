"""People in Chromium: an admin adds a channel manager, who chooses a password from the e-mailed
link and signs in; someone who forgot their password resets it through the e-mailed link."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.models import OutboxMessage

from ..conftest import run_worker_burst
from ..factories import PASSWORD
from .nav import Shots, follow_nav, sign_out

pytestmark = pytest.mark.browser

LINK = re.compile(r"https?://\S+")
shot = Shots("people")
NINA_PASSWORD = "nina chooses this one"  # noqa: S105
NEW_PASSWORD = "remembered at last 42"  # noqa: S105


def mailed_path(db, template: str, to: str) -> str:
    db.session.rollback()  # end the read transaction: SQLite would keep showing its snapshot
    message = db.session.scalar(
        select(OutboxMessage)
        .where(OutboxMessage.template == template, OutboxMessage.to_address == to)
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    )
    assert message is not None, f"no {template} mail to {to}"
    return "/" + LINK.findall(message.body_text)[0].split("/", 3)[3]


def sign_in(page, email: str, password: str):
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_an_admin_adds_a_manager_who_chooses_a_password(
    committed_db, make_committed, redis, page, live_server
):
    make = make_committed
    t = make.tree({"WORLD": None, "EMEA": "WORLD", "DACH": "EMEA", "AMER": "WORLD"})
    make.user("admin", email="ada@vendor.example")
    committed_db.session.commit()

    page.goto(f"{live_server}/login")
    sign_in(page, "ada@vendor.example", PASSWORD)
    follow_nav(page, "Users")
    page.get_by_role("link", name="Add a staff user").click()
    page.get_by_label("Name", exact=True).fill("Nina Newcomer")
    page.get_by_label("E-mail", exact=True).fill("nina@vendor.example")
    page.get_by_label("Role", exact=True).select_option("channel_manager")
    page.get_by_role("button", name="Create the user").click()
    expect(page.get_by_text("Choose at least one territory for a channel manager.")).to_be_visible()
    # A searchable picker (tom-select): type to find, Enter to choose.
    territories = page.get_by_role("combobox", name="Territories (channel managers)")
    territories.click()
    territories.press_sequentially("DACH")
    expect(page.locator(".ts-dropdown .option.active")).to_have_text(re.compile("DACH"))
    territories.press("Enter")
    territories.press("Escape")
    expect(page.locator("#territories")).to_have_values([str(t["DACH"].id)])
    shot(page, "add-staff-user-en")
    page.get_by_role("button", name="Create the user").click()
    expect(
        page.get_by_text(
            "nina@vendor.example was created and e-mailed a link to choose a password."
        )
    ).to_be_visible()
    expect(page.get_by_role("cell", name="nina@vendor.example")).to_be_visible()

    # A finance user waits for a second administrator; the queue shows on the users page.
    page.get_by_role("link", name="Add a staff user").click()
    page.get_by_label("Name", exact=True).fill("Finn Finance")
    page.get_by_label("E-mail", exact=True).fill("finn@vendor.example")
    page.get_by_label("Role", exact=True).select_option("finance")
    page.get_by_role("button", name="Create the user").click()
    expect(page.get_by_role("heading", name="Roles awaiting approval")).to_be_visible()
    expect(page.get_by_text("another administrator approves")).to_be_visible()
    page.locator("footer select[name=locale]").select_option("fr")
    page.locator("footer").get_by_role("button").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    shot(page, "users-queue-fr")
    page.locator("footer select[name=locale]").select_option("en")
    page.locator("footer").get_by_role("button").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    shot(page, "users-queue-en")
    sign_out(page)

    page.goto(live_server + mailed_path(committed_db, "staff_welcome", "nina@vendor.example"))
    expect(page.get_by_role("heading", name="Choose your password")).to_be_visible()
    page.get_by_label("New password").fill(NINA_PASSWORD)
    page.get_by_label("Repeat the password").fill(NINA_PASSWORD)
    page.get_by_role("button", name="Save the password").click()
    expect(page.get_by_text("Your password is saved and you are signed in.")).to_be_visible()
    sign_out(page)
    sign_in(page, "nina@vendor.example", NINA_PASSWORD)
    page.wait_for_url(f"{live_server}/dashboard")


def test_a_forgotten_password_is_reset_from_the_mailed_link(
    app, committed_db, make_committed, redis, page, live_server
):
    make = make_committed
    partner = make.partner("ACME", make.territory("EMEA"))
    make.user("partner_admin", partner=partner, email="ann@acme.example")
    committed_db.session.commit()

    page.goto(f"{live_server}/login")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("E-mail").fill("ann@acme.example")
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    shot(page, "forgot-sent-en")

    worker = run_worker_burst(app)  # a real worker runs the job that writes the e-mail
    assert worker.returncode == 0, worker.stderr
    path = mailed_path(committed_db, "password_reset", "ann@acme.example")
    page.goto(live_server + path)
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    page.get_by_label("New password").fill(NEW_PASSWORD)
    page.get_by_label("Repeat the password").fill("not the same at all")
    page.get_by_role("button", name="Save the password").click()
    expect(page.get_by_text("The two passwords are not the same.")).to_be_visible()
    page.get_by_label("New password").fill(NEW_PASSWORD)
    page.get_by_label("Repeat the password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save the password").click()
    expect(page.get_by_text("Your password is saved and you are signed in.")).to_be_visible()
    sign_out(page)

    page.goto(live_server + path)  # the link worked once
    expect(page.get_by_text("This link is not valid any more.")).to_be_visible()
    page.get_by_role("link", name="Ask for a new link").click()
    expect(page.get_by_role("heading", name="Forgot your password?")).to_be_visible()
    page.goto(f"{live_server}/login")
    sign_in(page, "ann@acme.example", NEW_PASSWORD)
    page.wait_for_url(f"{live_server}/dashboard")
