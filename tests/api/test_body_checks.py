"""Bodies are checked by jsonschema against the published schemas; what the caller reads is
the API's own details: the field's path and the problem, in words that quote no Python."""

from __future__ import annotations

import time

import pytest

from portal.api.validation import body_problems, check_schema

from .conftest import deal_body
from .test_sales import line


def problems(response) -> list[dict]:
    return response.get_json()["error"]["details"]


@pytest.mark.parametrize(
    ("program_id", "problem"),
    [
        (1.0, "must be of type integer"),
        (True, "must be of type integer"),
        (None, "must be of type integer"),
        ("1", "must be of type integer"),
        (10**40, "must be at most 2147483647"),
        (0, "must be at least 1"),
    ],
)
def test_ids_are_json_integers_in_range(api, world, program_id, problem):
    finance = api("finance")
    refused = finance.post("/calc-runs", json={"program_id": program_id})
    finance.error(refused, 422, "validation_failed")
    assert problems(refused) == [{"field": "program_id", "problem": problem}]


def test_every_problem_names_its_path_in_plain_words(api, world):
    acme = api("acme_user")
    body = deal_body(
        customer_name="",
        country=["DE"],
        expected_close_on="2026-02-30",
        categories=["NET"] * 51,
        colour="red",
    )
    del body["currency"]
    refused = acme.post("/deals", json=body)
    acme.error(refused, 422, "validation_failed")
    assert problems(refused) == [
        {"field": "customer_name", "problem": "is too short"},
        {"field": "country", "problem": "must be of type string"},
        {"field": "expected_close_on", "problem": "is not a valid date"},
        {"field": "categories", "problem": "has too many items"},
        {"field": "currency", "problem": "is required"},
        {"field": "colour", "problem": "is not allowed"},
    ]


def test_nested_paths_and_enums(api, world):
    finance = api("finance")
    lines = [line(1), line(2, quantity=3, colour="red")]
    refused = finance.post("/sales-lines/bulk", json={"lines": lines, "dry_run": "no"})
    assert problems(refused) == [
        {"field": "lines[1].quantity", "problem": "must be of type string"},
        {"field": "lines[1].colour", "problem": "is not allowed"},
        {"field": "dry_run", "problem": "must be of type boolean"},
    ]
    manager = api("dach_manager")
    refused = manager.post("/deals/1/decision", json={"action": "maybe"})
    assert problems(refused) == [
        {"field": "action", "problem": "must be one of approve, reject, return"}
    ]


def test_a_body_of_the_wrong_type_is_named_as_the_body(api, world):
    acme = api("acme_user")
    refused = acme.post("/deals", json=["Initech"])
    assert problems(refused) == [{"field": "(body)", "problem": "must be of type object"}]


@pytest.mark.parametrize("text", ["Initech\\ud800", "Initech\\udfff GmbH"])
def test_text_that_cannot_be_stored_is_refused(api, world, text):
    acme = api("acme_user")
    raw = f'{{"customer_name": "{text}", "country": "DE", "estimated_value": "1", '
    raw += f'"currency": "EUR", "expected_close_on": "{deal_body()["expected_close_on"]}"}}'
    refused = acme.post("/deals", data=raw, content_type="application/json")
    acme.error(refused, 422, "validation_failed")
    assert problems(refused) == [
        {"field": "customer_name", "problem": "contains NUL or unpaired surrogates"}
    ]


def test_too_many_lines_are_refused_for_their_number_without_reading_each():
    one = line(1)
    started = time.perf_counter()
    found = body_problems({"lines": [one] * 1_000_000}, "SalesBulkRequest")
    assert found == [{"field": "lines", "problem": "has too many items"}]
    assert time.perf_counter() - started < 1


def test_problems_are_capped_and_quote_no_python():
    found = body_problems({"lines": [{"sku": None, "x": True}] * 300}, "SalesBulkRequest")
    assert len(found) == 200
    text = " ".join(f"{p['field']} {p['problem']}" for p in found)
    for python in ("None", "True", "'", "is a required property", "was unexpected"):
        assert python not in text


def test_a_schema_naming_an_unchecked_format_fails_at_start_up():
    check_schema({"type": "string", "format": "date"}, "fine")
    with pytest.raises(TypeError, match="format 'email'"):
        check_schema({"type": "object", "properties": {"a": {"format": "email"}}}, "Broken")
