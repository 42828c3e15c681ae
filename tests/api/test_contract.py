"""Each endpoint: status codes and bodies that validate against the served OpenAPI schemas."""

from __future__ import annotations

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from portal.api.registry import OPERATIONS, check_declarations
from portal.extensions import db
from portal.models import CalcRun, DealRegistration

from ..calc.conftest import execute_inline, load_program
from .conftest import PROGRAM, deal_body


def test_every_declared_schema_is_valid_and_every_operation_names_known_ones(app):
    # Checked here rather than each time the portal starts: JSON Schema validation of every
    # declaration cost each command and worker start half a second.
    check_declarations()


def test_openapi_document_describes_every_operation(client, openapi):
    assert openapi["openapi"] == "3.1.0"
    assert openapi["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    served = {(m.upper(), p) for p, item in openapi["paths"].items() for m in item}
    assert served == {(op.method, op.path) for op in OPERATIONS}
    files = {op.operation_id: op.files for op in OPERATIONS if op.files}
    assert files == {
        "getClaimInvoice": ("application/pdf", "image/png", "image/jpeg"),
        "getPayoutBatchFile": ("application/xml", "text/csv"),
    }
    for item in openapi["paths"].values():
        for op in item.values():
            for status, response in op["responses"].items():
                if status.startswith("2") and op["operationId"] in files:
                    assert set(response["content"]) == set(files[op["operationId"]])
                    assert "Content-Disposition" in response["headers"]
                    continue
                ref = response["content"]["application/json"]["schema"]["$ref"]
                assert ref.rsplit("/", 1)[-1] in openapi["components"]["schemas"]


def test_reference_page_is_rendered_from_the_document(client, openapi):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<script src="http' not in html and "cdn" not in html.lower()
    for path in openapi["paths"]:
        assert path in html
    assert 'id="schema-DealRegistration"' in html


def test_partners_list_and_read(api, world):
    acme = api("acme_user")
    page = acme.conforms(acme.get("/partners"), "PartnerPage")
    assert [p["code"] for p in page["items"]] == ["ACME"]
    assert page["items"][0]["territory"] == "DACH" and page["items"][0]["tier"] == "gold"
    one = acme.get(f"/partners/{world['acme'].id}")
    assert one.status_code == 200 and acme.conforms(one, "Partner")["code"] == "ACME"
    finance = api("finance")
    searched = finance.conforms(finance.get("/partners?q=bet"), "PartnerPage")
    assert [p["code"] for p in searched["items"]] == ["BETA"]


def test_territories_list_and_read(api, world):
    manager = api("dach_manager")
    page = manager.conforms(manager.get("/territories"), "TerritoryPage")
    assert [t["code"] for t in page["items"]] == ["DACH"]
    one = manager.get(f"/territories/{world['t']['DACH'].id}")
    assert manager.conforms(one, "Territory")["code"] == "DACH"
    finance = api("finance")
    assert len(finance.get("/territories").get_json()["items"]) == 5


def test_deal_create_read_list_and_decide(api, world):
    acme = api("acme_user")
    created = acme.post("/deals", json=deal_body())
    assert created.status_code == 201, created.get_json()
    deal = acme.conforms(created, "DealRegistration")
    assert deal["state"] == "submitted" and deal["reference"].startswith("DR-")
    assert deal["estimated_value"] == "12500.0000" or deal["estimated_value"].startswith("12500")
    assert created.headers["Location"].endswith(f"/api/v1/deals/{deal['id']}")
    assert acme.conforms(acme.get(f"/deals/{deal['id']}"), "DealRegistration")["id"] == deal["id"]

    draft = acme.post("/deals", json=deal_body(customer_name="Globex", submit=False))
    assert draft.get_json()["state"] == "draft"
    listed = acme.conforms(acme.get("/deals?state=submitted"), "DealRegistrationPage")
    assert [d["id"] for d in listed["items"]] == [deal["id"]]

    manager = api("dach_manager")
    decided = manager.post(f"/deals/{deal['id']}/decision", json={"action": "approve"})
    assert decided.status_code == 200, decided.get_json()
    assert manager.conforms(decided, "DealRegistration")["state"] == "approved"
    again = manager.post(f"/deals/{deal['id']}/decision", json={"action": "reject"})
    manager.error(again, 409, "deal_refused")


def test_deal_filters_by_partner_and_update_time(api, world):
    acme, finance = api("acme_user"), api("finance")
    deal = acme.post("/deals", json=deal_body()).get_json()
    beta = api("beta_user").post("/deals", json=deal_body(customer_name="Umbrella")).get_json()
    by_partner = finance.get(f"/deals?partner_id={world['beta'].id}").get_json()
    assert [d["id"] for d in by_partner["items"]] == [beta["id"]]
    since = finance.get("/deals", query_string={"updated_since": deal["updated_at"]}).get_json()
    assert {d["id"] for d in since["items"]} == {deal["id"], beta["id"]}
    later = finance.get("/deals", query_string={"updated_since": "2999-01-01T00:00:00+00:00"})
    assert later.get_json()["items"] == []
    finance.error(finance.get("/deals?updated_since=yesterday"), 400, "invalid_parameter")
    finance.error(finance.get("/deals?state=nonsense"), 400, "invalid_parameter")


def test_deal_business_rules_answer_422_with_the_field(api, world):
    acme = api("acme_user")
    past = acme.post("/deals", json=deal_body(expected_close_on="2020-01-01"))
    body = acme.error(past, 422, "deal_refused")
    assert body["error"]["details"][0]["field"] == "expected_close_on"
    unknown = acme.post("/deals", json=deal_body(categories=["NOPE"]))
    assert acme.error(unknown, 422)["error"]["details"][0]["field"] == "categories"
    shape = acme.post("/deals", json={"customer_name": 5})
    fields = {d["field"] for d in acme.error(shape, 422, "validation_failed")["error"]["details"]}
    assert {"customer_name", "country", "currency"} <= fields


def test_reject_needs_a_reason_and_maker_checker_holds(api, world, make):
    acme = api("acme_user")
    deal = acme.post("/deals", json=deal_body()).get_json()
    manager = api("dach_manager")
    refused = manager.post(f"/deals/{deal['id']}/decision", json={"action": "reject"})
    assert manager.error(refused, 422)["error"]["details"][0]["field"] == "reason"
    rejected = manager.post(
        f"/deals/{deal['id']}/decision", json={"action": "reject", "reason": "not_qualified"}
    )
    assert rejected.get_json()["state"] == "rejected"
    row = db.session.get(DealRegistration, deal["id"])
    assert row.rejection_reason == "not_qualified"


def test_programs_and_calculation_runs(api, world, make):
    make.sale(world["acme"], world["router"], "2000", sold_on=make_date(2026, 8, 3))
    make.fx("EUR", "1", make_date(2020, 1, 1))
    program = load_program(PROGRAM, world["finance"])
    finance = api("finance")
    page = finance.conforms(finance.get("/programs"), "ProgramPage")
    assert [p["code"] for p in page["items"]] == ["API-VOL"]
    one = finance.conforms(finance.get(f"/programs/{program.id}"), "Program")
    assert one["spec"]["code"] == "API-VOL"

    started = finance.post("/calc-runs", json={"program_id": program.id, "period": "2026-Q3"})
    assert started.status_code == 202, started.get_json()
    run = finance.conforms(started, "CalcRun")
    assert run["status"] == "queued" and run["percent"] == 0
    assert finance.conforms(finance.get("/calc-runs"), "CalcRunPage")["items"][0]["id"] == run["id"]
    assert finance.get(f"/calc-runs/{run['id']}/results").get_json()["items"] == []

    execute_inline(run["id"])
    status = finance.conforms(finance.get(f"/calc-runs/{run['id']}"), "CalcRun")
    assert status["status"] == "done" and status["percent"] == 100
    results = finance.conforms(finance.get(f"/calc-runs/{run['id']}/results"), "CalcResultPage")
    assert [(r["payee_code"], r["amount"]) for r in results["items"]] == [("ACME", "40.0000")]
    assert db.session.get(CalcRun, run["id"]).status == "done"


def test_calc_run_refusals(api, world):
    program = load_program(PROGRAM, world["finance"])
    finance = api("finance")
    bad = finance.post("/calc-runs", json={"program_id": program.id, "period": "someday"})
    finance.error(bad, 422, "run_refused")
    finance.error(finance.post("/calc-runs", json={"program_id": 999999}), 422)
    finance.error(finance.get("/calc-runs/999999"), 404)


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/nowhere", 404, "not_found"),
        ("DELETE", "/deals", 405, "method_not_allowed"),
        ("GET", "/deals/abc", 404, "not_found"),
        ("GET", "/deals?cursor=%%%", 400, "invalid_parameter"),
        ("GET", "/deals?limit=0", 400, "invalid_parameter"),
    ],
)
def test_errors_are_json_with_a_stable_shape(api, world, method, path, status, code):
    acme = api("acme_user")
    acme.error(acme.call(method, path), status, code)


