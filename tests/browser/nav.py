"""Moving around as a user does: through the navigation bar, its menus and the account menu."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect


def follow_nav(page, name: str) -> None:
    """Click the navigation link `name`, first opening the menu it sits in when it has one."""
    navigation = page.get_by_role("navigation", name="Main navigation")
    link = navigation.get_by_role("link", name=name, exact=True)
    if not link.is_visible():  # closed menus keep their links out of the accessibility tree
        inside = page.get_by_role("link", name=name, exact=True, include_hidden=True)
        navigation.locator("details[data-nav-menu]", has=inside).locator("summary").click()
    link.click()


def open_account_menu(page) -> None:
    """Open the menu carrying the user's name, the last one in the bar (in any language)."""
    page.locator("nav details[data-nav-menu]").last.locator("summary").click()


def sign_out(page) -> None:
    open_account_menu(page)
    page.get_by_role("navigation", name="Main navigation").get_by_role(
        "button", name="Sign out"
    ).click()


ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


class Shots:
    """Full-page screenshots a journey keeps under test-artifacts/<folder>/, to look at."""

    def __init__(self, folder: str):
        self.folder = ARTIFACTS / folder

    def __call__(self, page, name: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(self.folder / f"{name}.png"), full_page=True)


def in_language(page, language: str) -> None:
    """Switch the page's language with the footer picker (it submits itself once portal.js
    has run, so wait for the page to load first)."""
    page.wait_for_load_state("load")
    page.locator("#locale").select_option(language)
    expect(page.locator("html")).to_have_attribute("lang", language)
