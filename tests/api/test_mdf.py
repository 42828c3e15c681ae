"""Market development funds through the API: funds and their figures per scope, activity
requests and their decisions, claims with proofs, refusals, idempotent retries, bad bodies."""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from portal.extensions import db
from portal.mdf.proofs import store_proof
from portal.models import (
    MdfActivityType,
    MdfClaim,
    MdfClaimProof,
    MdfRequest,
    PayoutBatch,
    utcnow,
)
from portal.tokens.services import create_token
from tests.banking.accounts import one_batch
from workflows.mdf import claims, funds, requests
from workflows.mdf.claims import Proof
from workflows.payables.batches import approve_batch, export_batch

TODAY = utcnow().date()
PDF_BYTES = b"%PDF-1.4\n% proof of the event\n"
PDF = base64.b64encode(PDF_BYTES).decode()
LAST_WEEK = (TODAY - timedelta(days=10)).isoformat(), (TODAY - timedelta(days=1)).isoformat()


@dataclass
class Mdf:
    fund: object
    event: object


def mdf_fund(
    world,
    *,
    code: str = "MDF-API",
    threshold: str | None = None,
    partners: tuple[str, ...] = ("acme", "beta"),
) -> Mdf:
    """A EUR fund passed down the tree: 10,000 to WORLD, 5,000 to EMEA, 2,000 each to DACH and
    FR, 1,000 each to ACME and BETA (only down to `partners`); and the activity type EVENT."""
    finance, t = world["finance"], world["t"]
    fund = funds.create_fund(
        actor=finance,
        code=code,
        name=f"Fund {code}",
        currency="EUR",
        amount=Decimal("10000.00"),
        starts_on=TODAY - timedelta(days=60),
        ends_on=TODAY + timedelta(days=60),
        claim_deadline=TODAY + timedelta(days=120),
        claim_days=30,
        second_approval_above=None if threshold is None else Decimal(threshold),
    )
    regions = {"acme": "DACH", "beta": "FR"}
    steps = [("WORLD", "10000"), ("EMEA", "5000")] + [(regions[p], "2000") for p in partners]
    for territory, amount in steps:
        funds.allocate(fund, actor=finance, amount=Decimal(amount), territory=t[territory])
    for partner in partners:
        funds.allocate(fund, actor=finance, amount=Decimal("1000"), partner=world[partner])
    event = db.session.scalar(select(MdfActivityType).where(MdfActivityType.code == "EVENT"))
    if event is None:
        event = funds.add_activity_type(actor=finance, code="EVENT", name="Event")
    return Mdf(fund, event)


def propose(world, mdf: Mdf, partner: str = "acme", amount: str = "400.00"):
    return requests.propose_request(
        world[partner],
        mdf.fund,
        mdf.event,
        actor=world[f"{partner}_user"],
        starts_on=TODAY - timedelta(days=10),
        ends_on=TODAY - timedelta(days=1),
        amount=Decimal(amount),
        description="Partner summit booth",
    )


def stored_proof() -> Proof:
    """A proof stored like an upload on the claim page."""
    upload = FileStorage(
        io.BytesIO(PDF_BYTES), filename="proof.pdf", content_type="application/pdf"
    )
    return store_proof(upload)


def mdf_objects(world, partner: str = "beta") -> dict[str, int]:
    """A fund, an approved request of `partner` and a claim on it waiting for a manager."""
    mdf = mdf_fund(world, code=f"MDF-{partner.upper()}", partners=(partner,))
    request = propose(world, mdf, partner)
    manager = world["fr_manager" if partner == "beta" else "dach_manager"]
    requests.approve_request(request, actor=manager)
    claim = claims.submit_claim(
        request,
        actor=world[f"{partner}_user"],
        amount=Decimal("300.00"),
        proofs=[stored_proof()],
    )
    db.session.commit()
    return {"fund_id": mdf.fund.id, "request_id": request.id, "mdf_claim_id": claim.id}


