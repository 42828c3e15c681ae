"""Sales lines: staged, checked set-based, merged by external_id (never double counted)."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.models import AuditEvent, ImportBatch, SaleLine, SalesMonthly
from workflows.imports import errors as e

from .helpers import HEADERS, only_error

SALES = HEADERS["sales"]
WITH_DEALS = SALES + ",deal_ref"
GOOD = "S1,ACME,SW-1,2026-07-01,2,100.50,EUR"


def stored(db) -> dict[str, tuple]:
    lines = db.session.scalars(select(SaleLine).order_by(SaleLine.external_id))
    return {
        s.external_id: (s.partner.code, s.product.sku, s.sold_on, s.quantity, s.amount, s.currency)
        for s in lines
    }


def test_lines_are_imported_exactly(run, db, world):
    result = run(
        "sales",
        SALES,
        GOOD,
        "S2,BETA,SW-1,2026-09-30,0.0001,-0,JPY",
        "S3,BETA,SW-1,2026-08-01,-1,-99999999999999.9999,EUR",
    )
    assert (result.ok, result.rows_total, result.inserted) == (True, 3, 3)
    assert stored(db) == {
        "S1": ("ACME", "SW-1", date(2026, 7, 1), Decimal("2"), Decimal("100.5"), "EUR"),
        "S2": ("BETA", "SW-1", date(2026, 9, 30), Decimal("0.0001"), Decimal("0"), "JPY"),
        "S3": (
            "BETA",
            "SW-1",
            date(2026, 8, 1),
            Decimal(-1),
            Decimal("-99999999999999.9999"),
            "EUR",
        ),
    }
    total = db.session.scalar(select(func.sum(SaleLine.amount)))
    assert total == Decimal("-99999999999899.4999")


def test_same_file_twice_never_double_counts(run, db, world):
    lines = [SALES, GOOD, "S2,BETA,SW-1,2026-07-02,1,10,EUR"]
    run("sales", *lines)
    again = run("sales", *lines)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)
    assert db.session.scalar(select(func.count()).select_from(SaleLine)) == 2


def test_changed_content_is_a_restatement(run, db, world):
    first = run("sales", SALES, GOOD, "S2,BETA,SW-1,2026-07-02,1,10,EUR")
    restated = run(
        "sales", SALES, GOOD.replace("100.50", "120.00"), "S3,BETA,SW-1,2026-07-03,1,5,EUR"
    )
    assert (restated.inserted, restated.updated, restated.unchanged) == (1, 1, 0)
    assert stored(db)["S1"][4] == Decimal("120")
    assert len(stored(db)) == 3 and first.ok


def test_deal_ref_is_stored_as_given_and_part_of_the_content(run, db, world):
    run("sales", WITH_DEALS, GOOD + ",DR-7", "S2,BETA,SW-1,2026-07-02,1,10,EUR,")
    refs = dict(db.session.execute(select(SaleLine.external_id, SaleLine.deal_ref)).all())
    assert refs == {"S1": "DR-7", "S2": None}
    again = run("sales", WITH_DEALS, GOOD + ",DR-8", "S2,BETA,SW-1,2026-07-02,1,10,EUR,")
    assert (again.updated, again.unchanged) == (1, 1)


def test_dry_run_counts_without_writing(run, db, world):
    run("sales", SALES, GOOD)
    result = run(
        "sales",
        SALES,
        GOOD.replace("2,100.50", "3,150"),
        "S9,BETA,SW-1,2026-07-02,1,1,EUR",
        dry_run=True,
    )
    assert (result.ok, result.inserted, result.updated, result.unchanged) == (True, 1, 1, 0)
    assert stored(db) == {"S1": ("ACME", "SW-1", date(2026, 7, 1), 2, Decimal("100.5"), "EUR")}


def test_batch_records_outcome_and_lines_point_to_it(run, db, world):
    batch = ImportBatch(kind="sales", filename="q3.csv")
    db.session.add(batch)
    db.session.flush()
    result = run("sales", SALES, GOOD, batch=batch)
    assert result.filename == "q3.csv"
    assert (batch.status, batch.rows_total, batch.inserted, batch.errors) == ("done", 1, 1, None)
    assert batch.finished_at is not None
    assert db.session.scalar(select(SaleLine.import_batch_id)) == batch.id


def test_rejected_file_marks_the_batch_failed_with_translatable_errors(run, db, world):
    batch = ImportBatch(kind="sales", filename="bad.csv")
    db.session.add(batch)
    db.session.flush()
    run("sales", SALES, GOOD, "S2,NOPE,SW-1,2026-07-01,1,1,EUR", batch=batch)
    assert batch.status == "failed"
    assert batch.errors == [
        {
            "row": 3,
            "column": "partner_code",
            "message": e.UNKNOWN_PARTNER,
            "params": {"value": "NOPE"},
        }
    ]
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "import.sales")).one()
    assert (event.object_type, event.object_id) == ("import_batches", str(batch.id))
    assert event.after["ok"] is False and event.after["errors"] == 1


BAD_ROWS = [
    ("S2,NOPE,SW-1,2026-07-01,1,10,EUR", "partner_code", e.UNKNOWN_PARTNER, {"value": "NOPE"}),
    ("S2,ACME,NOPE,2026-07-01,1,10,EUR", "sku", e.UNKNOWN_PRODUCT, {"value": "NOPE"}),
    (
        "S1,ACME,SW-1,2026-07-02,1,10,EUR",
        "external_id",
        e.DUPLICATE_KEY,
        {"value": "S1", "first": 2},
    ),
    (",ACME,SW-1,2026-07-01,1,10,EUR", "external_id", e.REQUIRED, {}),
    (
        "S" * 129 + ",ACME,SW-1,2026-07-01,1,10,EUR",
        "external_id",
        e.TOO_LONG,
        {"length": 129, "max": 128},
    ),
    ("S2,,SW-1,2026-07-01,1,10,EUR", "partner_code", e.REQUIRED, {}),
    ("S2,ACME,SW-1,2026-02-30,1,10,EUR", "sold_on", e.BAD_DATE, {"value": "2026-02-30"}),
    ("S2,ACME,SW-1,01/07/2026,1,10,EUR", "sold_on", e.BAD_DATE, {"value": "01/07/2026"}),
    ("S2,ACME,SW-1,2026-7-1,1,10,EUR", "sold_on", e.BAD_DATE, {"value": "2026-7-1"}),
    ("S2,ACME,SW-1,,1,10,EUR", "sold_on", e.REQUIRED, {}),
    ('S2,ACME,SW-1,2026-07-01,1,"10,50",EUR', "amount", e.BAD_NUMBER, {"value": "10,50"}),
    ("S2,ACME,SW-1,2026-07-01,1,ten,EUR", "amount", e.BAD_NUMBER, {"value": "ten"}),
    ("S2,ACME,SW-1,2026-07-01,1,1e3,EUR", "amount", e.BAD_NUMBER, {"value": "1e3"}),
    ("S2,ACME,SW-1,2026-07-01,1,+5,EUR", "amount", e.BAD_NUMBER, {"value": "+5"}),
    (
        "S2,ACME,SW-1,2026-07-01,1,10.00001,EUR",
        "amount",
        e.TOO_PRECISE,
        {"value": "10.00001", "places": 4},
    ),
    (
        "S2,ACME,SW-1,2026-07-01,1.23456,10,EUR",
        "quantity",
        e.TOO_PRECISE,
        {"value": "1.23456", "places": 4},
    ),
    (
        "S2,ACME,SW-1,2026-07-01,1,100000000000000,EUR",
        "amount",
        e.TOO_LARGE,
        {"value": "100000000000000"},
    ),
    ("S2,ACME,SW-1,2026-07-01,,10,EUR", "quantity", e.REQUIRED, {}),
    (
        "S2,ACME,SW-1,2026-07-01,2,-10,EUR",
        "amount",
        e.MIXED_SIGNS,
        {"quantity": "2", "amount": "-10"},
    ),
    (
        "S2,ACME,SW-1,2026-07-01,-2,10,EUR",
        "amount",
        e.MIXED_SIGNS,
        {"quantity": "-2", "amount": "10"},
    ),
    ("S2,ACME,SW-1,2026-07-01,1,10,eur", "currency", e.BAD_CURRENCY, {"value": "eur"}),
    ("S2,ACME,SW-1,2026-07-01,1,10,EU", "currency", e.BAD_CURRENCY, {"value": "EU"}),
    ("S2,ACME,SW-1,2026-07-01,1,10,", "currency", e.REQUIRED, {}),
    ("S2,ACME,SW-1,2026-07-01,1,10,BTC", "currency", e.BAD_CURRENCY, {"value": "BTC"}),
    ("S2,ACME,SW-1,2026-07-01,1,10,XXX", "currency", e.BAD_CURRENCY, {"value": "XXX"}),
    ("S2,ACME,SW-1,2026-07-01,1,10,XTS", "currency", e.BAD_CURRENCY, {"value": "XTS"}),
    ("S2,ACME,SW-1,2026-07-01,1,10,XAU", "currency", e.BAD_CURRENCY, {"value": "XAU"}),
    (
        "S2,ACME,SW-1,1900-01-01,1,10,EUR",
        "sold_on",
        e.TOO_EARLY,
        {"value": "1900-01-01", "earliest": "2000-01-01"},
    ),
    (
        "S2\u202e,ACME,SW-1,2026-07-01,1,10,EUR",
        "external_id",
        e.BAD_CHARACTER,
        {"char": "U+202E", "position": 3},
    ),
    (
        "S2,ACME\x00,SW-1,2026-07-01,1,10,EUR",
        "partner_code",
        e.BAD_CHARACTER,
        {"char": "U+0000", "position": 5},
    ),
]


@pytest.mark.parametrize(("bad_row", "column", "message", "params"), BAD_ROWS)
def test_one_bad_line_imports_nothing(run, db, world, bad_row, column, message, params):
    error = only_error(run("sales", SALES, GOOD, bad_row))
    assert (error.row, error.column, error.message, error.params) == (3, column, message, params)
    assert stored(db) == {}


def test_over_long_deal_ref(run, db, world):
    error = only_error(run("sales", WITH_DEALS, GOOD + "," + "D" * 65))
    assert (error.row, error.column, error.message) == (2, "deal_ref", e.TOO_LONG)


@pytest.mark.parametrize(
    ("quantity", "amount"), [("-1", "-10"), ("0", "-10"), ("-1", "0"), ("0", "0"), ("3", "0")]
)
def test_returns_and_zero_lines_are_accepted(run, db, world, quantity, amount):
    result = run("sales", SALES, f"R1,ACME,SW-1,2026-07-01,{quantity},{amount},EUR")
    assert result.ok
    assert stored(db)["R1"][3:5] == (Decimal(quantity), Decimal(amount))


def test_every_bad_row_is_reported_in_file_order(run, db, world):
    result = run(
        "sales",
        SALES,
        "S1,NOPE,SW-1,2026-07-01,1,10,EUR",
        GOOD.replace("S1", "S2"),
        "S3,ACME,GONE,2026-13-01,1,10,EUR",
        "S1,ACME,SW-1,2026-07-01,1,x,EUR",
    )
    assert [(err.row, err.column) for err in result.errors] == [
        (2, "partner_code"),
        (4, "sku"),
        (4, "sold_on"),
        (5, "external_id"),
        (5, "amount"),
    ]
    assert stored(db) == {}


def test_error_cap_counts_set_based_errors_too(app, run, world, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_MAX_ERRORS", 2)
    lines = [f"S{i},NOPE,SW-1,2026-07-01,1,10,EUR" for i in range(5)]
    result = run("sales", SALES, *lines)
    assert result.error_count == 5
    assert [err.row for err in result.errors] == [2, 3, None]
    assert result.errors[-1].params == {"count": 3}


def test_script_in_a_code_stays_data(run, world):
    error = only_error(run("sales", SALES, "S1,<script>alert(1)</script>,SW-1,2026-07-01,1,1,EUR"))
    assert error.params == {"value": "<script>alert(1)</script>"}


def test_deal_ref_of_another_partners_registration_is_refused(run, db, make, world):
    from portal.models import DealRegistration

    author = make.user("partner_user", partner=world["beta"])
    db.session.add(
        DealRegistration(
            reference="DR-2026-000001",
            partner_id=world["beta"].id,
            submitted_by_id=author.id,
            state="approved",
            customer_name="Client",
            customer_key="client",
            country="FR",
            estimated_value=Decimal("1000"),
            currency="EUR",
            expected_close_on=date(2026, 9, 1),
        )
    )
    db.session.flush()
    refused = run("sales", WITH_DEALS, GOOD + ",dr-2026-000001")
    error = only_error(refused)
    assert (error.row, error.column) == (2, "deal_ref")
    assert error.params == {"deal_ref": "DR-2026-000001", "owner": "BETA", "partner": "ACME"}
    assert db.session.scalar(select(func.count()).select_from(SaleLine)) == 0
    accepted = run("sales", WITH_DEALS, "S9,BETA,SW-1,2026-07-01,1,10,EUR,dr-2026-000001")
    assert accepted.ok and accepted.inserted == 1
    # Stored as the registration's reference, so "registered deals only" programs find it.
    assert db.session.scalar(select(SaleLine.deal_ref)) == "DR-2026-000001"


def test_an_import_names_the_months_it_leaves_for_the_roll_up_to_rebuild(run, db, world):
    # new lines only: their sums joined the roll-up in the import's transaction
    first = run("sales", SALES, GOOD, "S2,BETA,SW-1,2026-08-31,1,10,EUR")
    assert first.stale_months == frozenset()
    assert db.session.scalar(select(func.sum(SalesMonthly.line_count))) == 2
    # the same file again changes nothing, so the roll-up needs no rebuild at all
    again = run("sales", SALES, GOOD, "S2,BETA,SW-1,2026-08-31,1,10,EUR")
    assert again.stale_months == frozenset()
    # a line restated from August into September leaves its months (and the file's) to rebuild
    moved = run("sales", SALES, GOOD, "S2,BETA,SW-1,2026-09-01,1,10,EUR")
    assert moved.stale_months == {date(2026, 7, 1), date(2026, 8, 1), date(2026, 9, 1)}
    assert run("sales", SALES, GOOD, dry_run=True).stale_months is None
    assert run("sales", SALES, "S9,NOBODY,SW-1,2026-09-01,1,10,EUR").stale_months is None


@pytest.mark.postgres
def test_new_lines_take_their_ids_from_the_sequence_in_one_block(run, db, world, make):
    """An import numbers its new lines itself from a block of ids taken at once: consecutive,
    above every earlier line, and the sequence goes on after the block."""
    run("sales", SALES, GOOD, "S2,BETA,SW-1,2026-07-02,1,10,EUR")
    later = run(
        "sales",
        SALES,
        GOOD,
        "S3,ACME,SW-1,2026-07-03,1,10,EUR",
        *(f"S{n},BETA,SW-1,2026-07-04,1,10,EUR" for n in range(4, 7)),
    )
    assert (later.inserted, later.unchanged) == (4, 1)
    ids = dict(db.session.execute(select(SaleLine.external_id, SaleLine.id)).all())
    new = sorted(ids[f"S{n}"] for n in range(3, 7))
    first = new[0]
    assert new == list(range(first, first + 4))
    assert first > max(ids["S1"], ids["S2"])
    nextval = db.session.scalar(select(func.nextval("sale_lines_id_seq")))
    assert nextval > first + 3
