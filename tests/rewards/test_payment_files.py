"""Payment files: batches per currency with held lines, pain.001 valid against its XSD, a bank's
mapped CSV, the same file again, marked paid with the execution date, returned payments."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree

import pytest
import sepaxml
import xmlschema
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.models import BankFileFormat, PayoutBatchLine, utcnow
from portal.security import Forbidden
from tests.banking.accounts import pay_to
from tests.calc.conftest import build_scenario, execute_inline, load_program
from tests.calc.test_scenarios import AFTER_Q3, EMEA_VOLUME, Q3
from workflows.calc import runs, settlement
from workflows.payables import batches, statements
from workflows.payables.errors import PayablesError

NS = "{urn:iso:std:iso:20022:tech:xsd:pain.001.001.03}"
SCHEMAS = Path(sepaxml.__file__).parent / "schemas"


@pytest.fixture
def scenario(make):
    return build_scenario(make)


def settle(make, scenario, sales):
    """Settle and close EMEA-VOL Q3 with sales (partner, USD amount); 1 % of each is payable."""
    program = load_program(EMEA_VOLUME, scenario.finance)
    for partner, amount in sales:
        make.sale(partner, scenario.switch, amount, sold_on=date(2025, 7, 2), currency="USD")
    run = runs.start_run(program, Q3, kind="settlement", actor=scenario.finance, on=AFTER_Q3)
    settlement.approve_run(execute_inline(run.id), actor=scenario.finance_2)
    settlement.close_period(program, Q3, actor=scenario.finance)
    return program


def approved(scenario, currency="EUR"):
    batch, held = batches.build_batch(actor=scenario.finance, currency=currency)
    batches.approve_batch(batch, actor=scenario.finance_2)
    return batch, held


def test_held_partners_stay_out_and_payable_with_the_reason(db, redis, make, scenario):
    settle(make, scenario, [(scenario.goldie, "1000"), (scenario.mover, "2000"),
                            (scenario.branch_1, "3000")])  # fmt: skip
    pay_to(scenario.goldie)
    pay_to(scenario.mover)
    pay_to(scenario.mover, state="pending", n=1)  # a change awaits verification
    batch, held = batches.build_batch(actor=scenario.finance, currency="EUR")
    assert batch.currency == "EUR" and batch.line_count == 1
    assert [(h.partner.code, h.reason, h.lines, h.amount) for h in held] == [
        ("BRANCH-1", "no_account", 1, Decimal("25.00")),
        ("MOVER", "change_pending", 1, Decimal("16.67")),
    ]
    # the held lines are still waiting; once verified, the next batch takes them
    assert batches.waiting_currencies() == {"EUR": 2}
    pay_to(scenario.branch_1, n=2)
    second, held = batches.build_batch(actor=scenario.finance, currency="EUR")
    assert second.line_count == 1 and [h.partner.code for h in held] == ["MOVER"]
    with pytest.raises(PayablesError, match="Every waiting line is held"):
        batches.build_batch(actor=scenario.finance, currency="EUR")
    with pytest.raises(PayablesError, match="No payable USD lines"):
        batches.build_batch(actor=scenario.finance, currency="USD")


def test_pain001_is_valid_against_its_xsd_with_sums_that_match_the_batch(db, redis, make, scenario):
    settle(make, scenario, [(scenario.goldie, "1000"), (scenario.branch_1, "3000")])
    pay_to(scenario.goldie)
    pay_to(scenario.branch_1, n=1)
    batch, _held = approved(scenario)
    paid = batches.export_batch(batch, actor=scenario.finance)
    assert (paid.file_format, paid.media_type, paid.name) == (
        "pain001",
        "application/xml",
        f"payout-batch-{batch.id}.xml",
    )
    declared = 'xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"'
    assert declared in paid.content
    schema = xmlschema.XMLSchema(str(SCHEMAS / "pain.001.001.03.xsd"))
    schema.validate(paid.content)  # raises on any violation
    tree = ElementTree.fromstring(paid.content)  # noqa: S314 - the file just written
    header = tree.find(f"{NS}CstmrCdtTrfInitn/{NS}GrpHdr")
    lines = db.session.scalars(
        select(PayoutBatchLine).where(PayoutBatchLine.batch_id == batch.id)
    ).all()
    total = sum(line.amount for line in lines)
    assert header.findtext(f"{NS}NbOfTxs") == "2"
    assert Decimal(header.findtext(f"{NS}CtrlSum")) == total == Decimal("33.33")
    assert header.findtext(f"{NS}InitgPty/{NS}Nm") == "Example Networks Inc."
    info = tree.find(f"{NS}CstmrCdtTrfInitn/{NS}PmtInf")
    assert info.findtext(f"{NS}Dbtr/{NS}Nm") == "Example Networks Inc."
    assert info.findtext(f"{NS}DbtrAcct/{NS}Id/{NS}IBAN") == "DE02120300000000202051"
    transfers = {
        tx.findtext(f"{NS}CdtrAcct/{NS}Id/{NS}IBAN"): (
            tx.findtext(f"{NS}Amt/{NS}InstdAmt"),
            tx.findtext(f"{NS}RmtInf/{NS}Ustrd"),
        )
        for tx in info.iter(f"{NS}CdtTrfTxInf")
    }
    assert transfers == {
        "DE89370400440532013000": ("8.33", f"Batch {batch.id} ST-2025-Q3-GOLDIE"),
        "FR1420041010050500013M02606": ("25.00", f"Batch {batch.id} ST-2025-Q3-BRANCH-1"),
    }
    # the same file again, byte for byte, even after the accounts change
    pay_to(scenario.goldie, state="pending", n=2)
    again = batches.export_batch(batch, actor=scenario.finance)
    assert again.content == paid.content
    with pytest.raises(PayablesError, match="exported as pain001"):
        batches.export_batch(batch, actor=scenario.finance, file_format="csv")


def test_pain001_is_refused_without_the_debtor_account(app, db, redis, make, scenario):
    settle(make, scenario, [(scenario.goldie, "1000")])
    pay_to(scenario.goldie)
    batch, _held = approved(scenario)
    saved = app.config["PAYMENT_DEBTOR_IBAN"]
    app.config["PAYMENT_DEBTOR_IBAN"] = None
    try:
        with pytest.raises(PayablesError, match="PAYMENT_DEBTOR_IBAN"):
            batches.export_batch(batch, actor=scenario.finance)
    finally:
        app.config["PAYMENT_DEBTOR_IBAN"] = saved
    assert batch.status == "approved" and batch.file_content is None


def test_a_usd_batch_exports_the_banks_mapped_csv_exactly(db, redis, make, scenario):
    settle(make, scenario, [(scenario.goldie, "1000"), (scenario.group, "2000")])
    for partner in (scenario.goldie, scenario.group):
        partner.currency = "USD"
    pay_to(scenario.goldie, currency="USD", routing_number="011000015", account_number="12345678")
    pay_to(scenario.group, currency="USD", routing_number="021000021", account_number="99887766")
    batch, _held = approved(scenario, "USD")
    with pytest.raises(PayablesError, match="No bank file format is set up for USD"):
        batches.export_batch(batch, actor=scenario.finance)
    with pytest.raises(PayablesError, match="Only EUR batches export as pain.001"):
        batches.export_batch(batch, actor=scenario.finance, file_format="pain001")
    assert batch.status == "approved" and batch.exported_at is None
    db.session.add(
        BankFileFormat(
            name="First Federal bulk ACH",
            currencies="CAD,USD",
            columns="reference,payee_name,routing_code,account_number,amount,currency",
            delimiter=";",
            decimal_separator=",",
            header=True,
        )
    )
    db.session.flush()
    paid = batches.export_batch(batch, actor=scenario.finance)
    assert paid.file_format == "csv" and paid.media_type == "text/csv"
    assert paid.content == (
        "reference;payee_name;routing_code;account_number;amount;currency\r\n"
        f"Batch {batch.id} ST-2025-Q3-GOLDIE;GOLDIE Ltd;011000015;12345678;10,00;USD\r\n"
        f"Batch {batch.id} ST-2025-Q3-GROUP;GROUP Ltd;021000021;99887766;20,00;USD\r\n"
    )


def test_marked_paid_with_the_execution_date_shows_on_the_statement(db, redis, make, scenario):
    settle(make, scenario, [(scenario.goldie, "1000")])
    pay_to(scenario.goldie)
    batch, _held = approved(scenario)
    with pytest.raises(PayablesError, match="Only an exported batch"):
        batches.mark_paid(batch, actor=scenario.finance, executed_on=date.today())
    batches.export_batch(batch, actor=scenario.finance)
    today = utcnow().date()
    with pytest.raises(PayablesError, match="between the export"):
        batches.mark_paid(batch, actor=scenario.finance, executed_on=today + timedelta(days=1))
    partner_user = make.user("partner_user", partner=scenario.goldie)
    with pytest.raises(Forbidden):
        batches.mark_paid(batch, actor=partner_user, executed_on=today)
    batches.mark_paid(batch, actor=scenario.finance_2, executed_on=today)
    assert (batch.executed_on, batch.paid_by_id) == (today, scenario.finance_2.id)
    with pytest.raises(PayablesError, match="not yet marked paid"):
        batches.mark_paid(batch, actor=scenario.finance, executed_on=today)
    (line,) = statements.statement(scenario.goldie, Q3, actor=partner_user)
    assert [(p.batch_id, p.executed_on, p.amount) for p in line.payments] == [
        (batch.id, today, Decimal("8.33"))
    ]


def test_export_returned_new_batch_paid_never_twice(db, redis, make, scenario):
    settle(make, scenario, [(scenario.goldie, "1000"), (scenario.branch_1, "3000")])
    pay_to(scenario.goldie)
    pay_to(scenario.branch_1, n=1)
    first, _held = approved(scenario)
    batches.export_batch(first, actor=scenario.finance)
    with pytest.raises(PayablesError, match="Give the reason"):
        batches.return_payment(first, scenario.goldie, actor=scenario.finance, reason=" ")
    batches.return_payment(
        first, scenario.goldie, actor=scenario.finance, reason="Account closed (AC04)"
    )
    with pytest.raises(PayablesError, match="no payment to GOLDIE"):
        batches.return_payment(first, scenario.goldie, actor=scenario.finance, reason="again")
    partner_user = make.user("partner_user", partner=scenario.goldie)
    (line,) = statements.statement(scenario.goldie, Q3, actor=partner_user)
    assert line.paid == 0 and line.outstanding == Decimal("10.00")
    assert [(p.batch_id, p.returned_reason) for p in line.payments] == [
        (first.id, "Account closed (AC04)")
    ]
    # the returned line is payable again: a new batch takes it, and only it
    second, _held = approved(scenario)
    assert second.line_count == 1
    paid = batches.export_batch(second, actor=scenario.finance)
    assert "ST-2025-Q3-GOLDIE" in paid.content and "BRANCH-1" not in paid.content
    batches.mark_paid(second, actor=scenario.finance, executed_on=utcnow().date())
    (line,) = statements.statement(scenario.goldie, Q3, actor=partner_user)
    assert line.paid == Decimal("10.00") and line.outstanding == 0
    with pytest.raises(PayablesError, match="No payable EUR lines"):
        batches.build_batch(actor=scenario.finance, currency="EUR")
    # the database itself refuses a line live in two batches
    live = db.session.scalars(
        select(PayoutBatchLine).where(
            PayoutBatchLine.batch_id == second.id, PayoutBatchLine.returned_at.is_(None)
        )
    ).one()
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(
            PayoutBatchLine(
                batch_id=first.id,
                payout_line_id=live.payout_line_id,
                partner_id=live.partner_id,
                currency="EUR",
                amount=Decimal(1),
                fx_rate=Decimal(1),
            )
        )
        db.session.flush()


def test_a_batch_exported_before_files_were_kept_gives_its_per_line_csv(db, redis, make, scenario):
    settle(make, scenario, [(scenario.goldie, "1000")])
    pay_to(scenario.goldie)
    batch, _held = approved(scenario)
    batches.export_batch(batch, actor=scenario.finance)
    # as a batch exported before this release looks: no currency, no kept file
    batch.currency = batch.file_format = batch.file_name = batch.file_content = None
    db.session.flush()
    paid = batches.export_batch(batch, actor=scenario.finance)
    assert paid.file_format == "lines" and paid.media_type == "text/csv"
    header, row = paid.content.splitlines()
    assert header == ",".join(batches.BATCH_COLUMNS)
    assert row.startswith("GOLDIE,EMEA-VOL,2025-Q3,EUR,8.33,settlement,USD,10.00")
    assert batches.export_batch(batch, actor=scenario.finance) == paid


def test_paid_and_returned_payments_are_announced_to_webhooks(db, redis, make, scenario):
    from portal.models import WebhookDelivery
    from portal.webhooks.services import create_endpoint

    create_endpoint(
        url="http://127.0.0.1:9/erp",
        description="ERP",
        event_types=["payout_batch.paid", "payout_batch.payment_returned"],
        allow_private=True,
        actor=make.user("admin", email="ada@v.example"),
    )
    settle(make, scenario, [(scenario.goldie, "1000"), (scenario.branch_1, "3000")])
    pay_to(scenario.goldie)
    pay_to(scenario.branch_1, n=1)
    batch, _held = approved(scenario)
    batches.export_batch(batch, actor=scenario.finance)
    batches.return_payment(batch, scenario.goldie, actor=scenario.finance, reason="AC04")
    batches.mark_paid(batch, actor=scenario.finance, executed_on=utcnow().date())
    deliveries = db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)).all()
    assert [d.event_type for d in deliveries] == [
        "payout_batch.payment_returned",
        "payout_batch.paid",
    ]
    assert all(d.payload["data"]["fields"]["id"] == batch.id for d in deliveries)
    assert deliveries[1].payload["data"]["fields"]["executed_on"] == utcnow().date().isoformat()