DECISIONS = (("approve", {}), ("reject", {"reason": "no"}), ("return", {"reason": "x"}))


def request_body(mdf: Mdf, **changes) -> dict:
    start, end = LAST_WEEK
    body = {
        "fund_id": mdf.fund.id,
        "activity_type": "EVENT",
        "starts_on": start,
        "ends_on": end,
        "amount": "400.00",
        "description": "Partner summit booth",
        "expected_leads": 40,
        "expected_pipeline": "250000",
    }
    return {**body, **changes}


def claim_body(amount: str = "300.00", **proof) -> dict:
    document = {"filename": "proof.pdf", "content_type": "application/pdf", "content_base64": PDF}
    return {"amount": amount, "proofs": [{**document, **proof}]}


@pytest.fixture
def mdf(world):
    found = mdf_fund(world)
    db.session.commit()
    return found


def figures(body: dict) -> dict:
    shown = body["figures"]
    return {name: Decimal(shown[name]) for name in ("allocated", "committed", "available")}


# --- funds -----------------------------------------------------------------------------------


def test_funds_list_each_roles_scope_with_exact_figures(api, world, mdf):
    finance = api("finance")
    page = finance.conforms(finance.get("/mdf/funds"), "MdfFundPage")
    (fund,) = page["items"]
    assert (fund["code"], fund["scope"], fund["scope_code"]) == ("MDF-API", "fund", None)
    assert fund["figures"]["allocated"] == "10000.0000" and fund["figures"]["currency"] == "EUR"
    acme = api("acme_user")
    (own,) = acme.conforms(acme.get("/mdf/funds"), "MdfFundPage")["items"]
    assert (own["scope"], own["scope_code"]) == ("partner", "ACME")
    assert figures(own) == {"allocated": 1000, "committed": 0, "available": 1000}
    manager = api("dach_manager")
    (managed,) = manager.conforms(manager.get("/mdf/funds"), "MdfFundPage")["items"]
    assert managed["scope"] == "territories"
    assert figures(managed) == {"allocated": 2000, "committed": 0, "available": 2000}


def test_a_fund_no_money_of_reached_is_invisible(api, world, mdf):
    other = funds.create_fund(
        actor=world["finance"],
        code="MDF-AMER",
        name="Americas",
        currency="USD",
        amount=Decimal("500"),
        starts_on=TODAY,
        ends_on=TODAY + timedelta(days=30),
        claim_deadline=TODAY + timedelta(days=60),
    )
    for territory in ("WORLD", "AMER"):
        funds.allocate(
            other, actor=world["finance"], amount=Decimal("500"), territory=world["t"][territory]
        )
    acme, manager = api("acme_user"), api("dach_manager")
    acme.error(acme.get(f"/mdf/funds/{other.id}"), 404, "not_found")
    manager.error(manager.get(f"/mdf/funds/{other.id}"), 404, "not_found")
    assert [f["code"] for f in acme.get("/mdf/funds").get_json()["items"]] == ["MDF-API"]
    assert len(api("finance").get("/mdf/funds").get_json()["items"]) == 2


