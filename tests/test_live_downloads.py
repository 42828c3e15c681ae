"""Every export and download, fetched to its last byte from the portal under gunicorn.

Streamed bodies are sent after the view has returned, in the server's own sequence of request
and response; only a real server shows whether they still have what they need then. Data is
committed (the server is another process), and every download route in the URL map must have a
test here (`test_every_download_route_has_a_live_test`).
"""

from __future__ import annotations

import csv
import inspect
import io
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from http.cookiejar import CookieJar
from urllib.error import HTTPError
from urllib.parse import urlencode, urlsplit
from urllib.request import HTTPCookieProcessor, Request, build_opener

import pytest
from sqlalchemy import func, insert, select
from werkzeug.datastructures import FileStorage

from portal.csv_export import CHUNK_BYTES
from portal.deals.services import save_deal
from portal.mdf.proofs import store_proof
from portal.models import AuditEvent, CalcResult, PayoutLine, SaleLine
from portal.onboarding import services as onboarding
from portal.onboarding.uploads import CheckedUpload
from portal.payables.invoices import store_invoice
from portal.resources.services import publish
from portal.tokens.services import create_token
from tests.banking.accounts import one_batch
from tests.calc.conftest import build_scenario, execute_inline, load_program
from tests.calc.test_scenarios import AFTER_Q3, EMEA_VOLUME, Q3
from tests.conftest import CSRF_RE
from tests.contest_trips.conftest import settle
from tests.deals.conftest import deal_input
from tests.factories import PASSWORD
from tests.mdf.conftest import build_world, fund_acme, new_fund, propose
from tests.onboarding.helpers import REGISTRATION, verification_token
from tests.rewards.test_payables import CLAIM_SPIF
from workflows.calc import runs, settlement
from workflows.contest_trips import answers as trip_answers
from workflows.contest_trips import seats as trip_seats
from workflows.mdf import claims as mdf_claims
from workflows.mdf import requests as mdf_requests
from workflows.payables import batches, claims

PDF = b"%PDF-1.4\n% a document of the live tests\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"

# Download endpoint -> the test below that fetches it from the live server.
DOWNLOADS = {
    "partners.sales_export": "test_sales_csv_streams_thousands_of_lines",
    "deals.export": "test_deal_registrations_csv",
    "audit.export": "test_audit_trail_csv",
    "calc.results_csv": "test_run_results_payouts_batch_and_statement",
    "calc.payouts_csv": "test_run_results_payouts_batch_and_statement",
    "payables.export_batch": "test_run_results_payouts_batch_and_statement",
    "payables.batch_file": "test_run_results_payouts_batch_and_statement",
    "api.getPayoutBatchFile": "test_run_results_payouts_batch_and_statement",
    "payables.statement_csv": "test_run_results_payouts_batch_and_statement",
    "payables.statement_pdf_download": "test_run_results_payouts_batch_and_statement",
    "payables.invoice": "test_claim_invoice_on_the_page_and_through_the_api",
    "api.getClaimInvoice": "test_claim_invoice_on_the_page_and_through_the_api",
    "onboarding.document": "test_application_document",
    "resources.download": "test_resource_library_file",
    "mdf.proof_download": "test_mdf_claim_proof",
    "mdf.fund_csv": "test_fund_utilisation_csv",
    "contest_trips.travellers_csv": "test_contest_trip_travellers_csv",
}
# What makes a route a download: its path, or a view that builds a file answer.
DOWNLOAD_PATH = re.compile(r"(\.csv|\.pdf|/download|/export|/invoice|/file)$|/documents/<")
FILE_ANSWER = re.compile(r"csv_response\(|send_file\(|send_invoice\(|Content-Disposition")


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode()

    def csv(self) -> list[list[str]]:
        return list(csv.reader(io.StringIO(self.text)))


class Visitor:
    """Someone signed in to the live server through its login page (cookies kept)."""

    def __init__(self, server, email: str | None, password: str = PASSWORD):
        self.url = server.url
        self.opener = build_opener(HTTPCookieProcessor(CookieJar()))
        if email is None:
            return  # a caller that is not signed in (the API: its token says who asks)
        signed_in = self.post("/login", {"email": email, "password": password}, token_from="/login")
        assert signed_in.status == 200, signed_in.text[:2000]
        self.landed = urlsplit(self.last_url).path
        assert self.landed != "/login", signed_in.text[:2000]

    def _send(self, request: Request) -> Answer:
        try:
            with self.opener.open(request, timeout=120) as answer:
                self.last_url = answer.url
                # read() raises IncompleteRead when the server stops mid-body
                return Answer(answer.status, dict(answer.headers.items()), answer.read())
        except HTTPError as error:
            return Answer(error.code, dict(error.headers.items()), error.read())

    def get(self, path: str, headers: dict | None = None) -> Answer:
        return self._send(Request(self.url + path, headers=headers or {}))  # noqa: S310

    def token(self, path: str) -> str:
        match = CSRF_RE.search(self.get(path).text)
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def post(self, path: str, data: dict, *, token_from: str) -> Answer:
        fields = {**data, "csrf_token": self.token(token_from)}
        body = urlencode(fields).encode()
        request = Request(self.url + path, data=body, method="POST")  # noqa: S310
        return self._send(request)


