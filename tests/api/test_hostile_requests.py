"""Hostile requests to the API get its usual error body, never a 500: bodies nested a thousand
levels deep, NUL in query strings, and methods a path does not declare (OPTIONS lists only the
declared ones; TRACE, PUT, PATCH, DELETE are a 405 with a correct Allow header)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.models import DealRegistration

from .conftest import deal_body


def _nested(depth: int) -> str:
    return '{"customer_name": ' + "[" * depth + "]" * depth + "}"


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("acme_user", "/deals"),
        ("acme_user", "/claims"),
        ("dach_manager", "/deals/1/decision"),
        ("finance", "/calc-runs"),
        ("finance", "/sales-lines/bulk"),
    ],
)
@pytest.mark.parametrize("depth", [33, 1000, 100_000])
def test_bodies_nested_too_deeply_are_refused_before_parsing(api, world, db, who, path, depth):
    caller = api(who)
    response = caller.call("POST", path, data=_nested(depth), content_type="application/json")
    body = caller.error(response, 400, "invalid_json")
    assert "nested more than 32 levels" in body["error"]["message"]
    assert db.session.scalar(select(func.count(DealRegistration.id))) == 0


def test_ordinary_nesting_still_passes(api, world, db):
    acme = api("acme_user")
    response = acme.post("/deals", json=deal_body())
    assert response.status_code == 201, response.get_json()


@pytest.mark.parametrize("query", ["cursor=%00", "cursor=a%00b", "limit=1%00"])
def test_nul_in_a_query_string_is_a_json_400(api, world, query):
    acme = api("acme_user")
    acme.error(acme.get(f"/deals?{query}"), 400, "bad_request")


def test_nul_in_a_body_is_a_field_error_and_writes_nothing(api, world, db):
    acme = api("acme_user")
    response = acme.post("/deals", json=deal_body(customer_name="Initech\x00GmbH"))
    acme.error(response, 422, "validation_failed")
    assert db.session.scalar(select(func.count(DealRegistration.id))) == 0


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/deals", {"GET", "HEAD", "OPTIONS", "POST"}),
        ("/deals/1", {"GET", "HEAD", "OPTIONS"}),
        ("/sales-lines/bulk", {"OPTIONS", "POST"}),
        ("/claims/1/decision", {"OPTIONS", "POST"}),
        ("/openapi.json", {"GET", "HEAD", "OPTIONS"}),
    ],
)
def test_options_lists_only_the_declared_methods(api, world, client, path, allowed):
    for headers in ({"Authorization": f"Bearer {api('acme_user').token}"}, {}):
        response = client.open(f"/api/v1{path}", method="OPTIONS", headers=headers)
        assert response.status_code == 200
        assert set(response.headers["Allow"].split(", ")) == allowed


@pytest.mark.parametrize("method", ["TRACE", "PUT", "PATCH", "DELETE"])
def test_undeclared_methods_are_a_json_405_with_the_declared_methods(api, world, method):
    acme = api("acme_user")
    response = acme.call(method, "/deals")
    acme.error(response, 405, "method_not_allowed")
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "POST"}


@pytest.mark.parametrize("path", ["/nowhere", "/", "/deals/1/nowhere"])
def test_unknown_paths_are_a_json_404(api, world, path):
    acme = api("acme_user")
    acme.error(acme.get(path), 404, "not_found")
    acme.error(acme.call("TRACE", path), 404, "not_found")


def test_ids_beyond_the_integer_range_are_a_json_404(api, world):
    acme = api("acme_user")
    for path in ("/deals/99999999999", "/deals/" + "9" * 5000, "/partners/2147483648/balances"):
        acme.error(acme.get(path), 404, "not_found")