def test_fund_figures_for_one_holder_in_scope(api, world, mdf):
    request = propose(world, mdf)
    requests.approve_request(request, actor=world["dach_manager"], amount=Decimal("250.00"))
    finance = api("finance")
    dach = finance.conforms(finance.get(f"/mdf/funds/{mdf.fund.id}?territory=DACH"), "MdfFund")
    assert (dach["scope"], dach["scope_code"]) == ("territory", "DACH")
    assert figures(dach) == {"allocated": 2000, "committed": 250, "available": 1750}
    whole = finance.get(f"/mdf/funds/{mdf.fund.id}").get_json()
    assert figures(whole) == {"allocated": 10000, "committed": 250, "available": 9750}
    manager = api("dach_manager")
    acme = manager.conforms(manager.get(f"/mdf/funds/{mdf.fund.id}?partner=ACME"), "MdfFund")
    assert figures(acme) == {"allocated": 1000, "committed": 250, "available": 750}
    manager.error(manager.get(f"/mdf/funds/{mdf.fund.id}?partner=BETA"), 404)
    manager.error(manager.get(f"/mdf/funds/{mdf.fund.id}?territory=FR"), 404)
    manager.error(manager.get(f"/mdf/funds/{mdf.fund.id}?territory=NOPE"), 404)
    both = manager.get(f"/mdf/funds/{mdf.fund.id}?territory=DACH&partner=ACME")
    manager.error(both, 400, "invalid_parameter")
    partner = api("acme_user")
    own = partner.get(f"/mdf/funds/{mdf.fund.id}?partner=ACME").get_json()
    assert own["scope"] == "partner" and figures(own)["available"] == 750
    partner.error(partner.get(f"/mdf/funds/{mdf.fund.id}?territory=DACH"), 404)


# --- requests --------------------------------------------------------------------------------


def test_partner_proposes_and_manager_approves_a_lower_amount(api, world, mdf):
    acme = api("acme_user")
    created = acme.post("/mdf/requests", json=request_body(mdf))
    assert created.status_code == 201, created.get_json()
    request = acme.conforms(created, "MdfRequest")
    assert (request["state"], request["requested_amount"]) == ("submitted", "400.0000")
    assert (request["partner_code"], request["activity_type"]) == ("ACME", "EVENT")
    assert request["expected_pipeline"] == "250000.0000" and request["expected_leads"] == 40
    assert created.headers["Location"].endswith(f"/api/v1/mdf/requests/{request['id']}")
    assert acme.get(f"/mdf/requests/{request['id']}").get_json() == request

    manager = api("dach_manager")
    queue = manager.conforms(manager.get("/mdf/requests?state=submitted"), "MdfRequestPage")
    assert [r["id"] for r in queue["items"]] == [request["id"]]
    approved = manager.post(f"/mdf/requests/{request['id']}/approve", json={"amount": "350"})
    assert approved.status_code == 200, approved.get_json()
    body = manager.conforms(approved, "MdfRequest")
    assert (body["state"], body["approved_amount"]) == ("approved", "350.0000")
    own = acme.get(f"/mdf/funds/{mdf.fund.id}").get_json()
    assert figures(own) == {"allocated": 1000, "committed": 350, "available": 650}
    assert acme.get(f"/mdf/requests?fund_id={mdf.fund.id}&state=approved").get_json()["items"]
    assert acme.get("/mdf/requests?state=rejected").get_json()["items"] == []


def test_requests_are_scoped_like_the_pages(api, world, mdf):
    acme_request = propose(world, mdf, "acme")
    beta_request = propose(world, mdf, "beta")
    for who, seen in (
        ("acme_user", {acme_request.id}),
        ("beta_user", {beta_request.id}),
        ("dach_manager", {acme_request.id}),
        ("fr_manager", {beta_request.id}),
        ("finance", {acme_request.id, beta_request.id}),
    ):
        caller = api(who)
        assert {r["id"] for r in caller.get("/mdf/requests").get_json()["items"]} == seen, who
    acme, dach = api("acme_user"), api("dach_manager")
    acme.error(acme.get(f"/mdf/requests/{beta_request.id}"), 404)
    dach.error(dach.get(f"/mdf/requests/{beta_request.id}"), 404)
    for action, body in (
        ("approve", {}),
        ("reject", {"reason": "no"}),
        ("return", {"reason": "x"}),
    ):
        dach.error(dach.post(f"/mdf/requests/{beta_request.id}/{action}", json=body), 404)
    assert db.session.get(MdfRequest, beta_request.id).state == "submitted"