def download(visitor: Visitor, path: str, content_type: str, **kwargs) -> Answer:
    answer = visitor.get(path, **kwargs)
    assert answer.status == 200, (path, answer.text[:2000])
    assert answer.headers["Content-Type"].startswith(content_type), answer.headers
    assert answer.headers["Content-Disposition"].startswith("attachment"), answer.headers
    return answer


@pytest.fixture
def server(live_gunicorn, committed_db, redis):
    """The live server, and after each test: nothing went wrong on its side."""
    start = len(live_gunicorn.log_text())
    yield live_gunicorn
    written = live_gunicorn.log_text()[start:]
    assert "Traceback" not in written and "Error handling request" not in written, written


@pytest.fixture
def fast_passwords(monkeypatch):
    monkeypatch.setattr("portal.models.users.PASSWORD_METHOD", "pbkdf2:sha256:1000")
    monkeypatch.setattr("portal.onboarding.services.PASSWORD_METHOD", "pbkdf2:sha256:1000")


@pytest.fixture
def scenario(make_committed, fast_passwords):
    return build_scenario(make_committed)


def test_every_download_route_has_a_live_test(app):
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        source = inspect.getsource(inspect.unwrap(app.view_functions[rule.endpoint]))
        if DOWNLOAD_PATH.search(rule.rule) or FILE_ANSWER.search(source):
            found.add(rule.endpoint)
    assert found == set(DOWNLOADS)
    assert all(callable(globals().get(name)) for name in DOWNLOADS.values())


def test_sales_csv_streams_thousands_of_lines(server, committed_db, make_committed, scenario):
    """6,000 lines: several chunks, and more than one batch read from the database while the
    body is being sent."""
    lines = 6000
    rows = [
        {
            "external_id": f"LIVE-{n:05d}",
            "partner_id": scenario.goldie.id,
            "product_id": scenario.switch.id,
            "sold_on": date(2025, 7, 1 + n % 28),
            "quantity": Decimal(1 + n % 5),
            "amount": Decimal(f"{n}.25"),
            "currency": "EUR",
        }
        for n in range(lines)
    ]
    committed_db.session.execute(insert(SaleLine), rows)
    make_committed.sale(scenario.mover, scenario.switch, "5", external_id="NOT-GOLDIE")
    user = make_committed.user("partner_user", partner=scenario.goldie, email="g@goldie.example")
    committed_db.session.commit()

    answer = download(Visitor(server, user.email), "/sales/export.csv", "text/csv")
    assert "Content-Length" not in answer.headers  # streamed, not built in memory first
    assert len(answer.body) > 3 * CHUNK_BYTES
    table = answer.csv()
    assert table[0] == [
        "external_id",
        "partner_code",
        "sku",
        "sold_on",
        "quantity",
        "amount",
        "currency",
        "deal_ref",
    ]
    assert {row[0]: Decimal(row[5]) for row in table[1:]} == {
        r["external_id"]: r["amount"] for r in rows
    }  # every line exactly once, the other partner's not at all
    assert {row[1] for row in table[1:]} == {"GOLDIE"}
    assert table[-1][0] == "LIVE-00000"  # newest first: the oldest, first inserted, comes last


def test_deal_registrations_csv(server, committed_db, make_committed, scenario):
    rep = make_committed.user("partner_user", partner=scenario.goldie, email="g@goldie.example")
    outsider = make_committed.partner("FAR", scenario.t["US"])
    far_rep = make_committed.user("partner_user", partner=outsider, email="f@far.example")
    manager = make_committed.user(
        "channel_manager", territories=[scenario.t["DACH"]], email="d@example.com"
    )
    names = [f"Customer {n} GmbH" for n in range(25)]
    for n, name in enumerate(names):
        save_deal(
            deal_input(name, domain=f"c{n}.example", categories=(scenario.net,)),
            actor=rep,
            submit=n % 2 == 0,
        )
    far = deal_input("Far Away Inc", domain="far.example", categories=(scenario.net,))
    save_deal(far, actor=far_rep, submit=True)
    committed_db.session.commit()

    table = download(Visitor(server, manager.email), "/deals/export.csv", "text/csv").csv()
    assert table[0][:3] == ["reference", "state", "partner_code"]
    assert sorted(row[4] for row in table[1:]) == sorted(names)  # the manager's partners only
    assert {row[7] for row in table[1:]} == {"NET"}  # categories load while the file is sent


