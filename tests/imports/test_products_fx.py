"""Products (into existing categories) and FX rates (effective-dated, exact to 10 decimals)."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.models import FxRate, Product
from workflows.imports import errors as e

from .helpers import HEADERS, only_error

PRODUCTS = HEADERS["products"]
FX = HEADERS["fx"]


def test_products_upsert_by_sku(run, make, db):
    net, sec = make.category("NET"), make.category("SEC")
    result = run("products", PRODUCTS, "SW-1,Switch,NET", "FW-1,Firewall,SEC")
    assert (result.inserted, result.updated, result.unchanged) == (2, 0, 0)
    result = run("products", PRODUCTS, "SW-1,Switch,NET", "FW-1,Firewall 2,NET")
    assert (result.inserted, result.updated, result.unchanged) == (0, 1, 1)
    firewall = db.session.scalars(select(Product).where(Product.sku == "FW-1")).one()
    assert (firewall.name, firewall.category_id) == ("Firewall 2", net.id)
    assert sec.id != net.id


@pytest.mark.parametrize(
    ("bad_row", "column", "message", "params"),
    [
        ("FW-1,Firewall,NOPE", "category_code", e.UNKNOWN_CATEGORY, {"value": "NOPE"}),
        ("SW-1,Again,NET", "sku", e.DUPLICATE_KEY, {"value": "SW-1", "first": 2}),
        ("FW-1,,NET", "name", e.REQUIRED, {}),
        ("FW-1,Firewall,", "category_code", e.REQUIRED, {}),
    ],
)
def test_one_bad_product_imports_nothing(run, make, rows_of, bad_row, column, message, params):
    make.category("NET")
    error = only_error(run("products", PRODUCTS, "SW-1,Switch,NET", bad_row))
    assert (error.row, error.column, error.message, error.params) == (3, column, message, params)
    assert rows_of(Product) == 0


def test_fx_rates_are_exact_and_ranges_closed(run, db):
    result = run(
        "fx",
        FX,
        "EUR,1.0850000001,2026-07-01",
        "JPY,0.0068123456,2026-07-01",
        "EUR,1.09,2026-07-08",
    )
    assert (result.ok, result.inserted) == (True, 3)
    rates = db.session.execute(
        select(FxRate.currency, FxRate.valid_from, FxRate.valid_to, FxRate.rate).order_by(
            FxRate.currency, FxRate.valid_from
        )
    ).all()
    assert [tuple(r) for r in rates] == [
        ("EUR", date(2026, 7, 1), date(2026, 7, 8), Decimal("1.0850000001")),
        ("EUR", date(2026, 7, 8), None, Decimal("1.09")),
        ("JPY", date(2026, 7, 1), None, Decimal("0.0068123456")),
    ]


def test_fx_reimport_is_unchanged_and_a_corrected_rate_updates(run, db):
    run("fx", FX, "EUR,1.08,2026-07-01", "EUR,1.09,2026-07-08")
    again = run("fx", FX, "EUR,1.0800,2026-07-01", "EUR,1.09,2026-07-08")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)
    corrected = run("fx", FX, "EUR,1.07,2026-07-01", "EUR,1.10,2026-07-15")
    assert (corrected.inserted, corrected.updated, corrected.unchanged) == (1, 1, 0)
    valid_to = db.session.scalars(
        select(FxRate.valid_to).where(FxRate.currency == "EUR").order_by(FxRate.valid_from)
    ).all()
    assert valid_to == [date(2026, 7, 8), date(2026, 7, 15), None]


@pytest.mark.parametrize(
    ("bad_row", "column", "message", "params"),
    [
        ("eur,1.1,2026-07-08", "currency", e.BAD_CURRENCY, {"value": "eur"}),
        ("EURO,1.1,2026-07-08", "currency", e.BAD_CURRENCY, {"value": "EURO"}),
        ("BTC,1.1,2026-07-08", "currency", e.BAD_CURRENCY, {"value": "BTC"}),
        (
            "EUR,1.1,1999-12-31",
            "valid_from",
            e.TOO_EARLY,
            {"value": "1999-12-31", "earliest": "2000-01-01"},
        ),
        ("USD,1,2026-07-08", "currency", e.BASE_CURRENCY, {"value": "USD"}),
        ("EUR,0,2026-07-08", "rate", e.NOT_POSITIVE, {"value": "0"}),
        ("EUR,-1.1,2026-07-08", "rate", e.NOT_POSITIVE, {"value": "-1.1"}),
        (
            "EUR,1.00000000001,2026-07-08",
            "rate",
            e.TOO_PRECISE,
            {"value": "1.00000000001", "places": 10},
        ),
        ("EUR,1e3,2026-07-08", "rate", e.BAD_NUMBER, {"value": "1e3"}),
        ("EUR,NaN,2026-07-08", "rate", e.BAD_NUMBER, {"value": "NaN"}),
        ("EUR,,2026-07-08", "rate", e.REQUIRED, {}),
        ("EUR,123456789,2026-07-08", "rate", e.TOO_LARGE, {"value": "123456789"}),
        ("EUR,1.1,08/07/2026", "valid_from", e.BAD_DATE, {"value": "08/07/2026"}),
        ("EUR,1.1,20260708", "valid_from", e.BAD_DATE, {"value": "20260708"}),
        (
            "EUR,1.2,2026-07-01",
            "valid_from",
            e.DUPLICATE_KEY,
            {"value": "EUR 2026-07-01", "first": 2},
        ),
    ],
)
def test_one_bad_rate_imports_nothing(run, rows_of, bad_row, column, message, params):
    error = only_error(run("fx", FX, "EUR,1.1,2026-07-01", bad_row))
    assert (error.row, error.column, error.message, error.params) == (3, column, message, params)
    assert rows_of(FxRate) == 0
