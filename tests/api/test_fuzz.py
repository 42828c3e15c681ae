"""Schemathesis against the served OpenAPI document on the live app: generated requests for
every operation never get a 500, and every answer matches the documented status codes,
content type and schema. Generated ids rarely name anything, so every read operation is also
called with the ids of real objects, which puts its success answer (a JSON body or a file)
through the same checks."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import schemathesis
import werkzeug
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from portal.api.services import deal_input
from portal.deals.services import save_deal
from portal.extensions import db
from portal.onboarding.uploads import CheckedUpload
from portal.payables.invoices import store_invoice
from workflows.calc import runs
from workflows.engine import parse_period
from workflows.payables import claims

from ..calc.conftest import execute_inline, load_program
from ..conftest import in_own_context
from .conftest import PROGRAM, deal_body, ranked_contest
from .test_authorization import exported_batch
from .test_claims import CLAIM_SPIF
from .test_mdf import mdf_objects

PDF = b"%PDF-1.4\n% a tiny invoice\n"

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = 12


class ClosingClient(werkzeug.Client):
    """Sends each request in its own context and reads and closes the answer there, as a WSGI
    server does: a file download holds its file open until then, and schemathesis' own client
    leaves that to the GC."""

    def open(self, *args, **kwargs):
        return in_own_context(super().open, *args, **{**kwargs, "buffered": True})


def fuzz(operation, headers: dict[str, str], session: ClosingClient) -> int:
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
        case.call_and_validate(session=session, headers=headers, checks=CHECKS)

    check()
    return sent


def real_objects(world, make) -> dict[str, int]:
    """One of each thing a read operation names by id, all visible to ACME's user."""
    make.fx("EUR", "1", date(2020, 1, 1))
    make.sale(world["acme"], world["router"], "2000", sold_on=date(2026, 8, 3))
    program = load_program(PROGRAM, world["finance"])
    run = runs.start_run(
        program, parse_period("2026-Q3"), actor=world["finance"], shards=1, on=date(2026, 10, 1)
    )
    execute_inline(run.id)
    claim = claims.submit_claim(
        world["acme"],
        load_program(CLAIM_SPIF, world["finance"]),
        actor=world["acme_user"],
        sale_reference="INV-1",
        sold_on=date(2026, 8, 3),
        amount=Decimal("100.00"),
        invoice=store_invoice(CheckedUpload(PDF, "invoice.pdf", "application/pdf", len(PDF))),
    )
    deal = save_deal(deal_input(deal_body()), actor=world["acme_user"], submit=True)
    db.session.commit()
    return {
        "partner_id": world["acme"].id,
        "territory_id": world["t"]["DACH"].id,
        "deal_id": deal.id,
        "claim_id": claim.id,
        "program_id": program.id,
        "run_id": run.id,
        "contest_id": ranked_contest(world, make, world["acme"]),
        **mdf_objects(world, "acme"),
        "batch_id": exported_batch(world["finance"]),
    }


def test_generated_requests_conform_to_the_document(app, world, tokens, make, monkeypatch):
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", 100_000)
    known = real_objects(world, make)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    ids = {operation.definition.raw["operationId"] for operation in operations}
    assert {"getMoneyBalances", "getClaimInvoice", "getPointsBalance", "createSaleLines"} <= ids
    assert {"getMdfFund", "getMdfRequest", "getMdfClaim", "submitMdfClaim"} <= ids
    session = ClosingClient(app)
    calls = 0
    statuses: dict[str, set[int]] = {}
    for who in ("finance", "acme_user", "dach_manager"):
        headers = {"Authorization": f"Bearer {tokens[who]}"}
        for operation in operations:
            calls += fuzz(operation, headers, session)
            if operation.method.upper() != "GET":
                continue
            names = [p.name for p in operation.path_parameters]
            case = operation.Case(path_parameters={name: known[name] for name in names})
            response = case.call_and_validate(session=session, headers=headers, checks=CHECKS)
            statuses.setdefault(operation.definition.raw["operationId"], set()).add(
                response.status_code
            )
    assert calls > 3 * len(operations)
    # every read operation answered 200 to someone allowed to see the real object
    assert {name for name, seen in statuses.items() if 200 not in seen} == set()
