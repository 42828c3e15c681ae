"""Idempotency keys, cursor pagination and per-token rate limits."""

from __future__ import annotations

import time

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import DealRegistration

from .conftest import deal_body


def deal_count() -> int:
    return db.session.scalar(select(func.count()).select_from(DealRegistration))


def test_same_key_and_body_replay_the_first_response(api, world):
    acme = api("acme_user")
    key = {"Idempotency-Key": "crm-sync-42"}
    first = acme.post("/deals", json=deal_body(), headers=key)
    second = acme.post("/deals", json=deal_body(), headers=key)
    assert first.status_code == second.status_code == 201
    assert first.get_json() == second.get_json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.headers["Location"] == first.headers["Location"]
    assert deal_count() == 1


def test_same_key_with_another_body_is_409(api, world):
    acme = api("acme_user")
    key = {"Idempotency-Key": "crm-sync-43"}
    assert acme.post("/deals", json=deal_body(), headers=key).status_code == 201
    other = acme.post("/deals", json=deal_body(customer_name="Other"), headers=key)
    acme.error(other, 409, "idempotency_key_reused")
    assert deal_count() == 1


def test_keys_belong_to_their_user_and_errors_are_replayed_too(api, world):
    key = {"Idempotency-Key": "shared"}
    assert api("acme_user").post("/deals", json=deal_body(), headers=key).status_code == 201
    assert api("beta_user").post("/deals", json=deal_body(), headers=key).status_code == 201
    acme = api("acme_user")
    bad = deal_body(expected_close_on="2020-01-01")
    first = acme.post("/deals", json=bad, headers={"Idempotency-Key": "bad"})
    again = acme.post("/deals", json=bad, headers={"Idempotency-Key": "bad"})
    assert first.status_code == again.status_code == 422
    assert first.get_json() == again.get_json()
    assert deal_count() == 2


def test_without_a_key_posts_are_not_deduplicated(api, world):
    acme = api("acme_user")
    acme.post("/deals", json=deal_body())
    acme.post("/deals", json=deal_body(customer_name="Second"))
    assert deal_count() == 2
    acme.error(acme.post("/deals", json=deal_body(), headers={"Idempotency-Key": ""}), 400)


def test_cursor_pagination_walks_every_item_once(api, world, make):
    for n in range(7):
        make.partner(f"P{n}", world["t"]["DACH"])
    finance = api("finance")
    seen, cursor, pages = [], None, 0
    while True:
        query = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = finance.conforms(finance.get("/partners", query_string=query), "PartnerPage")
        seen += [p["id"] for p in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3 and len(seen) == 9 and seen == sorted(set(seen))
    finance.error(finance.get("/partners?cursor=bm9wZQ"), 400, "invalid_parameter")


def test_rate_limit_per_token_with_retry_after(api, world, app, monkeypatch):
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", 3)
    acme, beta = api("acme_user"), api("beta_user")
    answers = [acme.get("/deals") for _ in range(4)]
    assert [r.status_code for r in answers] == [200, 200, 200, 429]
    assert answers[0].headers["X-RateLimit-Remaining"] == "2"
    assert [r.headers["RateLimit-Remaining"] for r in answers] == ["2", "1", "0", "0"]
    assert {r.headers["RateLimit-Limit"] for r in answers} == {"3"}
    limited = acme.error(answers[-1], 429, "rate_limited")
    assert limited["error"]["details"][0]["limit"] == 3
    retry = int(answers[-1].headers["Retry-After"])
    assert 1 <= retry <= 60 and answers[-1].headers["RateLimit-Reset"] == str(retry)
    assert beta.get("/deals").status_code == 200  # another token has its own budget


def test_every_answer_carries_the_tokens_quota(api, world, app):
    acme = api("acme_user")
    before = time.time()
    answer = acme.get("/deals")
    window = app.config["API_RATE_WINDOW_SECONDS"]
    assert answer.headers["RateLimit-Limit"] == str(app.config["API_RATE_LIMIT"])
    assert answer.headers["RateLimit-Remaining"] == str(app.config["API_RATE_LIMIT"] - 1)
    assert window - 2 <= int(answer.headers["RateLimit-Reset"]) <= window
    # the headers of before stay, X-RateLimit-Reset a Unix time
    assert answer.headers["X-RateLimit-Remaining"] == answer.headers["RateLimit-Remaining"]
    assert before + window - 2 <= int(answer.headers["X-RateLimit-Reset"]) <= before + window + 1
    missing = acme.get("/deals/999999")  # refusals count and carry them too
    acme.error(missing, 404, "not_found")
    assert missing.headers["RateLimit-Remaining"] == str(app.config["API_RATE_LIMIT"] - 2)


def from_address(address: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": address}}


def test_failed_token_authentications_lock_out_the_address(api, world, tokens, redis):
    acme = api("acme_user")
    attacker = from_address("203.0.113.7")
    guesses = [acme.get("/deals", token=f"cpp_guess{n}_secret", **attacker) for n in range(20)]
    assert {r.status_code for r in guesses} == {401}
    locked = acme.get("/deals", token="cpp_guess20_secret", **attacker)
    body = acme.error(locked, 429, "rate_limited")
    assert body["error"]["details"] == [
        {"scope": "client_address", "limit": 20, "window_seconds": 300}
    ]
    assert 1 <= int(locked.headers["Retry-After"]) <= 300
    assert locked.headers["RateLimit-Limit"] == "20"
    assert locked.headers["RateLimit-Remaining"] == "0"
    assert locked.headers["RateLimit-Reset"] == locked.headers["Retry-After"]
    assert 0 < redis.ttl("portal:api-auth-fail:203.0.113.7") <= 300
    # while locked out even a valid token from that address is refused, so a lucky guess
    # cannot be told apart from a wrong one
    acme.error(acme.get("/deals", **attacker), 429, "rate_limited")
    # other addresses and the token's own budget are untouched
    elsewhere = acme.get("/deals", **from_address("198.51.100.9"))
    assert elsewhere.status_code == 200 and elsewhere.headers["X-RateLimit-Remaining"] == "599"
    stray = acme.get("/deals", token="cpp_guess_secret", **from_address("198.51.100.9"))
    acme.error(stray, 401, "invalid_token")


def test_the_lockout_ends_with_its_window(api, world, app, redis, monkeypatch):
    monkeypatch.setitem(app.config, "API_AUTH_FAILURE_LIMIT", 2)
    monkeypatch.setitem(app.config, "API_AUTH_FAILURE_WINDOW_SECONDS", 1)
    acme = api("acme_user")
    attacker = from_address("203.0.113.8")
    assert [acme.get("/deals", token="cpp_x_y", **attacker).status_code for _ in range(3)] == [
        401,
        401,
        429,
    ]
    deadline = time.monotonic() + 5
    while redis.exists("portal:api-auth-fail:203.0.113.8") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert acme.get("/deals", **attacker).status_code == 200


def test_requests_without_a_token_are_not_counted_as_failures(api, world, app, monkeypatch):
    monkeypatch.setitem(app.config, "API_AUTH_FAILURE_LIMIT", 2)
    acme = api("acme_user")
    address = from_address("203.0.113.9")
    assert acme.get("/deals", **address).status_code == 200  # also commits the world
    anonymous = [acme.client.get("/api/v1/deals", **address) for _ in range(5)]
    assert {r.status_code for r in anonymous} == {401}
    assert acme.get("/deals", **address).status_code == 200