def test_bodies_that_are_not_json(api, world):
    acme = api("acme_user")
    text = acme.call("POST", "/deals", data="hello", content_type="text/plain")
    acme.error(text, 415, "unsupported_media_type")
    broken = acme.call("POST", "/deals", data="{nope", content_type="application/json")
    acme.error(broken, 400, "invalid_json")


def test_oversized_bodies_are_413(api, world, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1000)
    finance = api("finance")
    lines = [{"external_id": "x" * 100}] * 20
    finance.error(finance.post("/sales-lines/bulk", json={"lines": lines}), 413)


def make_date(*parts):
    from datetime import date

    return date(*parts)


def test_unexpected_errors_are_a_json_500_without_internals(api, world, app, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    monkeypatch.setattr("portal.api.routes.reference.current_assignments", broken)
    acme = api("acme_user")
    response = acme.get("/partners")
    acme.error(response, 500, "internal_error")
    assert "secret internals" not in response.get_data(as_text=True)


def test_program_pages_show_current_specs_without_a_query_per_program(api, world):
    load_program(PROGRAM, world["finance"])
    second = load_program(PROGRAM.replace("API-VOL", "API-VOL-2"), world["finance"])
    load_program(
        PROGRAM.replace("API-VOL", "API-VOL-2").replace("API volume rebate", "Renamed"),
        world["finance"],
    )
    assert second.current_version == 2
    finance = api("finance")

    def page(limit: int) -> tuple[list, int]:
        statements = []
        record = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(Engine, "before_cursor_execute", record)
        try:
            body = finance.conforms(finance.get(f"/programs?limit={limit}"), "ProgramPage")
        finally:
            event.remove(Engine, "before_cursor_execute", record)
        return body["items"], len(statements)

    page(1)  # the token's first use of the minute also stamps last_used_at
    _one, queries_for_one = page(1)
    both, queries_for_two = page(2)
    assert [p["spec"]["name"] for p in both] == ["API volume rebate", "Renamed"]
    assert [p["current_version"] for p in both] == [1, 2]
    assert queries_for_two == queries_for_one
