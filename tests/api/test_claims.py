"""SPIF claims through the API: the claims services, the upload checks and the scoping."""

from __future__ import annotations

import base64

import pytest

from ..calc.conftest import load_program

CLAIM_SPIF = """
code: API-SPIF
name: API switch SPIF
kind: spif
currency: EUR
period: 2026-Q3
tiers: {mode: retroactive, bands: [{from: 0, rate: 0}]}
claim_required: true
claim_approval_threshold: 500
"""
PDF = base64.b64encode(b"%PDF-1.4\n% a tiny invoice\n").decode()


@pytest.fixture
def spif(world):
    return load_program(CLAIM_SPIF, world["finance"])


def claim_body(program, **changes) -> dict:
    body = {
        "program_id": program.id,
        "sale_reference": "INV-2026-0001",
        "sold_on": "2026-08-03",
        "amount": "250.00",
        "invoice": {
            "filename": "invoice.pdf",
            "content_type": "application/pdf",
            "content_base64": PDF,
        },
    }
    return {**body, **changes}


def test_submit_read_list_and_approve(api, world, spif):
    acme = api("acme_user")
    created = acme.post("/claims", json=claim_body(spif))
    assert created.status_code == 201, created.get_json()
    claim = acme.conforms(created, "Claim")
    assert (claim["status"], claim["amount"], claim["currency"]) == ("submitted", "250.0000", "EUR")
    assert (
        acme.conforms(acme.get(f"/claims/{claim['id']}"), "Claim")["invoice_name"] == "invoice.pdf"
    )
    listed = acme.conforms(acme.get("/claims?status=submitted"), "ClaimPage")
    assert [c["id"] for c in listed["items"]] == [claim["id"]]
    manager = api("dach_manager")
    approved = manager.post(f"/claims/{claim['id']}/decision", json={"action": "approve"})
    assert manager.conforms(approved, "Claim")["status"] == "approved"
    again = manager.post(f"/claims/{claim['id']}/decision", json={"action": "approve"})
    manager.error(again, 422, "claim_refused")


def test_above_the_threshold_needs_two_approvers(api, world, spif, make):
    claim = api("acme_user").post("/claims", json=claim_body(spif, amount="900")).get_json()
    dach = api("dach_manager")
    first = dach.post(f"/claims/{claim['id']}/decision", json={"action": "approve"})
    assert first.get_json()["status"] == "first_approved"
    dach.error(dach.post(f"/claims/{claim['id']}/decision", json={"action": "approve"}), 422)
    finance = api("finance")
    final = finance.post(f"/claims/{claim['id']}/decision", json={"action": "approve"})
    assert final.status_code == 200 and final.get_json()["status"] == "approved"


def test_reject_needs_a_reason(api, world, spif):
    claim = api("acme_user").post("/claims", json=claim_body(spif)).get_json()
    dach = api("dach_manager")
    dach.error(dach.post(f"/claims/{claim['id']}/decision", json={"action": "reject"}), 422)
    rejected = dach.post(
        f"/claims/{claim['id']}/decision", json={"action": "reject", "reason": "no proof"}
    )
    assert rejected.get_json()["status"] == "rejected"
    assert rejected.get_json()["reason"] == "no proof"


def test_invoices_are_checked_like_uploads(api, world, spif):
    acme = api("acme_user")
    fake = claim_body(spif)
    fake["invoice"] = {**fake["invoice"], "content_base64": base64.b64encode(b"MZ...").decode()}
    acme.error(acme.post("/claims", json=fake), 422, "invoice_rejected")
    broken = claim_body(spif)
    broken["invoice"] = {**broken["invoice"], "content_base64": "not base64!"}
    acme.error(acme.post("/claims", json=broken), 422, "validation_failed")
    assert acme.get("/claims").get_json()["items"] == []


def test_other_partners_claims_are_404_and_partners_cannot_decide(api, world, spif):
    claim = api("beta_user").post("/claims", json=claim_body(spif)).get_json()
    acme = api("acme_user")
    acme.error(acme.get(f"/claims/{claim['id']}"), 404)
    acme.error(acme.post(f"/claims/{claim['id']}/decision", json={"action": "approve"}), 403)
    dach = api("dach_manager")
    dach.error(dach.post(f"/claims/{claim['id']}/decision", json={"action": "approve"}), 404)
    assert api("fr_manager").get(f"/claims/{claim['id']}").status_code == 200
