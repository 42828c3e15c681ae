"""An approved claim becomes a payable line that the existing payout batches pay: no period to
close, the fund's code in the payment file, and a payment row in the MDF ledger on export."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.models import AuditEvent, MdfEntry, PayoutLine
from tests.banking.accounts import one_batch
from workflows.engine import Period
from workflows.mdf import claims, ledger, payments, requests
from workflows.mdf.claims import Proof
from workflows.payables import batches, statements
from workflows.payables.batches import BATCH_COLUMNS
from workflows.payables.errors import PayablesError

from .conftest import fund_acme, new_fund, propose

PROOF = Proof("booth.pdf", "0" * 32 + ".pdf", "application/pdf", 1234)
D = Decimal


def approved_claim(world, fund, amount="350.00"):
    request = requests.approve_request(propose(world, fund, "400.00"), actor=world.dach_manager)
    claim = claims.submit_claim(request, actor=world.acme_user, amount=D(amount), proofs=[PROOF])
    return claims.approve_claim(claim, actor=world.dach_manager)


def test_an_approved_claim_is_a_payable_line_of_the_fund(world, db):
    fund = new_fund(world)
    fund_acme(world, fund)
    claim = approved_claim(world, fund)
    line = db.session.get(PayoutLine, claim.payout_line_id)
    request = claim.request
    assert (line.fund_id, line.program_id, line.kind) == (fund.id, None, "mdf")
    assert (line.payee_id, line.currency, line.amount) == (world.acme.id, "EUR", D("350.00"))
    assert (line.period_start, line.period_end) == (request.starts_on, request.ends_on)
    assert line.source_code == "MDF-1"


def test_a_batch_pays_it_and_the_export_writes_the_payment_row(world, db):
    fund = new_fund(world)
    fund_acme(world, fund)
    claim = approved_claim(world, fund)
    batch = one_batch(world.finance)  # no period close needed for fund claims
    assert batch.line_count == 1
    batches.approve_batch(batch, actor=world.finance_2)
    assert ledger.partner_figures(fund, world.acme).paid == 0  # approved is not paid yet
    paid = batches.export_batch(batch, actor=world.finance)
    assert paid.file_format == "pain001" and '<InstdAmt Ccy="EUR">350.00</InstdAmt>' in paid.content
    exported = dict(zip(BATCH_COLUMNS, batches.payment_rows(batch)[0], strict=True))
    assert exported["partner_code"] == "ACME"
    assert exported["program_code"] == "MDF-1"
    assert (exported["kind"], exported["amount"], exported["currency"]) == ("mdf", "350.00", "EUR")
    payment = db.session.scalars(select(MdfEntry).where(MdfEntry.kind == "payment")).one()
    assert (payment.claim_id, payment.request_id, payment.amount) == (
        claim.id,
        claim.request_id,
        D("350.00"),
    )
    after = ledger.partner_figures(fund, world.acme)
    assert (after.claimed, after.paid, after.available) == (D("350"), D("350"), D("650"))
    exported_event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "payouts.batch.export")
    ).one()
    assert exported_event.after == {"format": "pain001", "fund_claims_paid": 1}
    # A second export (the file again) pays nothing twice.
    batches.export_batch(batch, actor=world.finance)
    assert ledger.partner_figures(fund, world.acme).paid == D("350")


def test_fund_claims_wait_for_a_batch_of_a_period_that_covers_their_activity(world, db):
    fund = new_fund(world)
    fund_acme(world, fund)
    claim = approved_claim(world, fund)
    request = claim.request
    waiting = db.session.execute(batches.open_lines()).all()
    assert [line.kind for line, _ in waiting] == ["mdf"]
    covering = Period(request.starts_on, request.ends_on + timedelta(days=1))
    assert len(db.session.execute(batches.open_lines(period=covering)).all()) == 1
    later = Period(request.starts_on + timedelta(days=1), request.ends_on + timedelta(days=1))
    assert db.session.execute(batches.open_lines(period=later)).all() == []


def test_statements_show_a_fund_claim_with_its_fund_and_activity(world, db):
    fund = new_fund(world)
    fund_acme(world, fund)
    claim = approved_claim(world, fund)
    line = db.session.get(PayoutLine, claim.payout_line_id)
    period = Period(line.period_start, line.period_end)
    [entry] = statements.statement(world.acme, period, actor=world.acme_admin)
    assert (entry.program, entry.fund, entry.activity) == (None, fund, claim.request)
    assert (entry.source_code, entry.source_name) == ("MDF-1", "Fund MDF-1")
    assert entry.activity_text == "Event: Partner summit booth"
    assert (entry.claims, entry.payable, entry.paid, entry.outstanding) == (
        D("350.00"),
        D("350.00"),
        D("0"),
        D("350.00"),
    )
    with_lines = db.session.scalars(statements.partners_with_lines(period)).all()
    assert world.acme.id in with_lines
    assert statements.recent_periods([world.acme.id]) == [period]
    batch = one_batch(world.finance)
    batches.approve_batch(batch, actor=world.finance_2)
    batches.export_batch(batch, actor=world.finance)
    [paid] = statements.statement(world.acme, period, actor=world.acme_admin)
    assert (paid.paid, paid.outstanding) == (D("350.00"), D("0"))
    assert statements.statement(world.beta, period, actor=world.finance) == []


def test_finances_payout_lines_page_names_the_fund(world, db, login):
    fund = new_fund(world)
    fund_acme(world, fund)
    approved_claim(world, fund)
    page = login(world.finance).get("/calc/payouts")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<td>MDF-1</td>" in html and "ACME Ltd" in html


def test_a_returned_transfer_reverses_the_fund_payment_and_the_next_batch_pays_again(world, db):
    fund = new_fund(world)
    fund_acme(world, fund)
    claim = approved_claim(world, fund)
    first = one_batch(world.finance)
    batches.approve_batch(first, actor=world.finance_2)
    batches.export_batch(first, actor=world.finance)
    assert ledger.partner_figures(fund, world.acme).paid == D("350")

    batches.return_payment(first, world.acme, actor=world.finance, reason="Account closed (AC04)")
    after = ledger.partner_figures(fund, world.acme)
    # paid drops back; the claim is still approved and owed, and nothing left the fund
    assert (after.claimed, after.paid, after.available) == (D("350"), D("0"), D("650"))
    rows = db.session.execute(
        select(MdfEntry.kind, MdfEntry.amount, MdfEntry.batch_id, MdfEntry.claim_id)
        .where(MdfEntry.kind.in_(("payment", "payment_return")))
        .order_by(MdfEntry.id)
    ).all()
    assert rows == [
        ("payment", D("350.00"), first.id, claim.id),
        ("payment_return", D("-350.00"), first.id, claim.id),
    ]
    returned = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "payouts.batch.returned")
    ).one()
    assert returned.after["fund_claims_returned"] == 1
    assert db.session.scalars(payments.paid_claims([claim.id])).all() == []

    # the line is payable again; the next batch pays it and the fund records it once more
    second = one_batch(world.finance)
    assert second.line_count == 1
    batches.approve_batch(second, actor=world.finance_2)
    batches.export_batch(second, actor=world.finance)
    batches.export_batch(second, actor=world.finance)  # the file again pays nothing twice
    assert ledger.partner_figures(fund, world.acme).paid == D("350")
    assert db.session.scalars(payments.paid_claims([claim.id])).all() == [claim.id]
    # a second return of the first batch finds nothing left to return
    with pytest.raises(PayablesError, match="no payment to"):
        batches.return_payment(first, world.acme, actor=world.finance, reason="again")
    assert ledger.partner_figures(fund, world.acme).paid == D("350")


def test_return_and_repay_rounds_always_add_up_to_one_payment(world, db):
    fund = new_fund(world)
    fund_acme(world, fund)
    approved_claim(world, fund, "120.00")
    for round_ in range(3):
        batch = one_batch(world.finance)
        batches.approve_batch(batch, actor=world.finance_2)
        batches.export_batch(batch, actor=world.finance)
        assert ledger.partner_figures(fund, world.acme).paid == D("120")
        if round_ < 2:
            batches.return_payment(batch, world.acme, actor=world.finance, reason="R03")
            assert ledger.partner_figures(fund, world.acme).paid == 0
    kinds = db.session.scalars(
        select(MdfEntry.kind).where(MdfEntry.kind.in_(("payment", "payment_return")))
    ).all()
    assert sorted(kinds) == ["payment"] * 3 + ["payment_return"] * 2


def test_the_database_refuses_a_second_payment_row_for_one_batch(world, db):
    fund = new_fund(world)
    fund_acme(world, fund)
    claim = approved_claim(world, fund)
    batch = one_batch(world.finance)
    batches.approve_batch(batch, actor=world.finance_2)
    batches.export_batch(batch, actor=world.finance)
    with pytest.raises(IntegrityError), db.session.begin_nested():
        payments.record_payments(batch.id, actor=world.finance)
    # the other kinds stay one per request, whatever the batch
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(
            MdfEntry(
                fund_id=fund.id,
                partner_id=world.acme.id,
                kind="claim",
                amount=D("1"),
                request_id=claim.request_id,
            )
        )
        db.session.flush()
