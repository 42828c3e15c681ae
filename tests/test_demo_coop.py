"""The demo's earned co-op fund: partners' approved co-op earnings are in it, once."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.demo import load_demo
from portal.demo.coop import FUND, load_demo_coop
from portal.models import CalcRun, MdfEntry, MdfFund, PayoutLine
from tests.test_demo import TODAY
from workflows.mdf import ledger


def test_the_demo_coop_fund_holds_the_approved_settlement_and_a_reload_adds_nothing(
    db, cheap_password_hashes
):
    dates = load_demo(db.session, today=TODAY).dates
    summary = load_demo_coop(dates)
    fund = db.session.scalars(select(MdfFund).where(MdfFund.code == FUND)).one()
    assert fund.kind == "earned"
    runs = db.session.scalars(select(CalcRun).order_by(CalcRun.id)).all()
    assert {(r.program.code, r.kind, r.period_label) for r in runs} == {
        ("DEMO-COOP", "settlement", summary.settled),
        ("DEMO-COOP", "accrual", summary.accrued),
    }
    settled = next(r for r in runs if r.kind == "settlement")
    assert settled.approved_at is not None and settled.total_amount > 0
    assert ledger.fund_figures(fund).available == settled.total_amount
    rows = db.session.scalars(select(MdfEntry).where(MdfEntry.kind == "earned")).all()
    assert len(rows) == settled.payee_count and {r.run_id for r in rows} == {settled.id}
    assert db.session.scalar(select(func.count()).select_from(PayoutLine)) == 0

    again = load_demo_coop(dates)
    assert again.runs == 0
    assert db.session.scalar(select(func.count()).select_from(MdfEntry)) == len(rows)