def test_roles_without_the_permission_are_403(api, world, mdf):
    request = propose(world, mdf)
    acme, manager, finance = api("acme_user"), api("dach_manager"), api("finance")
    for action, body in (
        ("approve", {}),
        ("reject", {"reason": "no"}),
        ("return", {"reason": "x"}),
    ):
        acme.error(acme.post(f"/mdf/requests/{request.id}/{action}", json=body), 403, "forbidden")
    manager.error(manager.post("/mdf/requests", json=request_body(mdf)), 403, "forbidden")
    finance.error(finance.post("/mdf/requests", json=request_body(mdf)), 403, "forbidden")
    claim_path = f"/mdf/requests/{request.id}/claims"
    manager.error(manager.post(claim_path, json=claim_body()), 403, "forbidden")


def test_over_budget_over_approved_and_already_decided(api, world, mdf):
    acme, manager = api("acme_user"), api("dach_manager")
    big = acme.post("/mdf/requests", json=request_body(mdf, amount="1500.00")).get_json()
    refused = manager.post(f"/mdf/requests/{big['id']}/approve", json={})
    body = manager.error(refused, 422, "over_budget")
    assert "1,000.00" in body["error"]["message"] or "1000.00" in body["error"]["message"]
    small = acme.post("/mdf/requests", json=request_body(mdf)).get_json()
    over = manager.post(f"/mdf/requests/{small['id']}/approve", json={"amount": "400.01"})
    assert manager.error(over, 422, "over_approved")["error"]["details"][0]["field"] == "amount"
    assert manager.post(f"/mdf/requests/{small['id']}/approve", json={}).status_code == 200
    again = manager.post(f"/mdf/requests/{small['id']}/reject", json={"reason": "late"})
    manager.error(again, 409, "already_decided")
    assert db.session.get(MdfRequest, small["id"]).state == "approved"


def test_reject_and_return_need_a_reason(api, world, mdf):
    acme, manager = api("acme_user"), api("dach_manager")
    first = acme.post("/mdf/requests", json=request_body(mdf)).get_json()
    blank = manager.post(f"/mdf/requests/{first['id']}/reject", json={"reason": "  "})
    assert manager.error(blank, 422, "mdf_refused")["error"]["details"][0]["field"] == "reason"
    manager.error(manager.post(f"/mdf/requests/{first['id']}/reject", json={}), 422)
    returned = manager.post(
        f"/mdf/requests/{first['id']}/return", json={"reason": "Add the venue, please."}
    )
    body = manager.conforms(returned, "MdfRequest")
    assert (body["state"], body["reason"]) == ("returned", "Add the venue, please.")
    second = acme.post("/mdf/requests", json=request_body(mdf)).get_json()
    rejected = manager.post(f"/mdf/requests/{second['id']}/reject", json={"reason": "Off-brand"})
    assert rejected.get_json()["state"] == "rejected"


def test_second_approval_by_finance_never_by_the_first_approver(api, world, make):
    mdf = mdf_fund(world, code="MDF-2ND", threshold="300")
    db.session.commit()
    acme, manager, finance = api("acme_user"), api("dach_manager"), api("finance")
    request = acme.post("/mdf/requests", json=request_body(mdf)).get_json()
    first = manager.post(f"/mdf/requests/{request['id']}/approve", json={})
    assert first.get_json()["state"] == "first_approved"
    manager.error(
        manager.post(f"/mdf/requests/{request['id']}/approve", json={}),
        403,
        "second_approver_required",
    )
    done = finance.post(f"/mdf/requests/{request['id']}/approve", json={})
    assert (done.get_json()["state"], done.get_json()["approved_amount"]) == (
        "approved",
        "400.0000",
    )

    other = acme.post("/mdf/requests", json=request_body(mdf)).get_json()
    assert finance.post(f"/mdf/requests/{other['id']}/approve", json={}).status_code == 200
    same = finance.post(f"/mdf/requests/{other['id']}/approve", json={})
    finance.error(same, 403, "second_approver_required")
    assert db.session.get(MdfRequest, other["id"]).state == "first_approved"


