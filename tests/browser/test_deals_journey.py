"""Two partners register the same opportunity; the manager sees why they conflict and decides."""

import re
from datetime import date, timedelta

import pytest
from babel.dates import format_date
from playwright.sync_api import expect

from ..factories import PASSWORD
from .nav import follow_nav
from .nav import sign_out as _sign_out

pytestmark = pytest.mark.browser


def register_deal(page, live_server, customer: str, domain: str) -> None:
    follow_nav(page, "Deals")
    page.get_by_role("link", name="Register a deal").click()
    page.wait_for_url(f"{live_server}/deals/new")
    page.get_by_label("End customer (company name)").fill(customer)
    page.get_by_label("Customer web or e-mail domain").fill(domain)
    page.get_by_label("Customer country").select_option("DE")
    # Searchable pickers (tom-select): type to find, Enter to choose.
    categories = page.get_by_role("combobox", name="Product categories")
    categories.click()
    categories.press_sequentially("Networ")
    expect(page.locator(".ts-dropdown .option.active")).to_have_text(re.compile("Networ"))
    categories.press("Enter")
    categories.press("Escape")
    expect(page.locator("#categories")).to_have_values([re.compile(r"\d+")])
    page.get_by_label("Estimated value").fill("48000.00")
    expect(page.locator("#currency")).to_have_value("EUR")  # the partner's currency
    page.get_by_label("Expected close date").fill((date.today() + timedelta(days=45)).isoformat())
    page.get_by_role("button", name="Submit for approval").click()
    expect(page.get_by_text("submitted. A channel manager will review it.")).to_be_visible()


def sign_out(page) -> None:
    _sign_out(page)
    expect(page.get_by_text("You have been signed out.")).to_be_visible()


def test_conflicting_registrations_are_explained_and_decided(
    committed_db, make_committed, redis, sign_in, live_server
):
    make = make_committed
    t = make.tree({"WORLD": None, "EMEA": "WORLD", "DACH": "EMEA"})
    net = make.category("NET")
    net.name = "Networking"
    acme = make.partner("ACME", t["DACH"])
    beta = make.partner("BETA", t["DACH"])
    ann = make.user("partner_user", partner=acme, email="ann@acme.example")
    bob = make.user("partner_user", partner=beta, email="bob@beta.example")
    dora = make.user("channel_manager", territories=[t["DACH"]], email="dora@vendor.example")
    committed_db.session.commit()

    page = sign_in(ann.email, PASSWORD)
    refused = []  # what the content security policy blocked, if anything
    page.on(
        "console",
        lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None,
    )
    register_deal(page, live_server, "ACME Corp.", "acme.com")
    first = page.locator("h1").inner_text().split(" ")[0]
    sign_out(page)

    sign_in(bob.email, PASSWORD)
    register_deal(page, live_server, "Acme Corporation", "https://eu.acme.com/contact")
    second = page.locator("h1").inner_text().split(" ")[0]
    expect(page.get_by_text("A possible conflict with another registration exists")).to_be_visible()
    expect(page.get_by_text(first)).to_have_count(0)
    sign_out(page)

    sign_in(dora.email, PASSWORD)
    follow_nav(page, "Deal reviews")
    expect(page.get_by_role("link", name=first)).to_be_visible()
    page.get_by_role("link", name=second).click()
    conflicts = page.locator("#conflicts")
    expect(conflicts.get_by_role("link", name=first)).to_be_visible()
    expect(conflicts).to_contain_text("ACME Ltd")
    expect(conflicts).to_contain_text("100%")
    expect(conflicts).to_contain_text(
        "same web or e-mail domain (acme.com), same name, same category (Networking), "
        "same country (Germany)"
    )

    reject = page.get_by_role("form", name="Reject")
    reject.get_by_label("Reason").select_option("duplicate")
    reject.get_by_label("Explanation for the partner").fill("ACME registered it first.")
    reject.get_by_role("button", name="Reject").click()
    expect(page.get_by_text("Registration rejected.")).to_be_visible()
    expect(page.locator("h1")).to_contain_text("rejected")

    follow_nav(page, "Deal reviews")
    page.get_by_role("link", name=first).click()
    page.get_by_role("form", name="Approve").get_by_role("button", name="Approve").click()
    expect(page.get_by_text("Registration approved.")).to_be_visible()
    expect(page.locator("h1")).to_contain_text("approved")
    protected_until = format_date(date.today() + timedelta(days=90), "medium", locale="en")
    expect(page.get_by_role("term").filter(has_text="Protected until")).to_be_visible()
    expect(page.locator("dl")).to_contain_text(protected_until)
    assert refused == []
