"""Tokens act as their user: same permissions, same scoping; bad tokens are 401."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from portal.api.registry import OPERATIONS, PATH_PARAM
from portal.extensions import db
from portal.models import ApiToken, PayoutBatch, utcnow
from portal.security import can
from portal.tokens.services import create_token, revoke_token
from workflows.calc import runs

from ..calc.conftest import load_program
from .conftest import PROGRAM, deal_body, ranked_contest
from .test_claims import CLAIM_SPIF, claim_body
from .test_mdf import mdf_objects


def beta_objects(api, world, make) -> dict[str, int]:
    """One object of each kind an operation names by id, all BETA's (or FR's)."""
    deal = api("beta_user").post("/deals", json=deal_body()).get_json()
    spif = load_program(CLAIM_SPIF, world["finance"])
    claim = api("beta_user").post("/claims", json=claim_body(spif)).get_json()
    program = load_program(PROGRAM, world["finance"])
    run = runs.start_run(program, actor=world["finance"], shards=1, on=date(2026, 10, 1))
    return {
        "partner_id": world["beta"].id,
        "deal_id": deal["id"],
        "claim_id": claim["id"],
        "territory_id": world["t"]["FR"].id,
        "program_id": program.id,
        "run_id": run.id,
        "contest_id": ranked_contest(world, make, world["beta"]),
        **mdf_objects(world, "beta"),
        "batch_id": exported_batch(world["finance"]),
    }


def exported_batch(finance) -> int:
    """An exported batch with its kept file (the payment file tests build real ones)."""
    batch = PayoutBatch(
        created_by_id=finance.id,
        status="exported",
        currency="EUR",
        file_format="pain001",
        file_name="payout-batch.xml",
        file_content="<Document/>",
    )
    db.session.add(batch)
    db.session.flush()
    return batch.id


DECISIONS = {
    "decideDeal": {"action": "approve"},
    "decideClaim": {"action": "approve"},
    "approveMdfRequest": {},
    "rejectMdfRequest": {"reason": "Not this quarter."},
    "returnMdfRequest": {"reason": "Add the venue."},
    "rejectMdfClaim": {"reason": "No photos."},
    "submitMdfClaim": {
        "amount": "10",
        "proofs": [
            {
                "filename": "proof.pdf",
                "content_type": "application/pdf",
                "content_base64": "JVBERi0xLjQK",
            }
        ],
    },
}


def test_another_partners_ids_are_404_on_every_endpoint(api, world, make):
    """Every operation that takes an id, called by ACME's user and by the DACH manager with
    BETA's objects: 404 where they hold the permission (403 where they do not), never more.
    A new operation with an id is covered as soon as it is declared."""
    ids = beta_objects(api, world, make)
    with_ids = [op for op in OPERATIONS if PATH_PARAM.search(op.path)]
    assert {"getMoneyBalances", "getClaimInvoice", "decideClaim", "approveMdfClaim"} <= {
        op.operation_id for op in with_ids
    }
    for who in ("acme_user", "dach_manager"):
        caller = api(who)
        for op in with_ids:
            path = op.path.format(**{name: ids[name] for name in PATH_PARAM.findall(op.path)})
            body = DECISIONS[op.operation_id] if op.body else None
            expected = 404 if can(world[who], op.perm) else 403
            response = caller.call(op.method, path, json=body)
            assert response.status_code == expected, (who, op.operation_id, response.get_json())
            caller.conforms(response, "Error")
    # the ids are real: someone in BETA's line of sight reads each of them
    for op in with_ids:
        if op.method != "GET":
            continue
        path = op.path.format(**{name: ids[name] for name in PATH_PARAM.findall(op.path)})
        seen = set()
        for who in ("beta_user", "fr_manager", "finance"):
            with api(who).send("GET", path) as response:
                seen.add(response.status_code)
        assert 200 in seen, (op.operation_id, seen)
    acme = api("acme_user")
    listed = acme.get(f"/deals?partner_id={world['beta'].id}").get_json()
    assert listed["items"] == []
    assert all(d["partner_id"] == world["acme"].id for d in acme.get("/deals").get_json()["items"])
    assert acme.get("/claims").get_json()["items"] == []


def test_managers_see_and_decide_only_inside_their_subtree(api, world):
    beta_deal = api("beta_user").post("/deals", json=deal_body()).get_json()
    dach = api("dach_manager")
    dach.error(dach.get(f"/partners/{world['beta'].id}"), 404)
    dach.error(dach.get(f"/deals/{beta_deal['id']}"), 404)
    dach.error(dach.get(f"/territories/{world['t']['FR'].id}"), 404)
    decision = dach.post(f"/deals/{beta_deal['id']}/decision", json={"action": "approve"})
    dach.error(decision, 404)
    fr = api("fr_manager")
    assert (
        fr.post(f"/deals/{beta_deal['id']}/decision", json={"action": "approve"}).status_code == 200
    )


@pytest.mark.parametrize(
    ("who", "method", "path", "body"),
    [
        ("acme_user", "GET", "/territories", None),
        ("acme_user", "GET", "/programs", None),
        ("acme_user", "GET", "/calc-runs", None),
        ("acme_user", "POST", "/sales-lines/bulk", {"lines": [{"external_id": "x"}]}),
        ("acme_user", "POST", "/deals/1/decision", {"action": "approve"}),
        ("dach_manager", "POST", "/deals", deal_body()),
        ("dach_manager", "POST", "/calc-runs", {"program_id": 1}),
    ],
)
def test_missing_permissions_are_403(api, world, who, method, path, body):
    caller = api(who)
    caller.error(caller.call(method, path, json=body), 403, "forbidden")


def test_partner_cannot_read_programs_or_runs_by_id(api, world):
    program = load_program(PROGRAM, world["finance"])
    acme = api("acme_user")
    acme.error(acme.get(f"/programs/{program.id}"), 403)


def test_read_only_manager_token_cannot_decide(api, world):
    deal = api("acme_user").post("/deals", json=deal_body()).get_json()
    manager = api("dach_manager")
    reader = create_token(actor=world["dach_manager"], name="ro", scope="read").secret
    response = manager.post(
        f"/deals/{deal['id']}/decision", json={"action": "approve"}, token=reader
    )
    manager.error(response, 403, "insufficient_scope")
    assert manager.get(f"/deals/{deal['id']}").get_json()["state"] == "submitted"


def test_read_only_token_reads_but_cannot_write(api, world):
    reader = create_token(actor=world["acme_user"], name="BI", scope="read").secret
    acme = api("acme_user")
    assert acme.get("/deals", token=reader).status_code == 200
    acme.error(acme.post("/deals", json=deal_body(), token=reader), 403, "insufficient_scope")


def test_revoked_expired_and_forged_tokens_are_401(api, world):
    acme = api("acme_user")
    issued = create_token(actor=world["acme_user"], name="old", scope="read-write")
    assert acme.get("/deals", token=issued.secret).status_code == 200
    revoke_token(issued.token, actor=world["acme_user"])
    acme.error(acme.get("/deals", token=issued.secret), 401, "invalid_token")

    expiring = create_token(actor=world["acme_user"], name="exp", scope="read-write")
    expiring.token.expires_at = utcnow() - timedelta(seconds=1)
    acme.error(acme.get("/deals", token=expiring.secret), 401, "invalid_token")

    good = create_token(actor=world["acme_user"], name="good", scope="read").secret
    prefix, _, secret = good.rpartition("_")
    forged = f"{prefix}_{'A' * len(secret)}"
    for bad in (forged, "cpp_nothere_x", "garbage", good + "x"):
        acme.error(acme.get("/deals", token=bad), 401, "invalid_token")
    response = acme.client.get("/api/v1/deals")
    acme.error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_inactive_users_tokens_stop_working(api, world):
    acme = api("acme_user")
    world["acme_user"].active = False
    acme.error(acme.get("/deals"), 401, "invalid_token")


def test_cookie_sessions_never_authenticate_the_api(client, world, login, openapi):
    db.session.commit()
    login(world["acme_user"])
    for method in ("GET", "POST"):
        response = client.open("/api/v1/deals", method=method, json=deal_body())
        assert response.status_code == 401
        assert response.get_json()["error"]["code"] == "unauthorized"


def test_last_use_is_recorded(api, world):
    issued = create_token(actor=world["acme_user"], name="seen", scope="read")
    assert issued.token.last_used_at is None
    api("acme_user").get("/deals", token=issued.secret)
    assert db.session.get(ApiToken, issued.token.id).last_used_at is not None
