"""A partner's statement shows a paid or payable fund claim as the fund and the activity it
pays: on the page, in the CSV and in the PDF (read back with poppler's pdftotext)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from portal.models import PayoutLine
from tests.banking.accounts import one_batch
from tests.rewards.test_statement_pdf import pdf_text
from workflows.engine import Period
from workflows.mdf import claims, requests
from workflows.mdf.claims import Proof
from workflows.payables import batches

from .conftest import fund_acme, new_fund, propose

PROOF = Proof("booth.pdf", "0" * 32 + ".pdf", "application/pdf", 1234)


def paid_claim(world, db):
    """ACME's 400 activity claimed at 350.00, approved and paid by an exported batch."""
    fund = new_fund(world)
    fund_acme(world, fund)
    request = requests.approve_request(propose(world, fund, "400.00"), actor=world.dach_manager)
    claim = claims.submit_claim(
        request, actor=world.acme_user, amount=Decimal("350.00"), proofs=[PROOF]
    )
    claims.approve_claim(claim, actor=world.dach_manager)
    batch = one_batch(world.finance)
    batches.approve_batch(batch, actor=world.finance_2)
    batches.export_batch(batch, actor=world.finance)
    db.session.commit()
    line = db.session.get(PayoutLine, claim.payout_line_id)
    return claim, Period(line.period_start, line.period_end)


def test_the_statement_page_names_the_fund_and_the_activity(world, db, login):
    claim, period = paid_claim(world, db)
    client = login(world.acme_admin)
    html = client.get("/statements").get_data(as_text=True)
    assert "Fund MDF-1" in html
    assert "Event: Partner summit booth" in html
    assert 'data-testid="claims">€350.00<' in html
    assert 'data-testid="paid">€350.00<' in html
    assert 'data-testid="outstanding">€0.00<' in html


def test_the_statement_csv_has_the_funds_code_and_the_activity(world, db, login):
    claim, period = paid_claim(world, db)
    client = login(world.acme_admin)
    response = client.get(f"/statements/{world.acme.id}/{period.label}.csv")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [(r["program_code"], r["claims"], r["paid"], r["activity"]) for r in rows] == [
        ("MDF-1", "350.00", "350.00", "Event: Partner summit booth")
    ]


def test_the_statement_pdf_names_the_fund_and_the_activity(world, db, login, tmp_path):
    claim, period = paid_claim(world, db)
    client = login(world.acme_admin)
    response = client.get(f"/statements/{world.acme.id}/{period.label}.pdf")
    assert response.mimetype == "application/pdf"
    path = tmp_path / "statement.pdf"
    path.write_bytes(response.data)
    text = pdf_text(path)
    assert "FundMDF-1–Event:Partnersummitbooth" in text
    assert "€350.00" in text


def test_another_partner_does_not_see_the_fund_line(world, db, login):
    claim, period = paid_claim(world, db)
    client = login(world.other_admin)
    assert client.get(f"/statements/{world.acme.id}/{period.label}.csv").status_code == 404
    assert "Fund MDF-1" not in client.get("/statements").get_data(as_text=True)
