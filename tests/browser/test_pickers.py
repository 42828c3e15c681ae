"""Searchable pickers (tom-select) in Chromium: leaving one does not take the focus back.

A picker filters its options a moment after the last key (tom-select's refresh pause). That
refresh opens the dropdown, and opening it focuses the picker: someone who typed a search and
moved on to the next field within the pause had their next keys land in the picker instead."""

import pytest
from playwright.sync_api import expect

from ..factories import PASSWORD

pytestmark = pytest.mark.browser


def search_then_type_on(page, picker, search: str, field, text: str) -> None:
    """Type `search` into `picker`, go on to `field` at once and type `text` there, slowly
    enough that the picker's refresh pause ends meanwhile: every key lands in `field`."""
    picker.click()
    picker.press_sequentially(search)
    field.click()
    page.keyboard.type(text, delay=120)
    expect(field).to_have_value(text)
    expect(field).to_be_focused()
    expect(page.locator(".ts-dropdown:visible")).to_have_count(0)


def test_typing_on_after_a_search_stays_in_the_next_field(
    committed_db, make_committed, redis, sign_in, live_server
):
    make = make_committed
    t = make.tree({"WORLD": None, "EMEA": "WORLD"})
    make.category("NET").name = "Networking"
    ann = make.user("partner_user", partner=make.partner("ACME", t["EMEA"]), email="ann@acme.ex")
    committed_db.session.commit()

    page = sign_in(ann.email, PASSWORD)
    page.goto(f"{live_server}/deals/new")
    categories = page.get_by_role("combobox", name="Product categories")
    search_then_type_on(page, categories, "Netw", page.get_by_label("Estimated value"), "48000.00")
    expect(page.locator("#categories")).to_have_values([])  # nothing was chosen


def test_the_program_builders_pickers_let_go_of_the_focus_too(
    committed_db, make_committed, redis, sign_in, live_server
):
    make_committed.tree({"WORLD": None, "EMEA": "WORLD"})
    finance = make_committed.user("finance", email="fin@vendor.ex")
    committed_db.session.commit()

    page = sign_in(finance.email, PASSWORD)
    page.goto(f"{live_server}/programs/build")
    territories = page.get_by_role("combobox", name="Territories")
    start = page.locator("input[name='bands-0-start']")
    search_then_type_on(page, territories, "EME", start, "10000")