def test_proposals_the_fund_refuses_are_422_with_the_field(api, world, mdf):
    acme = api("acme_user")
    late = (TODAY + timedelta(days=61)).isoformat()
    outside = acme.post("/mdf/requests", json=request_body(mdf, ends_on=late))
    assert acme.error(outside, 422, "mdf_refused")["error"]["details"][0]["field"] == "starts_on"
    backwards = request_body(mdf, starts_on=LAST_WEEK[1], ends_on=LAST_WEEK[0])
    assert acme.error(acme.post("/mdf/requests", json=backwards), 422)["error"]["details"]
    cents = acme.post("/mdf/requests", json=request_body(mdf, amount="10.001"))
    acme.error(cents, 422)
    unknown = acme.post("/mdf/requests", json=request_body(mdf, fund_id=999999))
    assert acme.error(unknown, 422)["error"]["details"][0]["field"] == "fund_id"
    kind = acme.post("/mdf/requests", json=request_body(mdf, activity_type="NOPE"))
    assert acme.error(kind, 422)["error"]["details"][0]["field"] == "activity_type"
    closed = funds.create_fund(
        actor=world["finance"],
        code="MDF-OLD",
        name="Old",
        currency="EUR",
        amount=Decimal("100"),
        starts_on=TODAY - timedelta(days=90),
        ends_on=TODAY - timedelta(days=30),
        claim_deadline=TODAY + timedelta(days=30),
    )
    for territory in ("WORLD", "EMEA", "DACH"):
        funds.allocate(
            closed, actor=world["finance"], amount=Decimal("100"), territory=world["t"][territory]
        )
    funds.allocate(closed, actor=world["finance"], amount=Decimal("100"), partner=world["acme"])
    body = request_body(mdf, fund_id=closed.id, starts_on=(TODAY - timedelta(days=60)).isoformat())
    acme.error(acme.post("/mdf/requests", json=body), 422, "past_deadline")
    assert db.session.scalar(select(func.count(MdfRequest.id))) == 0


@pytest.mark.parametrize(
    "changes",
    [
        {"amount": "9" * 15},
        {"amount": "1e9"},
        {"amount": 400},
        {"amount": "-5"},
        {"description": "booth\x00"},
        {"description": ""},
        {"description": "x" * 4001},
        {"fund_id": "1"},
        {"fund_id": 2**31},
        {"starts_on": "yesterday"},
        {"expected_leads": 10**10},
        {"expected_leads": "40"},
        {"activity_type": "EV\x00ENT"},
        {"unexpected": True},
    ],
)
def test_bad_request_bodies_are_422_with_nothing_written(api, world, mdf, changes):
    acme = api("acme_user")
    response = acme.post("/mdf/requests", json=request_body(mdf, **changes))
    acme.error(response, 422)
    assert db.session.scalar(select(func.count(MdfRequest.id))) == 0


def test_bad_decision_bodies(api, world, mdf):
    request = propose(world, mdf)
    manager = api("dach_manager")
    path = f"/mdf/requests/{request.id}"
    for body in ({"amount": 5}, {"amount": "9" * 15}, {"amount": "0"}, {"reason": "x"}):
        manager.error(manager.post(f"{path}/approve", json=body), 422)
    manager.error(manager.post(f"{path}/reject", json={"reason": "a\x00b"}), 422)
    manager.error(manager.post(f"{path}/return", json={"reason": 7}), 422)
    manager.error(manager.call("POST", f"{path}/approve"), 415)
    manager.error(manager.post("/mdf/requests/99999999999/approve", json={}), 404)
    assert db.session.get(MdfRequest, request.id).state == "submitted"