def test_audit_trail_csv(server, committed_db, make_committed, scenario):
    finance = scenario.finance
    committed_db.session.commit()
    visitor = Visitor(server, finance.email)  # signing in is audited too
    committed_db.session.rollback()
    events = committed_db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.id.desc()))
    ids = list(events)
    assert ids

    table = download(visitor, "/audit/export.csv", "text/csv").csv()
    assert table[0][:4] == ["id", "occurred_at", "actor", "action"]
    assert [int(row[0]) for row in table[1:]] == ids  # every event, newest first


def test_run_results_payouts_batch_and_statement(server, committed_db, make_committed, scenario):
    program = load_program(EMEA_VOLUME, scenario.finance)
    for n in range(40):
        partner = scenario.goldie if n % 2 else scenario.branch_1
        make_committed.sale(partner, scenario.switch, f"{100 + n}", sold_on=date(2025, 7, 2))
    run = execute_inline(
        runs.start_run(program, Q3, kind="settlement", actor=scenario.finance, on=AFTER_Q3).id
    )
    settlement.approve_run(run, actor=scenario.finance_2)
    settlement.close_period(program, Q3, actor=scenario.finance)
    batch = one_batch(scenario.finance)
    batches.approve_batch(batch, actor=scenario.finance_2)
    rep = make_committed.user("partner_user", partner=scenario.goldie, email="g@goldie.example")
    secret = create_token(actor=scenario.finance, name="live", scope="read").secret
    committed_db.session.commit()
    results = committed_db.session.scalar(
        select(func.count()).select_from(CalcResult).where(CalcResult.run_id == run.id)
    )
    payouts = committed_db.session.scalar(select(func.count()).select_from(PayoutLine))
    assert results == payouts == 2

    finance = Visitor(server, scenario.finance.email)
    table = download(finance, f"/calc/runs/{run.id}/results.csv", "text/csv").csv()
    assert table[0] == list(settlement.RESULT_COLUMNS) and len(table) - 1 == results
    assert {row[0] for row in table[1:]} == {"GOLDIE", "BRANCH-1"}
    table = download(finance, "/calc/payouts/export.csv?period=2025-Q3", "text/csv").csv()
    assert table[0] == list(settlement.PAYOUT_COLUMNS) and len(table) - 1 == payouts

    checker = Visitor(server, scenario.finance_2.email)
    page = f"/payout-batches/{batch.id}"
    exported = checker.post(f"{page}/export", {}, token_from=page)
    assert exported.status == 200
    assert exported.headers["Content-Type"].startswith("application/xml")
    xml = exported.body
    assert xml.startswith(b"<?xml") and xml.rstrip().endswith(b"</Document>")
    assert b"<NbOfTxs>2</NbOfTxs>" in xml
    again = download(checker, f"{page}/file", "application/xml")
    assert again.body == xml
    api = download(
        Visitor(server, None),
        f"/api/v1/payout-batches/{batch.id}/file",
        "application/xml",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert api.body == xml

    partner = Visitor(server, rep.email)
    base = f"/statements/{scenario.goldie.id}/2025-Q3"
    table = download(partner, f"{base}.csv", "text/csv").csv()
    assert len(table) == 2 and table[1][:3] == ["GOLDIE", "EMEA-VOL", "2025-Q3"]
    pdf = download(partner, f"{base}.pdf", "application/pdf").body
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")


def test_claim_invoice_on_the_page_and_through_the_api(
    server, committed_db, make_committed, scenario
):
    rep = make_committed.user("partner_user", partner=scenario.goldie, email="g@goldie.example")
    claim = claims.submit_claim(
        scenario.goldie,
        load_program(CLAIM_SPIF, scenario.finance),
        actor=rep,
        sale_reference="INV-LIVE",
        sold_on=date(2025, 8, 3),
        amount=Decimal("120.50"),
        invoice=store_invoice(CheckedUpload(PDF, "invoice.pdf", "application/pdf", len(PDF))),
    )
    secret = create_token(actor=rep, name="live", scope="read").secret
    committed_db.session.commit()

    page = download(Visitor(server, rep.email), f"/claims/{claim.id}/invoice", "application/pdf")
    assert page.body == PDF
    api = download(
        Visitor(server, None),
        f"/api/v1/claims/{claim.id}/invoice",
        "application/pdf",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert api.body == PDF


def test_application_document(server, committed_db, make_committed, app, fast_passwords):
    make_committed.territory("WORLD")
    application = onboarding.register(REGISTRATION, ip="192.0.2.10")
    onboarding.verify_email(verification_token(application), ip="192.0.2.10")
    upload = FileStorage(io.BytesIO(PDF), "tax certificate.pdf", content_type="application/pdf")
    document = onboarding.add_document(application, upload, actor=application.applicant)
    committed_db.session.commit()

    visitor = Visitor(server, REGISTRATION.email, REGISTRATION.password)
    answer = download(visitor, f"/application/documents/{document.id}", "application/pdf")
    assert answer.body == PDF


def test_resource_library_file(server, committed_db, make_committed, scenario):
    upload = FileStorage(io.BytesIO(PDF), "price list.pdf", content_type="application/pdf")
    resource = publish(
        title="Price list",
        description="",
        kind="document",
        url=None,
        upload=upload,
        tiers=[],
        territory_ids=[],
        actor=scenario.finance,
    )
    rep = make_committed.user("partner_user", partner=scenario.goldie, email="g@goldie.example")
    committed_db.session.commit()

    visitor = Visitor(server, rep.email)
    answer = download(visitor, f"/resources/{resource.id}/download", "application/pdf")
    assert answer.body == PDF


def test_mdf_claim_proof(server, committed_db, make_committed, fast_passwords):
    world = build_world(make_committed, committed_db.session)
    fund = new_fund(world)
    fund_acme(world, fund)
    approved = mdf_requests.approve_request(propose(world, fund), actor=world.dach_manager)
    upload = FileStorage(io.BytesIO(PDF), "Messestand Köln.pdf", content_type="application/pdf")
    claim = mdf_claims.submit_claim(
        approved, actor=world.acme_user, amount=Decimal("300"), proofs=[store_proof(upload)]
    )
    committed_db.session.commit()
    path = f"/mdf/proofs/{claim.proofs[0].id}/download"

    for email in (world.acme_user.email, world.dach_manager.email, world.finance.email):
        answer = download(Visitor(server, email), path, "application/pdf")
        assert answer.body == PDF
        named = answer.headers["Content-Disposition"]
        assert "filename*=UTF-8''Messestand%20K%C3%B6ln.pdf" in named
    for outsider in (world.other_admin.email, world.amer_manager.email):
        assert Visitor(server, outsider).get(path).status == 404


def test_fund_utilisation_csv(server, committed_db, make_committed, fast_passwords):
    world = build_world(make_committed, committed_db.session)
    fund = new_fund(world)
    fund_acme(world, fund, amount="1234.56")
    committed_db.session.commit()
    fund_id = fund.id
    table = download(
        Visitor(server, world.finance.email), f"/mdf/funds/{fund_id}/utilisation.csv", "text/csv"
    ).csv()
    assert table[0][:5] == ["level", "code", "name", "parent_code", "currency"]
    assert [(row[0], row[1], row[5]) for row in table[1:]] == [
        ("territory", "EMEA", "1234.56"),
        ("territory", "DACH", "1234.56"),
        ("partner", "ACME", "1234.56"),
    ]
    manager = Visitor(server, world.dach_manager.email)
    mine = download(manager, f"/mdf/funds/{fund_id}/utilisation.csv", "text/csv").csv()
    assert [row[1] for row in mine[1:]] == ["DACH", "ACME"]


def test_contest_trip_travellers_csv(server, committed_db, make_committed, monkeypatch):
    trips = settle(make_committed, monkeypatch)
    trip = trips.goldie_trip
    trip_answers.accept_trip(trip, actor=trips.goldie_admin)
    trip_seats.name_traveller(
        trip,
        1,
        actor=trips.goldie_admin,
        name="=Gina Gold",
        email="gina@goldie.example",
        dietary="Vegan",
    )
    committed_db.session.commit()
    program_id = trips.program.id
    path = f"/contests/{program_id}/travellers.csv"
    table = download(Visitor(server, trips.scenario.finance.email), path, "text/csv").csv()
    assert table[0][:6] == ["partner_code", "partner_name", "answer", "travel_on", "seat", "name"]
    seat = ["GOLDIE", "GOLDIE Ltd", "accepted", "2027-05-10"]
    assert [row[:8] for row in table[1:]] == [
        [*seat, "1", "'=Gina Gold", "gina@goldie.example", "Vegan"],  # no formula in a sheet
        [*seat, "2", "", "", ""],
    ]
    committed_db.session.rollback()  # read what the server committed, not an older snapshot
    exports = committed_db.session.scalar(
        select(func.count(AuditEvent.id)).where(
            AuditEvent.action == "contest_trip.travellers.export"
        )
    )
    assert exports == 1
    partner = Visitor(server, trips.goldie_admin.email)
    assert partner.get(path).status == 403
