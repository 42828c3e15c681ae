"""Single sign-on in Chromium against the real test provider process: a staff member types
their work address, signs in at their company's provider, lands on the dashboard with the role
their groups give, and signing out ends the provider's session too."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from portal.models import SsoProvider

from ..oidc_provider import start_provider
from .nav import Shots, follow_nav, sign_out

pytestmark = pytest.mark.browser

shot = Shots("sso")
SECRET_ENV = "PORTAL_TEST_SSO_SECRET"


def switch_language(page, locale: str) -> None:
    page.locator("footer select[name=locale]").select_option(locale)
    page.locator("footer").get_by_role("button").click()
    expect(page.locator("html")).to_have_attribute("lang", locale)


@pytest.fixture(scope="module")
def oidc(tmp_path_factory):
    with start_provider(tmp_path_factory.mktemp("oidc") / "provider.log") as provider:
        yield provider


def test_staff_sign_in_through_the_company_provider_and_out_again(
    committed_db, make_committed, redis, page, live_server, oidc, monkeypatch
):
    monkeypatch.setenv(SECRET_ENV, "client-secret")
    make = make_committed
    make.tree({"WORLD": None, "EMEA": "WORLD"})
    committed_db.session.add(
        SsoProvider(
            name="Vendor login",
            issuer=oidc.url,
            client_id="portal-staff",
            secret_env=SECRET_ENV,
            domains=["vendor.example"],
            role_map={"portal-admins": "admin", "sales": "channel_manager"},
            territory_map={"sales-emea": ["EMEA"]},
        )
    )
    committed_db.session.commit()
    oidc.set_user(
        "sub-ada",
        email="ada@vendor.example",
        email_verified=True,
        name="Ada Admin",
        groups=["portal-admins"],
    )

    page.goto(f"{live_server}/login")
    shot(page, "sign-in-en")
    page.get_by_label("Work e-mail").fill("ada@vendor.example")
    page.get_by_role("button", name="Sign in with your company account").click()
    page.wait_for_url(f"{oidc.url}/oauth2/authorize*")
    page.locator("input[name=sub]").fill("sub-ada")
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{live_server}/dashboard")
    expect(page.get_by_role("navigation", name="Main navigation")).to_contain_text("Ada Admin")

    follow_nav(page, "Single sign-on")
    expect(page.get_by_role("cell", name="vendor.example")).to_be_visible()
    shot(page, "providers-en")
    page.get_by_role("link", name="Edit").click()
    expect(page.get_by_label("Issuer URL")).to_have_value(oidc.url)
    shot(page, "provider-en")
    switch_language(page, "fr")
    expect(page.get_by_role("link", name="Annuler")).to_be_visible()
    shot(page, "provider-fr")
    switch_language(page, "en")

    sign_out(page)
    page.wait_for_url(f"{oidc.url}/oauth2/end_session*")
    page.get_by_role("button").first.click()
    page.wait_for_url(f"{live_server}/login*")
    expect(page.get_by_label("Work e-mail")).to_be_visible()
    assert page.context.request.get(f"{live_server}/dashboard", max_redirects=0).status == 302


def test_the_sign_in_page_in_french_offers_the_company_account(
    committed_db, redis, page, live_server
):
    committed_db.session.add(
        SsoProvider(
            name="Vendor login",
            issuer="http://127.0.0.1:9",
            client_id="portal-staff",
            secret_env=SECRET_ENV,
            domains=["vendor.example"],
            role_map={},
            territory_map={},
        )
    )
    committed_db.session.commit()
    page.goto(f"{live_server}/login")
    switch_language(page, "fr")
    expect(page.locator("#company-sign-in")).to_be_visible()
    shot(page, "sign-in-fr")
    page.locator("#sso-email").fill("una@unknown.example")
    page.locator("#company-sign-in button, #company-sign-in input[type=submit]").click()
    expect(page.locator(".alert")).to_be_visible()
    shot(page, "unknown-domain-fr")
