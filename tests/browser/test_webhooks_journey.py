"""Webhooks in Chromium: an administrator registers the CRM's endpoint and copies its secret
once; a deal approved afterwards reaches the CRM through a real worker, and the delivery log
shows the answer; then the endpoint is disabled."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect
from pytest_httpserver import HTTPServer

from portal.deals.services import save_deal
from workflows.deals.states import transition

from ..conftest import run_worker_burst
from ..deals.conftest import build_world, deal_input
from ..factories import PASSWORD
from ..webhooks.conftest import documented_verifier
from .nav import Shots, follow_nav

pytestmark = pytest.mark.browser

shot = Shots("webhooks")


@pytest.fixture
def crm():
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


def test_an_admin_connects_the_crm_and_watches_a_deal_arrive(
    app, committed_db, make_committed, redis, page, live_server, sign_in, crm, monkeypatch
):
    monkeypatch.setattr("portal.models.users.PASSWORD_METHOD", "pbkdf2:sha256:1000")
    world = build_world(make_committed)
    make_committed.user("admin", email="ada@vendor.example")
    committed_db.session.commit()
    crm.expect_request("/portal-events", method="POST").respond_with_data("ok")

    sign_in("ada@vendor.example", PASSWORD)
    follow_nav(page, "Webhooks")
    expect(page.get_by_text("No webhook endpoints yet")).to_be_visible()
    page.get_by_role("link", name="Add endpoint").click()
    page.get_by_label("Endpoint URL").fill(crm.url_for("/portal-events"))
    page.get_by_label("Description").fill("Sales CRM")
    page.get_by_label("Deal registration approved").check()
    page.get_by_label("Deal reported won").check()
    page.get_by_role("button", name="Add endpoint").click()
    expect(page.get_by_text("127.0.0.1 is a private or loopback address")).to_be_visible()
    page.get_by_label("Allow private and loopback addresses").check()
    shot(page, "add-endpoint-en")
    page.get_by_role("button", name="Add endpoint").click()
    secret = page.locator("#webhook-secret").inner_text()
    assert secret.startswith("whsec_")
    shot(page, "secret-once-en")
    page.get_by_role("link", name="Open the endpoint").click()
    expect(page.get_by_text(secret)).to_have_count(0)

    deal = save_deal(
        deal_input("ACME Corp.", categories=(world["net"],)), actor=world["acme_user"], submit=True
    )
    transition(deal, "approve", world["dach_manager"])
    committed_db.session.commit()
    assert run_worker_burst(app).returncode == 0
    [(request, _response)] = crm.log
    body = request.get_data()
    assert documented_verifier()(secret, request.headers["Portal-Signature"], body)
    assert json.loads(body)["data"]["fields"]["reference"] == deal.reference

    page.reload()
    log = page.get_by_role("table", name="Delivery log")
    expect(log.get_by_text("Deal registration approved")).to_be_visible()
    expect(log.get_by_text("HTTP 200")).to_be_visible()
    expect(log.get_by_text("delivered", exact=True)).to_be_visible()
    shot(page, "delivery-log-en")
    page.locator("footer select[name=locale]").select_option("fr")
    page.locator("footer").get_by_role("button").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    shot(page, "delivery-log-fr")
    page.locator("footer select[name=locale]").select_option("en")
    page.locator("footer").get_by_role("button").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("button", name="Disable").click()
    expect(page.get_by_text("Disabled by an administrator.")).to_be_visible()
    follow_nav(page, "Webhooks")
    expect(page.get_by_role("cell", name="disabled")).to_be_visible()
    shot(page, "endpoints-en")