def test_idempotent_retries_replay_and_write_once(api, world, mdf):
    acme = api("acme_user")
    key = {"Idempotency-Key": "crm-mdf-1"}
    first = acme.post("/mdf/requests", json=request_body(mdf), headers=key)
    again = acme.post("/mdf/requests", json=request_body(mdf), headers=key)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert db.session.scalar(select(func.count(MdfRequest.id))) == 1
    other = acme.post("/mdf/requests", json=request_body(mdf, amount="1"), headers=key)
    acme.error(other, 409, "idempotency_key_reused")

    manager = api("dach_manager")
    path = f"/mdf/requests/{first.get_json()['id']}/approve"
    decided = manager.post(path, json={}, headers={"Idempotency-Key": "approve-1"})
    replayed = manager.post(path, json={}, headers={"Idempotency-Key": "approve-1"})
    assert decided.status_code == replayed.status_code == 200
    assert replayed.headers["Idempotent-Replayed"] == "true"
    late = manager.post(path, json={}, headers={"Idempotency-Key": "approve-2"})
    manager.error(late, 409, "already_decided")
    refused_again = manager.post(path, json={}, headers={"Idempotency-Key": "approve-2"})
    manager.error(refused_again, 409, "already_decided")
    assert refused_again.headers["Idempotent-Replayed"] == "true"


# --- claims ----------------------------------------------------------------------------------


def test_claim_with_proofs_approved_then_paid(api, world, mdf, make):
    request = propose(world, mdf)
    requests.approve_request(request, actor=world["dach_manager"])
    acme = api("acme_user")
    created = acme.post(f"/mdf/requests/{request.id}/claims", json=claim_body("300.00"))
    assert created.status_code == 201, created.get_json()
    claim = acme.conforms(created, "MdfClaim")
    assert (claim["state"], claim["amount"], claim["paid"]) == ("submitted", "300.0000", False)
    assert [(p["name"], p["content_type"]) for p in claim["proofs"]] == [
        ("proof.pdf", "application/pdf")
    ]
    assert created.headers["Location"].endswith(f"/api/v1/mdf/claims/{claim['id']}")
    waiting = acme.post(f"/mdf/requests/{request.id}/claims", json=claim_body("10"))
    acme.error(waiting, 422, "mdf_refused")

    manager = api("dach_manager")
    listed = manager.conforms(manager.get("/mdf/claims?state=submitted"), "MdfClaimPage")
    assert [c["id"] for c in listed["items"]] == [claim["id"]]
    approved = manager.post(f"/mdf/claims/{claim['id']}/approve")
    assert manager.conforms(approved, "MdfClaim")["state"] == "approved"
    manager.error(manager.post(f"/mdf/claims/{claim['id']}/approve"), 409, "already_decided")
    manager.error(
        manager.post(f"/mdf/claims/{claim['id']}/reject", json={"reason": "late"}),
        409,
        "already_decided",
    )
    own = acme.get(f"/mdf/funds/{mdf.fund.id}").get_json()["figures"]
    assert (own["committed"], own["claimed"], own["available"]) == (
        "300.0000",
        "300.0000",
        "700.0000",
    )
    assert acme.get(f"/mdf/requests/{request.id}").get_json()["state"] == "claimed"

    second_finance = make.user("finance", email="fin2@v.example")
    batch = one_batch(world["finance"])
    approve_batch(batch, actor=second_finance)
    export_batch(db.session.get(PayoutBatch, batch.id), actor=world["finance"])
    assert acme.get(f"/mdf/claims/{claim['id']}").get_json()["paid"] is True
    assert acme.get(f"/mdf/funds/{mdf.fund.id}").get_json()["figures"]["paid"] == "300.0000"


