"""The API checks values with the same rules as the pages and the imports: ISO countries and
currencies, printable names, sale dates within the configured window."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Claim, DealRegistration, SaleLine

from ..calc.conftest import load_program
from .conftest import deal_body
from .test_claims import PDF
from .test_sales import line

OPEN_SPIF = """
code: OPEN-SPIF
name: Claims without a fixed period
kind: spif
currency: EUR
tiers: {mode: retroactive, bands: [{from: 0, rate: 0}]}
claim_required: true
"""


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize(
    ("changes", "field", "problem"),
    [
        ({"country": "ZZ"}, "country", "ZZ is not a country: use an ISO 3166 code such as DE."),
        ({"country": "XX"}, "country", "XX is not a country: use an ISO 3166 code such as DE."),
        ({"country": "EU"}, "country", "EU is not a country: use an ISO 3166 code such as DE."),
        (
            {"currency": "XXX"},
            "currency",
            "XXX is not a currency: use an ISO 4217 code such as EUR.",
        ),
        (
            {"currency": "XTS"},
            "currency",
            "XTS is not a currency: use an ISO 4217 code such as EUR.",
        ),
        (
            {"currency": "XAU"},
            "currency",
            "XAU is not a currency: use an ISO 4217 code such as EUR.",
        ),
        (
            {"customer_name": "Initech\u202eHbmG"},
            "customer_name",
            "Remove the control character U+202E at position 8.",
        ),
        (
            {"customer_name": "Initech\x07"},
            "customer_name",
            "Remove the control character U+0007 at position 8.",
        ),
        (
            {"notes": "line one\n\u2066hidden\u2069"},
            "notes",
            "Remove the control character U+2066 at position 10.",
        ),
        (
            {"estimated_value": "12500.50", "currency": "HUF"},
            "estimated_value",
            "HUF amounts have at most 0 decimals.",
        ),
    ],
)
def test_deal_values_are_refused_as_the_page_refuses_them(api, world, changes, field, problem):
    acme = api("acme_user")
    body = acme.error(acme.post("/deals", json=deal_body(**changes)), 422, "deal_refused")
    assert body["error"]["details"] == [{"field": field, "problem": problem}]
    assert count(DealRegistration) == 0


def test_deal_names_are_stored_nfc_normalised_and_whole_forints_accepted(api, world):
    acme = api("acme_user")
    decomposed = "Cafe\u0301 Mu\u0308ller"
    created = acme.post(
        "/deals",
        json=deal_body(customer_name=decomposed, estimated_value="12500.00", currency="HUF"),
    )
    deal = acme.conforms(created, "DealRegistration")
    assert deal["customer_name"] == "Café Müller"
    assert (deal["estimated_value"], deal["currency"]) == ("12500.0000", "HUF")


def test_deal_close_date_beyond_the_window_is_refused(api, world, app):
    acme = api("acme_user")
    too_far = date.today() + timedelta(days=app.config["DEAL_CLOSE_MAX_DAYS_AHEAD"] + 1)
    body = acme.error(
        acme.post("/deals", json=deal_body(expected_close_on=too_far.isoformat())), 422
    )
    assert body["error"]["details"][0]["field"] == "expected_close_on"
    assert "is too late" in body["error"]["details"][0]["problem"]


@pytest.mark.parametrize(
    ("changes", "field", "problem"),
    [
        (
            {"currency": "BTC"},
            "currency",
            "BTC is not a currency: use an ISO 4217 code such as EUR.",
        ),
        (
            {"currency": "XXX"},
            "currency",
            "XXX is not a currency: use an ISO 4217 code such as EUR.",
        ),
        (
            {"sold_on": "1900-01-01"},
            "sold_on",
            "1900-01-01 is too early: the earliest date allowed is 2000-01-01.",
        ),
        (
            {"external_id": "ERP-\u202e1"},
            "external_id",
            "Remove the control character U+202E at position 5.",
        ),
    ],
)
def test_bulk_sales_refuse_what_the_csv_import_refuses(api, world, changes, field, problem):
    finance = api("finance")
    refused = finance.post("/sales-lines/bulk", json={"lines": [line(1), line(2, **changes)]})
    body = finance.error(refused, 422)
    assert body["error"]["details"] == [{"index": 1, "field": field, "problem": problem}]
    assert count(SaleLine) == 0


def test_bulk_sales_dated_beyond_the_window_are_refused(api, world, app):
    finance = api("finance")
    latest = date.today() + timedelta(days=app.config["SALE_DATE_MAX_DAYS_AHEAD"])
    ahead = (latest + timedelta(days=1)).isoformat()
    body = finance.error(
        finance.post("/sales-lines/bulk", json={"lines": [line(1, sold_on=ahead)]}), 422
    )
    assert body["error"]["details"] == [
        {
            "index": 0,
            "field": "sold_on",
            "problem": f"{ahead} is too late: the latest date allowed is {latest.isoformat()}.",
        }
    ]


@pytest.fixture
def open_spif(world):
    return load_program(OPEN_SPIF, world["finance"])


def claim_body(program, sold_on: str, **changes) -> dict:
    body = {
        "program_id": program.id,
        "sale_reference": "INV-1",
        "sold_on": sold_on,
        "amount": "100.00",
        "invoice": {
            "filename": "invoice.pdf",
            "content_type": "application/pdf",
            "content_base64": PDF,
        },
    }
    return {**body, **changes}


@pytest.mark.parametrize(
    ("sold_on", "problem"),
    [
        ("1900-01-01", "1900-01-01 is too early: the earliest date allowed is 2000-01-01."),
        ("2099-01-01", "2099-01-01 is too late: the latest date allowed is {today}."),
        ("{tomorrow}", "{tomorrow} is too late: the latest date allowed is {today}."),
    ],
)
def test_claimed_sales_lie_between_the_earliest_date_and_today(
    api, world, open_spif, sold_on, problem
):
    today, tomorrow = date.today().isoformat(), (date.today() + timedelta(days=1)).isoformat()
    sold_on = sold_on.format(tomorrow=tomorrow)
    acme = api("acme_user")
    refused = acme.post("/claims", json=claim_body(open_spif, sold_on))
    body = acme.error(refused, 422, "claim_refused")
    assert body["error"]["message"] == problem.format(today=today, tomorrow=tomorrow)
    assert count(Claim) == 0
    accepted = acme.post("/claims", json=claim_body(open_spif, today))
    assert accepted.status_code == 201, accepted.get_json()


def test_claim_references_with_direction_overrides_are_refused(api, world, open_spif):
    acme = api("acme_user")
    body = claim_body(open_spif, date.today().isoformat(), sale_reference="INV\u202e1")
    refused = acme.error(acme.post("/claims", json=body), 422, "claim_refused")
    assert refused["error"]["message"] == "Remove the control character U+202E at position 4."
    assert count(Claim) == 0
