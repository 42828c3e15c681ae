"""Moving around as a user does: through the navigation bar, its menus and the account menu."""

from __future__ import annotations


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