def test_claim_refusals_and_rejection(api, world, mdf):
    request = propose(world, mdf)
    requests.approve_request(request, actor=world["dach_manager"], amount=Decimal("200"))
    acme, path = api("acme_user"), f"/mdf/requests/{request.id}/claims"
    acme.error(acme.post(path, json=claim_body("200.01")), 422, "over_approved")
    acme.error(acme.post(path, json=claim_body(content_base64="not base64!")), 422)
    not_pdf = base64.b64encode(b"plain text, not a PDF").decode()
    acme.error(acme.post(path, json=claim_body(content_base64=not_pdf)), 422, "proof_rejected")
    acme.error(acme.post(path, json={"amount": "10", "proofs": []}), 422, "validation_failed")
    acme.error(acme.post(path, json=claim_body("9" * 15)), 422)
    acme.error(acme.post(path, json=claim_body(filename="a\x00.pdf")), 422)
    assert db.session.scalar(select(func.count(MdfClaimProof.id))) == 0

    claim = acme.post(path, json=claim_body("150")).get_json()
    manager = api("dach_manager")
    blank = manager.post(f"/mdf/claims/{claim['id']}/reject", json={"reason": ""})
    manager.error(blank, 422, "mdf_refused")
    acme.error(acme.post(f"/mdf/claims/{claim['id']}/approve"), 403, "forbidden")
    rejected = manager.post(f"/mdf/claims/{claim['id']}/reject", json={"reason": "No photos."})
    assert manager.conforms(rejected, "MdfClaim")["reason"] == "No photos."
    assert acme.post(path, json=claim_body("150")).status_code == 201  # claim again in time

    db.session.get(MdfRequest, request.id).claim_due_on = TODAY - timedelta(days=1)
    db.session.execute(
        MdfClaim.__table__.update()
        .where(MdfClaim.request_id == request.id, MdfClaim.state == "submitted")
        .values(state="rejected")
    )
    acme.error(acme.post(path, json=claim_body("150")), 422, "past_deadline")


def test_claims_are_scoped_and_others_ids_are_404(api, world):
    ids = mdf_objects(world, "beta")
    acme, dach, fr = api("acme_user"), api("dach_manager"), api("fr_manager")
    claim_id, request_id = ids["mdf_claim_id"], ids["request_id"]
    assert acme.get("/mdf/claims").get_json()["items"] == []
    assert [c["id"] for c in fr.get("/mdf/claims").get_json()["items"]] == [claim_id]
    assert [c["id"] for c in api("beta_user").get("/mdf/claims").get_json()["items"]] == [claim_id]
    acme.error(acme.get(f"/mdf/claims/{claim_id}"), 404)
    acme.error(acme.post(f"/mdf/requests/{request_id}/claims", json=claim_body()), 404)
    dach.error(dach.post(f"/mdf/claims/{claim_id}/approve"), 404)
    dach.error(dach.post(f"/mdf/claims/{claim_id}/reject", json={"reason": "no"}), 404)
    assert db.session.get(MdfClaim, claim_id).state == "submitted"
    assert fr.get(f"/mdf/claims?request_id={request_id}").get_json()["items"][0]["id"] == claim_id
    assert fr.post(f"/mdf/claims/{claim_id}/approve").status_code == 200


def test_administrators_hold_no_mdf_permission(api, world, mdf, make):
    admin = make.user("admin", email="root@v.example")
    secret = create_token(actor=admin, name="admin CRM", scope="read-write").secret
    caller = api("finance")
    request = propose(world, mdf)
    for method, path, body in (
        ("GET", "/mdf/funds", None),
        ("GET", f"/mdf/funds/{mdf.fund.id}", None),
        ("GET", "/mdf/requests", None),
        ("GET", f"/mdf/requests/{request.id}", None),
        ("GET", "/mdf/claims", None),
        ("POST", f"/mdf/requests/{request.id}/approve", {}),
    ):
        caller.error(caller.call(method, path, json=body, token=secret), 403, "forbidden")
    assert db.session.get(MdfRequest, request.id).state == "submitted"


def test_read_only_tokens_cannot_decide(api, world, mdf):
    request = propose(world, mdf)
    reader = create_token(actor=world["dach_manager"], name="BI", scope="read").secret
    manager = api("dach_manager")
    assert manager.get(f"/mdf/requests/{request.id}", token=reader).status_code == 200
    refused = manager.post(f"/mdf/requests/{request.id}/approve", json={}, token=reader)
    manager.error(refused, 403, "insufficient_scope")
    assert db.session.get(MdfRequest, request.id).state == "submitted"
