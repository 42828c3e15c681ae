"""Sales lines in bulk: the CSV importer's rules, all or nothing, idempotent by external_id."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import SaleLine


def line(n: int, **changes) -> dict:
    row = {
        "external_id": f"ERP-{n}",
        "partner_code": "ACME",
        "sku": "RTR-1",
        "sold_on": "2026-08-01",
        "quantity": "2",
        "amount": "199.90",
        "currency": "EUR",
    }
    return {**row, **changes}


def lines_in_db() -> int:
    return db.session.scalar(select(func.count()).select_from(SaleLine))


def test_ten_thousand_lines_in_one_request_then_idempotent(api, world):
    finance = api("finance")
    lines = [line(n, amount=f"{n}.50") for n in range(10_000)]
    created = finance.post("/sales-lines/bulk", json={"lines": lines})
    assert created.status_code == 200, created.get_json()
    assert finance.conforms(created, "SalesBulkResult") == {
        "rows_total": 10_000,
        "inserted": 10_000,
        "updated": 0,
        "unchanged": 0,
        "dry_run": False,
    }
    assert lines_in_db() == 10_000
    assert db.session.scalar(select(SaleLine.amount).where(SaleLine.external_id == "ERP-7")) == (
        Decimal("7.50")
    )
    again = finance.post("/sales-lines/bulk", json={"lines": lines[:5]}).get_json()
    assert (again["inserted"], again["unchanged"]) == (0, 5)
    restated = finance.post("/sales-lines/bulk", json={"lines": [line(3, amount="1.00")]})
    assert restated.get_json()["updated"] == 1
    assert lines_in_db() == 10_000


def test_one_bad_line_rejects_all_with_problems_by_index(api, world):
    finance = api("finance")
    lines = [
        line(1),
        line(2, partner_code="NOBODY"),
        line(3, sold_on="2026-13-01"),
        line(4, quantity="1", amount="-5"),
        line(1),
    ]
    response = finance.post("/sales-lines/bulk", json={"lines": lines})
    body = finance.error(response, 422, "import_rejected")
    found = {(d["index"], d["field"]) for d in body["error"]["details"]}
    assert {(1, "partner_code"), (2, "sold_on"), (3, "amount"), (4, "external_id")} <= found
    assert lines_in_db() == 0


def test_dry_run_counts_without_writing(api, world):
    finance = api("finance")
    response = finance.post("/sales-lines/bulk", json={"lines": [line(1)], "dry_run": True})
    assert response.get_json()["inserted"] == 1 and response.get_json()["dry_run"] is True
    assert lines_in_db() == 0


def test_cells_with_line_breaks_or_extra_fields_are_refused(api, world):
    finance = api("finance")
    broken = finance.post("/sales-lines/bulk", json={"lines": [line(1, sku="A\nB")]})
    finance.error(broken, 422, "validation_failed")
    extra = finance.post("/sales-lines/bulk", json={"lines": [line(1, price="3")]})
    assert finance.error(extra, 422)["error"]["details"][0]["field"] == "lines[0].price"
    assert lines_in_db() == 0
