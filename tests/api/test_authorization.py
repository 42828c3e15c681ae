"""Tokens act as their user: same permissions, same scoping; bad tokens are 401."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.extensions import db
from portal.models import ApiToken, utcnow
from portal.tokens.services import create_token, revoke_token

from ..calc.conftest import load_program
from .conftest import PROGRAM, deal_body


def test_another_partners_ids_are_404_on_every_endpoint(api, world):
    beta_deal = api("beta_user").post("/deals", json=deal_body()).get_json()
    acme = api("acme_user")
    for path in (f"/partners/{world['beta'].id}", f"/deals/{beta_deal['id']}"):
        acme.error(acme.get(path), 404, "not_found")
    listed = acme.get(f"/deals?partner_id={world['beta'].id}").get_json()
    assert listed["items"] == []
    assert all(d["partner_id"] == world["acme"].id for d in acme.get("/deals").get_json()["items"])


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
