"""Claims (limits, segregation of duties), payout batches (maker–checker, FX, no line twice),
statements (how each amount was reached, what was already paid)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.models import PayoutBatchLine, PayoutLine
from portal.security import Forbidden
from tests.banking.accounts import one_batch
from tests.calc.conftest import build_scenario, execute_inline, load_program
from tests.calc.test_scenarios import AFTER_Q3, EMEA_VOLUME, Q3
from workflows.calc import runs, settlement
from workflows.calc.errors import CalcError
from workflows.payables import batches, claims, statements
from workflows.payables.claims import Invoice
from workflows.payables.errors import PayablesError

CLAIM_SPIF = """
code: SPIF-CLAIM
name: Switch SPIF
kind: spif
currency: USD
period: 2025-Q3
tiers: {mode: retroactive, bands: [{from: 0, rate: 0}]}
claim_required: true
claim_approval_threshold: 500
"""
INVOICE = Invoice("invoice.pdf", "0" * 32 + ".pdf", "application/pdf", 1234)


@pytest.fixture
def scenario(make):
    return build_scenario(make)


@pytest.fixture
def people(make, scenario):
    t = scenario.t
    return {
        "rep": make.user("partner_user", partner=scenario.mover, email="rep@mover.example"),
        "dach": make.user("channel_manager", territories=[t["DACH"]], email="dach@example.com"),
        "emea": make.user("channel_manager", territories=[t["EMEA"]], email="emea@example.com"),
        "amer": make.user("channel_manager", territories=[t["AMER"]], email="amer@example.com"),
    }


def _claim(scenario, people, amount, reference="INV-1", program=None):
    program = program or load_program(CLAIM_SPIF, scenario.finance)
    return claims.submit_claim(
        scenario.goldie,
        program,
        actor=people["rep_goldie"],
        sale_reference=reference,
        sold_on=date(2025, 8, 3),
        amount=Decimal(amount),
        invoice=INVOICE,
    )


@pytest.fixture
def goldie_rep(make, scenario, people):
    people["rep_goldie"] = make.user("partner_user", partner=scenario.goldie)
    return people


def test_small_claim_needs_one_approver_in_the_partners_territory(db, scenario, goldie_rep):
    claim = _claim(scenario, goldie_rep, "120.50")
    with pytest.raises(Forbidden):
        claims.approve_claim(claim, actor=goldie_rep["amer"])  # outside the subtree
    with pytest.raises(Forbidden):
        claims.approve_claim(claim, actor=goldie_rep["rep_goldie"])  # partners never approve
    claims.approve_claim(claim, actor=goldie_rep["dach"])
    line = db.session.get(PayoutLine, claim.payout_line_id)
    assert (claim.status, line.kind, line.amount, line.run_id) == (
        "approved",
        "claim",
        Decimal("120.50"),
        None,
    )


def test_large_claim_needs_two_different_approvers(db, scenario, goldie_rep):
    claim = _claim(scenario, goldie_rep, "500.01")
    claims.approve_claim(claim, actor=goldie_rep["dach"])
    assert claim.status == "first_approved" and claim.payout_line_id is None
    with pytest.raises(PayablesError, match="second, different approver"):
        claims.approve_claim(claim, actor=goldie_rep["dach"])
    claims.approve_claim(claim, actor=goldie_rep["emea"])
    assert claim.status == "approved" and claim.payout_line_id is not None


def test_exactly_the_threshold_needs_one_approver(db, scenario, goldie_rep):
    claim = _claim(scenario, goldie_rep, "500")
    assert claims.approve_claim(claim, actor=goldie_rep["dach"]).status == "approved"


def test_nobody_approves_their_own_claim(db, make, scenario, goldie_rep):
    program = load_program(CLAIM_SPIF, scenario.finance)
    claim = claims.submit_claim(
        scenario.goldie,
        program,
        actor=goldie_rep["rep_goldie"],
        sale_reference="INV-9",
        sold_on=date(2025, 8, 3),
        amount=Decimal(10),
        invoice=INVOICE,
    )
    claim.submitted_by_id = goldie_rep["dach"].id  # as if the manager had filed it
    with pytest.raises(Forbidden):
        claims.approve_claim(claim, actor=goldie_rep["dach"])


def test_duplicates_bad_amounts_other_periods_and_closed_periods_are_refused(
    db, scenario, goldie_rep
):
    program = load_program(CLAIM_SPIF, scenario.finance)
    _claim(scenario, goldie_rep, "10", program=program)
    with pytest.raises(PayablesError, match="already claimed"):
        _claim(scenario, goldie_rep, "10", program=program)
    with pytest.raises(PayablesError, match="at most 2 decimals"):
        _claim(scenario, goldie_rep, "10.001", "INV-2", program=program)
    with pytest.raises(PayablesError, match="outside the program's period"):
        claims.submit_claim(
            scenario.goldie,
            program,
            actor=goldie_rep["rep_goldie"],
            sale_reference="INV-3",
            sold_on=date(2025, 10, 1),
            amount=Decimal(1),
            invoice=INVOICE,
        )
    settlement.close_period(program, Q3, actor=scenario.finance)
    with pytest.raises(CalcError, match="is closed; reopen it first"):
        _claim(scenario, goldie_rep, "10", "INV-4", program=program)


def _settled_and_closed(make, scenario):
    program = load_program(EMEA_VOLUME, scenario.finance)
    make.sale(scenario.goldie, scenario.switch, "1000", sold_on=date(2025, 7, 2), currency="USD")
    run = runs.start_run(program, Q3, kind="settlement", actor=scenario.finance, on=AFTER_Q3)
    run = execute_inline(run.id)
    settlement.approve_run(run, actor=scenario.finance_2)
    settlement.close_period(program, Q3, actor=scenario.finance)
    return program


def test_batch_maker_checker_fx_and_immutability(db, redis, make, scenario):
    _settled_and_closed(make, scenario)
    batch = one_batch(scenario.finance)
    with pytest.raises(PayablesError, match="approved before export"):
        batches.export_batch(batch, actor=scenario.finance)
    with pytest.raises(Forbidden):
        batches.approve_batch(batch, actor=scenario.finance)  # the maker
    batches.approve_batch(batch, actor=scenario.finance_2)
    paid = batches.export_batch(batch, actor=scenario.finance)
    rows = batches.payment_rows(batch)
    # 10.00 USD at the 2025-09-30 rate (1 EUR = 1.20 USD) → 8.333… → 8.33 EUR, rounded once
    assert rows == [
        (
            "GOLDIE",
            "EMEA-VOL",
            "2025-Q3",
            "EUR",
            "8.33",
            "settlement",
            "USD",
            "10.00",
            "0.8333333333",
            batch.id,
            rows[0][10],
        )
    ]
    assert '<InstdAmt Ccy="EUR">8.33</InstdAmt>' in paid.content
    assert batch.status == "exported"
    with pytest.raises(PayablesError, match="already exported"):
        batches.approve_batch(batch, actor=scenario.finance_2)
    assert batches.export_batch(batch, actor=scenario.finance) == paid  # same file again
    with pytest.raises(PayablesError, match="No payable lines"):
        batches.build_batches(actor=scenario.finance)


def test_a_line_can_never_be_in_two_batches(db, redis, make, scenario):
    _settled_and_closed(make, scenario)
    first = one_batch(scenario.finance)
    entry = db.session.scalars(select(PayoutBatchLine)).one()
    second = batches.PayoutBatch(created_by_id=scenario.finance.id)
    db.session.add(second)
    db.session.flush()
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(
            PayoutBatchLine(
                batch_id=second.id,
                payout_line_id=entry.payout_line_id,
                partner_id=entry.partner_id,
                currency="EUR",
                amount=Decimal(1),
                fx_rate=Decimal(1),
            )
        )
        db.session.flush()
    assert first.line_count == 1


def test_lines_of_open_periods_wait_for_the_close(db, redis, make, scenario):
    program = load_program(EMEA_VOLUME, scenario.finance)
    make.sale(scenario.goldie, scenario.switch, "1000", sold_on=date(2025, 7, 2), currency="USD")
    run = execute_inline(
        runs.start_run(program, Q3, kind="settlement", actor=scenario.finance, on=AFTER_Q3).id
    )
    settlement.approve_run(run, actor=scenario.finance_2)
    with pytest.raises(PayablesError, match="No payable lines"):
        batches.build_batches(actor=scenario.finance)


def test_statement_shows_how_and_what_was_paid(db, redis, make, scenario):
    _settled_and_closed(make, scenario)
    batch = one_batch(scenario.finance)
    batches.approve_batch(batch, actor=scenario.finance_2)
    batches.export_batch(batch, actor=scenario.finance)
    partner_user = make.user("partner_user", partner=scenario.goldie)
    (line,) = statements.statement(scenario.goldie, Q3, actor=partner_user)
    assert (line.program.code, line.settled, line.paid, line.outstanding) == (
        "EMEA-VOL",
        Decimal("10.0000"),
        Decimal("10.0000"),
        Decimal(0),
    )
    assert line.result.rate == Decimal("0.01") and line.explanation
    other = make.user("partner_user", partner=scenario.mover)
    with pytest.raises(Forbidden):
        statements.statement(scenario.goldie, Q3, actor=other)
