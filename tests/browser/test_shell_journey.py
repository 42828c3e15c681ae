"""A partner and a finance user find their way around the real pages in Chromium."""

import pytest
from playwright.sync_api import expect

from ..factories import PASSWORD
from .nav import follow_nav, open_account_menu

pytestmark = pytest.mark.browser


def test_partner_sees_own_sales_and_nothing_else(
    committed_db, make_committed, sign_in, live_server
):
    make = make_committed
    t = make.tree({"WORLD": None, "EMEA": "WORLD"})
    net = make.category("NET")
    product = make.product("SW-1", net)
    acme = make.partner("ACME", t["EMEA"])
    beta = make.partner("BETA", t["EMEA"])
    make.sale(acme, product, "1234.50", external_id="ACME-1")
    make.sale(beta, product, "999.00", external_id="BETA-1")
    user = make.user("partner_user", partner=acme)
    committed_db.session.commit()

    page = sign_in(user.email, PASSWORD)
    assert page.get_by_role("heading", name="Welcome, partner_user").is_visible()
    follow_nav(page, "Sales")
    page.wait_for_url(f"{live_server}/sales")
    assert page.get_by_role("link", name="ACME-1").is_visible()
    assert page.get_by_text("BETA-1").count() == 0
    page.goto(f"{live_server}/partners/{beta.id}")
    assert page.get_by_role("heading", name="Not found").is_visible()


def test_language_switch_to_french(committed_db, make_committed, sign_in):
    make = make_committed
    t = make.territory("WORLD")
    user = make.user("partner_user", partner=make.partner("ACME", t))
    committed_db.session.commit()
    page = sign_in(user.email, PASSWORD)
    page.get_by_label("Language").select_option("fr")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("link", name="Tableau de bord")).to_be_visible()
    open_account_menu(page)
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
