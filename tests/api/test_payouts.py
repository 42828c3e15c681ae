"""A payout batch's payment file through the API: the first fetch exports it (write scope),
later ones give the same bytes; drafts and refused exports are 409 with a code."""

from __future__ import annotations

from datetime import date

import xmlschema
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEvent, CalcRun
from portal.tokens.services import create_token
from tests.banking.accounts import pay_to
from tests.rewards.test_payment_files import SCHEMAS
from workflows.calc import settlement
from workflows.payables import batches

from .conftest import PROGRAM
from .test_balances import Q3, _run, load_program


def _approved_batch(world, make):
    make.fx("EUR", "1", date(2020, 1, 1))
    make.sale(world["acme"], world["router"], "2000", sold_on=date(2026, 8, 3))
    checker = make.user("finance", email="checker@v.example")
    rebate = load_program(PROGRAM, world["finance"])
    settled = _run(rebate, "settlement", world["finance"])
    settlement.approve_run(make.session.get(CalcRun, settled), actor=checker)
    settlement.close_period(rebate, Q3, actor=world["finance"])
    pay_to(world["acme"])
    batch, _held = batches.build_batch(actor=world["finance"], currency=world["acme"].currency)
    return batch, checker


def test_the_first_fetch_exports_and_later_ones_give_the_same_file(api, world, make):
    batch, checker = _approved_batch(world, make)
    finance = api("finance")
    path = f"/payout-batches/{batch.id}/file"
    finance.error(finance.send("GET", path), 409, "not_approved")
    batches.approve_batch(batch, actor=checker)
    reader = create_token(actor=world["finance"], name="ro", scope="read").secret
    finance.error(finance.send("GET", path, token=reader), 403, "insufficient_scope")
    finance.error(finance.send("GET", f"{path}?format=csv"), 409, "export_refused")
    finance.error(finance.send("GET", f"{path}?format=xlsx"), 400)
    first = finance.send("GET", path)
    assert first.status_code == 200 and first.mimetype == "application/xml"
    assert first.headers["Content-Disposition"] == (
        f'attachment; filename="payout-batch-{batch.id}.xml"'
    )
    xmlschema.XMLSchema(str(SCHEMAS / "pain.001.001.03.xsd")).validate(first.get_data(as_text=True))
    again = finance.send("GET", path, token=reader)  # exported: a read token may fetch it
    assert again.get_data() == first.get_data()
    exports = select(AuditEvent).where(AuditEvent.action == "payouts.batch.export")
    assert len(db.session.scalars(exports).all()) == 2


def test_partners_and_managers_may_not_fetch_payment_files(api, world, make):
    batch, _checker = _approved_batch(world, make)
    for who in ("acme_user", "dach_manager"):
        caller = api(who)
        caller.error(caller.send("GET", f"/payout-batches/{batch.id}/file"), 403, "forbidden")
