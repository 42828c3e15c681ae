"""Hostile requests to the API get its usual error body, never a 500: bodies nested a thousand
levels deep, NUL in query strings, and methods a path does not declare (OPTIONS lists only the
declared ones; TRACE, PUT, PATCH, DELETE are a 405 with a correct Allow header)."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from portal.api.registry import OPERATIONS
from portal.models import DealRegistration
from portal.security import can

from .conftest import deal_body


def _nested(depth: int) -> str:
    return '{"customer_name": ' + "[" * depth + "]" * depth + "}"


WITH_BODY = [op for op in OPERATIONS if op.body]
HOSTILE_QUERY = ("\x00", "a\x00b", "9" * 40, "9" * 5000, "1e999", "NaN", "-0", "\ud800")


def _caller(world, perm):
    """Someone whose token passes the operation's permission check (it runs before the body)."""
    for who in ("acme_user", "dach_manager", "finance"):
        if can(world[who], perm):
            return who
    raise AssertionError(f"nobody in the world holds {perm}")


def _path(op) -> str:
    return re.sub(r"\{\w+\}", "1", op.path)


@pytest.mark.parametrize("op", WITH_BODY, ids=[op.operation_id for op in WITH_BODY])
@pytest.mark.parametrize("depth", [33, 1000, 100_000])
def test_bodies_nested_too_deeply_are_refused_before_parsing(api, world, db, op, depth):
    caller = api(_caller(world, op.perm))
    response = caller.call(
        op.method, _path(op), data=_nested(depth), content_type="application/json"
    )
    body = caller.error(response, 400, "invalid_json")
    assert "nested more than 32 levels" in body["error"]["message"]
    assert db.session.scalar(select(func.count(DealRegistration.id))) == 0


def test_every_operation_that_takes_a_body_is_checked():
    assert {op.operation_id for op in WITH_BODY} >= {
        "createDeal",
        "decideDeal",
        "submitClaim",
        "decideClaim",
        "startCalcRun",
        "createSaleLines",
    }


@pytest.mark.parametrize("op", OPERATIONS, ids=[op.operation_id for op in OPERATIONS])
def test_hostile_parameters_are_refused_in_json_never_a_500(api, world, op):
    caller = api(_caller(world, op.perm))
    for param in op.params:
        for value in HOSTILE_QUERY:
            encoded = quote(value, errors="surrogatepass")
            if param.location == "path":
                path = op.path.replace("{" + param.name + "}", encoded)
                response = caller.call(op.method, re.sub(r"\{\w+\}", "1", path), json={})
                caller.error(response, 400 if "\x00" in value else 404)
            else:
                response = caller.call(op.method, f"{_path(op)}?{param.name}={encoded}", json={})
                if "\x00" in value or param.schema.get("type") == "integer":
                    caller.error(response, 400)
                else:  # text parameters: any text is a search or a filter that matches nothing
                    assert response.status_code in (200, 400, 404), response.get_data(True)


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
