"""Money balances through the API: accrued, approved and paid per program and currency, the
same figures the partner dashboard shows, exact on every database and scoped like the pages."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from portal.models import CalcRun, Program
from tests.banking.accounts import one_batch
from workflows.calc import runs, settlement
from workflows.engine import parse_period
from workflows.payables import balances, batches, claims
from workflows.payables.claims import Invoice

from ..calc.conftest import execute_inline, load_program
from .conftest import PROGRAM
from .test_claims import CLAIM_SPIF

Q3 = parse_period("2026-Q3")
AFTER_Q3 = date(2026, 10, 15)
INVOICE = Invoice("invoice.pdf", "0" * 32 + ".pdf", "application/pdf", 1234)


def _run(program: Program, kind: str, actor) -> int:
    run = runs.start_run(program, Q3, kind=kind, actor=actor, shards=1, on=AFTER_Q3)
    execute_inline(run.id)
    return run.id


def _approved_claim(world, program: Program, reference: str, amount: str) -> None:
    claim = claims.submit_claim(
        world["acme"],
        program,
        actor=world["acme_user"],
        sale_reference=reference,
        sold_on=date(2026, 8, 3),
        amount=Decimal(amount),
        invoice=INVOICE,
    )
    claims.approve_claim(claim, actor=world["dach_manager"])


@pytest.fixture
def money(world, make):
    """ACME and BETA sell in Q3; the rebate is accrued and settled; ACME has two SPIF claims."""
    make.fx("EUR", "1", date(2020, 1, 1))
    make.sale(world["acme"], world["router"], "2000", sold_on=date(2026, 8, 3))
    make.sale(world["beta"], world["router"], "500", sold_on=date(2026, 8, 4))
    checker = make.user("finance", email="checker@v.example")
    rebate = load_program(PROGRAM, world["finance"])
    spif = load_program(CLAIM_SPIF, world["finance"])
    _run(rebate, "accrual", world["finance"])
    settled = _run(rebate, "settlement", world["finance"])
    settlement.approve_run(make.session.get(CalcRun, settled), actor=checker)
    # 0.1 + 0.2 is not 0.3 in binary floats: the sums must stay exact on SQLite too
    _approved_claim(world, spif, "INV-1", "0.10")
    _approved_claim(world, spif, "INV-2", "0.20")
    return {"rebate": rebate, "spif": spif, "checker": checker}


def _pay_the_rebate(world, money) -> None:
    """Close Q3 of the rebate, then batch, approve and export its payable lines."""
    settlement.close_period(money["rebate"], Q3, actor=world["finance"])
    batch = one_batch(world["finance"])
    batches.approve_batch(batch, actor=money["checker"])
    batches.export_batch(batch, actor=world["finance"])


def test_accrued_approved_and_paid_per_program_as_exact_strings(api, world, money):
    acme = api("acme_user")
    path = f"/partners/{world['acme'].id}/balances"
    before = acme.conforms(acme.get(path), "MoneyBalances")
    assert before == {
        "partner_id": world["acme"].id,
        "balances": [
            {
                "program_id": money["spif"].id,
                "program_code": "API-SPIF",
                "currency": "EUR",
                "accrued": "0.0000",
                "approved": "0.3000",
                "paid": "0.0000",
            },
            {
                "program_id": money["rebate"].id,
                "program_code": "API-VOL",
                "currency": "EUR",
                "accrued": "40.0000",  # 2,000 at 2 %
                "approved": "40.0000",  # the approved settlement, not yet in a batch
                "paid": "0.0000",
            },
        ],
    }

    _pay_the_rebate(world, money)
    after = acme.conforms(acme.get(path), "MoneyBalances")["balances"]
    rebate = next(b for b in after if b["program_code"] == "API-VOL")
    # the closed period's estimate is gone; the exported batch paid the settlement
    assert (rebate["accrued"], rebate["approved"], rebate["paid"]) == (
        "0.0000",
        "0.0000",
        "40.0000",
    )
    spif = next(b for b in after if b["program_code"] == "API-SPIF")
    assert (spif["approved"], spif["paid"]) == ("0.3000", "0.0000")  # its period is still open


def test_the_dashboard_shows_the_same_definition(api, world, money, login):
    _pay_the_rebate(world, money)
    figures = balances.by_currency(balances.program_balances(world["acme_user"]))
    assert figures == {
        "accrued": [],
        "approved": [("EUR", Decimal("0.3000"))],
        "paid": [("EUR", Decimal("40.0000"))],
    }
    api("acme_user")  # commits what the fixtures built, for the page request
    body = login(world["acme_user"]).get("/dashboard").get_data(as_text=True)
    assert "€0.30" in body and "€40.00" in body
    assert "Paid out in exported payout batches." in body


def test_managers_and_finance_see_balances_inside_their_scope(api, world, money):
    beta_path = f"/partners/{world['beta'].id}/balances"
    finance = api("finance")
    beta = finance.conforms(finance.get(beta_path), "MoneyBalances")["balances"]
    assert [(b["program_code"], b["accrued"], b["approved"]) for b in beta] == [
        ("API-VOL", "5.0000", "5.0000")  # 500 at 1 %
    ]
    fr = api("fr_manager")
    assert fr.get(beta_path).get_json() == finance.get(beta_path).get_json()
    dach = api("dach_manager")
    dach.error(dach.get(beta_path), 404, "not_found")
    acme_path = f"/partners/{world['acme'].id}/balances"
    assert [b["program_code"] for b in dach.get(acme_path).get_json()["balances"]] == [
        "API-SPIF",
        "API-VOL",
    ]


def test_another_partners_balances_are_404(api, world, money):
    acme = api("acme_user")
    acme.error(acme.get(f"/partners/{world['beta'].id}/balances"), 404, "not_found")
    acme.error(acme.get("/partners/2147483647/balances"), 404, "not_found")


def test_a_partner_without_payable_history_has_an_empty_list(api, world):
    acme = api("acme_user")
    body = acme.conforms(acme.get(f"/partners/{world['acme'].id}/balances"), "MoneyBalances")
    assert body == {"partner_id": world["acme"].id, "balances": []}


def test_the_result_lines_behind_the_money_come_explained(api, world, money):
    acme = api("acme_user")
    path = f"/partners/{world['acme'].id}/rewards"
    page = acme.conforms(acme.get(path), "PartnerRewardPage")
    assert [(r["kind"], r["approved"], r["amount"], r["band_from"]) for r in page["items"]] == [
        ("accrual", False, "40.0000", "1000"),
        ("settlement", True, "40.0000", "1000"),
    ]
    settled = page["items"][1]
    assert (settled["program_code"], settled["period"], settled["currency"]) == (
        "API-VOL",
        "2026-Q3",
        "EUR",
    )
    # the sentences read as on the Rewards page, in English; the exact figures are fields
    assert settled["explanation"][0] == "Eligible revenue in the period: 2,000.00 EUR."
    assert settled["explanation"][-1] == "Rounded half-up once to 2 decimal places: 40.00 EUR."
    assert "0000" not in " ".join(settled["explanation"])
    # one line a page: the cursor walks them in order
    first = acme.get(path, query_string={"limit": 1}).get_json()
    second = acme.get(path, query_string={"limit": 1, "cursor": first["next_cursor"]}).get_json()
    assert [first["items"][0]["id"], second["items"][0]["id"]] == [r["id"] for r in page["items"]]
    assert second["next_cursor"] is None
    # the manager of the partner's territory reads them too; another partner gets a 404
    manager = api("dach_manager")
    assert manager.get(path).get_json()["items"] == page["items"]
    assert api("beta_user").get(path).status_code == 404
