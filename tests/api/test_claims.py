"""SPIF claims through the API: the claims services, the upload checks and the scoping."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from portal.models import Claim
from portal.tokens.services import create_token

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
    manager.error(again, 409, "claim_refused")  # the state no longer allows it, as for deals
    late = manager.post(f"/claims/{claim['id']}/decision", json={"action": "reject", "reason": "x"})
    manager.error(late, 409, "claim_refused")


def test_above_the_threshold_needs_two_approvers(api, world, spif, make):
    claim = api("acme_user").post("/claims", json=claim_body(spif, amount="900")).get_json()
    dach = api("dach_manager")
    first = dach.post(f"/claims/{claim['id']}/decision", json={"action": "approve"})
    assert first.get_json()["status"] == "first_approved"
    twice = dach.post(f"/claims/{claim['id']}/decision", json={"action": "approve"})
    dach.error(twice, 403, "claim_refused")  # the first approver cannot also be the second
    assert "second, different approver" in twice.get_json()["error"]["message"]
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


def download(caller, path: str, token: str | None = None):
    """The whole answer, with the file closed (a download streams from disk)."""
    with caller.send("GET", path, token=token) as response:
        response.get_data()
        return response


def test_invoice_download_for_those_who_may_see_the_claim(api, world, spif):
    body = claim_body(spif)
    body["invoice"] = {**body["invoice"], "filename": "Rechnung-März.pdf"}
    claim = api("acme_user").post("/claims", json=body).get_json()
    path = f"/claims/{claim['id']}/invoice"
    reader = create_token(actor=world["acme_user"], name="BI", scope="read").secret
    for who, token in (("acme_user", reader), ("acme_admin", None), ("dach_manager", None)):
        answer = download(api(who), path, token)
        assert answer.status_code == 200, (who, answer.get_data(as_text=True))
        assert answer.mimetype == "application/pdf"
        assert answer.get_data() == base64.b64decode(PDF)
        disposition = answer.headers["Content-Disposition"]
        assert disposition.startswith("attachment;")
        assert "filename*=UTF-8''Rechnung-M%C3%A4rz.pdf" in disposition
        assert answer.headers["Cache-Control"] == "no-store"
    assert download(api("finance"), path).status_code == 200


def test_another_partners_invoice_is_404(api, world, spif):
    claim = api("beta_user").post("/claims", json=claim_body(spif)).get_json()
    path = f"/claims/{claim['id']}/invoice"
    for who in ("acme_user", "dach_manager"):
        caller = api(who)
        caller.error(caller.get(path), 404, "not_found")
    assert download(api("fr_manager"), path).status_code == 200
    acme = api("acme_user")
    acme.error(acme.get("/claims/2147483647/invoice"), 404, "not_found")


def test_a_claim_without_its_invoice_file_is_404_invoice_not_found(
    api, world, spif, app, db, login
):
    acme = api("acme_user")
    gone = acme.post("/claims", json=claim_body(spif, sale_reference="INV-9")).get_json()
    row = db.session.get(Claim, gone["id"])
    (Path(app.config["UPLOAD_DIR"]) / "claims" / row.invoice_storage).unlink()
    body = acme.error(acme.get(f"/claims/{gone['id']}/invoice"), 404, "invoice_not_found")
    assert body["error"]["message"] == "This claim has no invoice file."
    never = acme.post("/claims", json=claim_body(spif, sale_reference="INV-10")).get_json()
    db.session.get(Claim, never["id"]).invoice_storage = ""
    acme.error(acme.get(f"/claims/{never['id']}/invoice"), 404, "invoice_not_found")
    assert acme.get(f"/claims/{never['id']}").status_code == 200  # the claim itself is there
    # the claims page's download link answers 404 too, rather than failing on the missing file
    assert login(world["acme_user"]).get(f"/claims/{never['id']}/invoice").status_code == 404


def test_a_refused_claim_leaves_no_invoice_on_disk(api, world, spif, app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path))
    acme = api("acme_user")
    assert acme.post("/claims", json=claim_body(spif)).status_code == 201
    kept = sorted((tmp_path / "claims").iterdir())
    assert len(kept) == 1
    again = acme.post("/claims", json=claim_body(spif))  # the same sale reference
    acme.error(again, 422, "claim_refused")
    decimals = acme.post("/claims", json=claim_body(spif, sale_reference="X", amount="1.001"))
    acme.error(decimals, 422, "claim_refused")
    assert len(acme.get("/claims").get_json()["items"]) == 1
    assert sorted((tmp_path / "claims").iterdir()) == kept
