"""Claim, batch and statement pages: uploads checked, decisions, downloads, scoping by every
route and guessed id."""

from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import select

from portal.models import Claim, Program
from tests.banking.accounts import pay_to
from tests.calc.conftest import build_scenario, execute_inline, load_program
from tests.calc.test_scenarios import AFTER_Q3, EMEA_VOLUME, Q3
from tests.conftest import csrf_token
from workflows.calc import runs, settlement
from workflows.payables import batches

from .test_payables import CLAIM_SPIF

PDF = b"%PDF-1.4\n% test invoice\n"


@pytest.fixture
def scenario(make):
    return build_scenario(make)


@pytest.fixture
def users(make, scenario):
    t = scenario.t
    return {
        "goldie": make.user("partner_user", partner=scenario.goldie, email="g@goldie.example"),
        "mover": make.user("partner_user", partner=scenario.mover, email="m@mover.example"),
        "dach": make.user("channel_manager", territories=[t["DACH"]], email="d@example.com"),
        "amer": make.user("channel_manager", territories=[t["AMER"]], email="a@example.com"),
    }


def _logout(client):
    client.post("/logout", data={"csrf_token": csrf_token(client, "/claims")})


def _submit(client, program, invoice=("invoice.pdf", PDF, "application/pdf"), reference="INV-1"):
    name, data, ctype = invoice
    return client.post(
        "/claims",
        data={
            "csrf_token": csrf_token(client, "/claims"),
            "program_id": str(program.id),
            "sale_reference": reference,
            "sold_on": "2025-08-03",
            "amount": "120.50",
            "invoice": (io.BytesIO(data), name, ctype),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def test_claim_upload_checked_then_approved_by_the_territory_manager(
    client, login, db, scenario, users
):
    program = load_program(CLAIM_SPIF, scenario.finance)
    login(users["goldie"])
    wrong = _submit(client, program, ("invoice.exe", b"MZ\x90\x00", "application/octet-stream"))
    assert "This type of file is not accepted." in wrong.get_data(as_text=True)
    fake = _submit(client, program, ("invoice.pdf", b"not a pdf", "application/pdf"))
    assert "does not match its type" in fake.get_data(as_text=True)
    assert db.session.scalars(select(Claim)).all() == []
    assert "Claim" in _submit(client, program).get_data(as_text=True)
    claim = db.session.scalars(select(Claim)).one()
    download = client.get(f"/claims/{claim.id}/invoice")
    assert download.data == PDF
    download.close()
    _logout(client)

    login(users["mover"])
    assert client.get(f"/claims/{claim.id}/invoice").status_code == 404
    assert "INV-1" not in client.get("/claims").get_data(as_text=True)
    _logout(client)

    login(users["amer"])
    token = csrf_token(client, "/claims")
    assert client.post(f"/claims/{claim.id}/approve", data={"csrf_token": token}).status_code == 404
    _logout(client)

    login(users["dach"])
    token = csrf_token(client, "/claims")
    approved = client.post(
        f"/claims/{claim.id}/approve", data={"csrf_token": token}, follow_redirects=True
    )
    db.session.refresh(claim)
    assert claim.status == "approved"
    body = approved.get_data(as_text=True)
    assert f"Claim {claim.id}: approved." in body
    assert '<span class="badge text-bg-success">approved</span>' in body


def test_oversized_invoice_is_refused(client, login, db, app, scenario, users):
    program = load_program(CLAIM_SPIF, scenario.finance)
    login(users["goldie"])
    big = PDF + b"0" * app.config["DOCUMENT_MAX_BYTES"]
    response = _submit(client, program, ("invoice.pdf", big, "application/pdf"))
    assert "larger than" in response.get_data(as_text=True)
    assert db.session.scalars(select(Claim)).all() == []


def test_a_refused_claim_leaves_no_invoice_on_disk(
    client, login, db, app, scenario, users, tmp_path, monkeypatch
):
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path))
    program = load_program(CLAIM_SPIF, scenario.finance)
    login(users["goldie"])
    assert "Claim" in _submit(client, program).get_data(as_text=True)
    kept = sorted((tmp_path / "claims").iterdir())
    assert [p.read_bytes() for p in kept] == [PDF]

    duplicate = _submit(client, program).get_data(as_text=True)  # the same sale again
    assert "Sale INV-1 was already claimed" in duplicate
    over = client.post(
        "/claims",
        data={
            "csrf_token": csrf_token(client, "/claims"),
            "program_id": str(program.id),
            "sale_reference": "INV-2",
            "sold_on": "2025-08-03",
            "amount": "1000000000",  # above the largest claim
            "invoice": (io.BytesIO(PDF), "invoice.pdf", "application/pdf"),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "The amount must be positive" in over.get_data(as_text=True)
    assert len(db.session.scalars(select(Claim)).all()) == 1
    assert sorted((tmp_path / "claims").iterdir()) == kept


def _paid_statement(make, scenario):
    program = load_program(EMEA_VOLUME, scenario.finance)
    make.sale(scenario.goldie, scenario.switch, "1000", sold_on=date(2025, 7, 2), currency="USD")
    run = execute_inline(
        runs.start_run(program, Q3, kind="settlement", actor=scenario.finance, on=AFTER_Q3).id
    )
    settlement.approve_run(run, actor=scenario.finance_2)
    settlement.close_period(program, Q3, actor=scenario.finance)
    pay_to(scenario.goldie)


def test_batches_through_the_pages_and_only_for_finance(client, login, db, make, scenario, users):
    _paid_statement(make, scenario)
    login(users["goldie"])
    assert client.get("/payout-batches").status_code == 403
    _logout(client)
    login(scenario.finance)
    token = csrf_token(client, "/payout-batches")
    client.post("/payout-batches", data={"csrf_token": token})
    batch = db.session.scalars(select(batches.PayoutBatch)).one()
    approve_url = f"/payout-batches/{batch.id}/approve"
    makers_page = client.get("/payout-batches").get_data(as_text=True)
    assert approve_url not in makers_page  # the maker is not offered what would be refused
    assert "Awaiting approval by another finance user" in makers_page
    assert '<span class="badge text-bg-warning">draft</span>' in makers_page
    refused = client.post(
        f"/payout-batches/{batch.id}/approve", data={"csrf_token": token}, follow_redirects=True
    )
    assert refused.status_code == 403  # the maker may not approve
    _logout(client)
    login(scenario.finance_2)
    token = csrf_token(client, "/payout-batches")
    assert approve_url in client.get("/payout-batches").get_data(as_text=True)
    early = client.post(
        f"/payout-batches/{batch.id}/export", data={"csrf_token": token}, follow_redirects=True
    )  # a draft cannot be exported: refused, explained, nothing changed
    assert 'class="alert alert-danger"' in early.get_data(as_text=True)
    db.session.refresh(batch)
    assert batch.status == "draft"
    approved = client.post(
        f"/payout-batches/{batch.id}/approve", data={"csrf_token": token}, follow_redirects=True
    )
    assert f"Batch {batch.id} approved." in approved.get_data(as_text=True)
    exported = client.post(f"/payout-batches/{batch.id}/export", data={"csrf_token": token})
    assert exported.mimetype == "application/xml"
    assert exported.headers["Content-Disposition"] == (
        f'attachment; filename="payout-batch-{batch.id}.xml"'
    )
    assert '<InstdAmt Ccy="EUR">8.33</InstdAmt>' in exported.get_data(as_text=True)
    again = client.get(f"/payout-batches/{batch.id}/file")
    assert again.get_data() == exported.get_data()


def test_statement_html_csv_pdf_and_scoping(client, login, db, make, scenario, users):
    _paid_statement(make, scenario)
    login(users["goldie"])
    page = client.get(f"/statements/{scenario.goldie.id}/2025-Q3").get_data(as_text=True)
    assert "EMEA volume rebate" in page and "× 1% = " in page
    csv_text = client.get(f"/statements/{scenario.goldie.id}/2025-Q3.csv").get_data(as_text=True)
    assert csv_text.splitlines()[1].startswith("GOLDIE,EMEA-VOL,2025-Q3,USD,1000")
    pdf = client.get(f"/statements/{scenario.goldie.id}/2025-Q3.pdf")
    assert pdf.data.startswith(b"%PDF-") and pdf.mimetype == "application/pdf"
    for path in ("", ".csv", ".pdf"):
        assert client.get(f"/statements/{scenario.mover.id}/2025-Q3{path}").status_code == 404
    assert client.get(f"/statements/{scenario.goldie.id}/not-a-period").status_code == 404
    own = client.get("/statements?period=2025-Q3").get_data(as_text=True)
    assert "EMEA volume rebate" in own


def test_a_batch_can_be_built_for_one_period_and_program(client, login, db, make, scenario):
    _paid_statement(make, scenario)  # EMEA-VOL's 2025-Q3 settlement, closed
    login(scenario.finance)
    page = client.get("/payout-batches").get_data(as_text=True)
    assert "1 payable line of a closed period is waiting." in page
    token = csrf_token(client, "/payout-batches")
    program = db.session.scalars(select(Program)).one()

    def build(**fields):
        data = {"csrf_token": token, **fields}
        return client.post("/payout-batches", data=data, follow_redirects=True)

    nothing = build(period="2025-Q4", program_id=program.id)  # no lines in that period
    assert 'class="alert alert-danger"' in nothing.get_data(as_text=True)
    bad = build(period="last summer")
    assert 'class="alert alert-danger"' in bad.get_data(as_text=True)
    assert db.session.scalars(select(batches.PayoutBatch)).all() == []
    built = build(period="2025", program_id=program.id)
    assert "built with 1 line." in built.get_data(as_text=True)
    assert db.session.scalars(select(batches.PayoutBatch)).one().line_count == 1


def test_statement_downloads_keep_a_formula_like_partner_code_out_of_the_header(
    client, login, db, make, scenario, users
):
    _paid_statement(make, scenario)
    scenario.goldie.code = '=HYPERLINK("x")'
    db.session.flush()
    login(users["goldie"])
    for suffix in ("csv", "pdf"):
        answer = client.get(f"/statements/{scenario.goldie.id}/2025-Q3.{suffix}")
        assert answer.status_code == 200
        assert answer.headers["Content-Disposition"] == (
            f'attachment; filename="statement-_HYPERLINK__x__-2025-Q3.{suffix}"; '
            f"filename*=UTF-8''statement-%3DHYPERLINK%28_x_%29-2025-Q3.{suffix}"
        )
