"""Schemathesis against the served OpenAPI document on the live app: generated requests for
every operation never get a 500, and every answer matches the documented status codes,
content type and schema."""

from __future__ import annotations

import schemathesis
from flask import g
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from portal.extensions import db

from ..calc.conftest import load_program
from .conftest import PROGRAM

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = 12


def forget_user() -> None:
    """Requests share the test's app context: drop the user a previous request left in `g`
    (what tests.conftest.Client does for the Flask test client)."""
    g.pop("_login_user", None)


def fuzz(operation, headers: dict[str, str]) -> int:
    """Send generated requests for one operation; returns how many were sent."""
    sent = 0

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def check(case):
        nonlocal sent
        sent += 1
        forget_user()
        case.call_and_validate(headers=headers, checks=CHECKS)

    check()
    return sent


def test_generated_requests_conform_to_the_document(app, world, tokens, monkeypatch):
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", 100_000)
    load_program(PROGRAM, world["finance"])
    db.session.commit()
    forget_user()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    calls = 0
    for who in ("finance", "acme_user", "dach_manager"):
        for operation in operations:
            calls += fuzz(operation, {"Authorization": f"Bearer {tokens[who]}"})
    assert calls > 3 * len(operations)
