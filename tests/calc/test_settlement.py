"""Approval (maker–checker), payout = settled − already paid, period close and reopen, exports."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal.models import AuditEvent, PayoutLine
from portal.security import Forbidden
from tests.calc.conftest import execute_inline, load_program
from tests.calc.test_scenarios import AFTER_Q3, EMEA_VOLUME, Q3
from workflows.calc import runs, settlement
from workflows.calc.errors import CalcError


@pytest.fixture
def program(scenario):
    return load_program(EMEA_VOLUME, scenario.finance)


def settled_run(program, scenario, *, kind="settlement"):
    run = runs.start_run(program, Q3, kind=kind, actor=scenario.finance, on=AFTER_Q3)
    return execute_inline(run.id)


def _payouts(db) -> list[tuple[str, str, str]]:
    rows = db.session.scalars(select(PayoutLine).order_by(PayoutLine.id))
    return [(line.payee.code, str(line.amount), line.kind) for line in rows]


def test_nobody_approves_a_run_they_started_themselves(db, redis, make, scenario, program):
    make.sale(scenario.mover, scenario.switch, "1000", sold_on=date(2025, 7, 2), currency="USD")
    run = settled_run(program, scenario)
    with pytest.raises(Forbidden):
        settlement.approve_run(run, actor=scenario.finance)
    assert _payouts(db) == []
    settlement.approve_run(run, actor=scenario.finance_2)
    assert _payouts(db) == [("MOVER", "10.0000", "settlement")]
    assert run.approved_by_id == scenario.finance_2.id
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "calc.run.approve")
    ).one()
    assert event.actor_id == scenario.finance_2.id and event.after["payout_lines"] == 1


def test_accruals_unfinished_and_already_approved_runs_are_not_approved(
    db, redis, make, scenario, program
):
    accrual = settled_run(program, scenario, kind="accrual")
    with pytest.raises(CalcError, match="accrual"):
        settlement.approve_run(accrual, actor=scenario.finance_2)
    queued = runs.start_run(program, Q3, kind="settlement", actor=scenario.finance, on=AFTER_Q3)
    with pytest.raises(CalcError, match="finished run"):
        settlement.approve_run(queued, actor=scenario.finance_2)
    done = settled_run(program, scenario)
    settlement.approve_run(done, actor=scenario.finance_2)
    with pytest.raises(CalcError, match="already approved"):  # a double-clicked approve
        settlement.approve_run(done, actor=scenario.finance_2)
    with pytest.raises(CalcError, match="later settlement"):
        execute_inline(queued.id)
        settlement.approve_run(queued, actor=scenario.finance_2)


def test_a_late_line_adds_an_adjustment_and_a_return_a_clawback(db, redis, make, scenario, program):
    s = scenario
    make.sale(s.mover, s.switch, "9000", sold_on=date(2025, 7, 2), currency="USD")
    make.sale(s.goldie, s.switch, "300", sold_on=date(2025, 7, 2), currency="USD")
    settlement.approve_run(settled_run(program, s), actor=s.finance_2)
    # A late line lifts MOVER into the 2 % band; GOLDIE's sale comes back in full.
    make.sale(s.mover, s.switch, "1500", sold_on=date(2025, 8, 14), currency="USD")
    make.sale(s.goldie, s.switch, "-300", sold_on=date(2025, 9, 30), currency="USD")
    settlement.approve_run(settled_run(program, s), actor=s.finance_2)
    # Nothing changed since: a third settlement pays nothing more.
    settlement.approve_run(settled_run(program, s), actor=s.finance_2)
    assert _payouts(db) == [
        ("MOVER", "90.0000", "settlement"),
        ("GOLDIE", "3.0000", "settlement"),
        ("MOVER", "120.0000", "adjustment"),  # 10,500 × 2 % = 210 settled, 90 paid
        ("GOLDIE", "-3.0000", "clawback"),
    ]
    rows = settlement.payout_rows(Q3, s.finance_2)
    assert rows == [
        ("GOLDIE", "EMEA-VOL", "2025-Q3", "USD", "3.00", "settlement"),
        ("GOLDIE", "EMEA-VOL", "2025-Q3", "USD", "-3.00", "clawback"),
        ("MOVER", "EMEA-VOL", "2025-Q3", "USD", "90.00", "settlement"),
        ("MOVER", "EMEA-VOL", "2025-Q3", "USD", "120.00", "adjustment"),
    ]


def test_a_closed_period_refuses_runs_and_approvals_until_reopened(
    db, redis, make, scenario, program
):
    make.sale(scenario.mover, scenario.switch, "1000", sold_on=date(2025, 7, 2), currency="USD")
    run = settled_run(program, scenario)
    settlement.close_period(program, Q3, actor=scenario.finance)
    for refused in (
        lambda: runs.start_run(program, Q3, kind="accrual", actor=scenario.finance),
        lambda: runs.start_run(
            program, date_range("2025-08-01..2025-08-31"), actor=scenario.finance
        ),
        lambda: settlement.approve_run(run, actor=scenario.finance_2),
        lambda: settlement.close_period(program, Q3, actor=scenario.finance),
    ):
        with pytest.raises(CalcError, match="closed"):
            refused()
    settlement.reopen_period(program, Q3, actor=scenario.finance_2)
    with pytest.raises(CalcError, match="not closed"):
        settlement.reopen_period(program, Q3, actor=scenario.finance_2)
    settlement.approve_run(run, actor=scenario.finance_2)
    actions = list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions.index("calc.period.close") < actions.index("calc.period.reopen")


def date_range(text):
    from workflows.engine import parse_period

    return parse_period(text)


def test_results_export_shows_the_group_top_partner_and_neutralises_nothing_numeric(
    db, redis, make, scenario
):
    from tests.calc.test_scenarios import GROUP_NETWORKING

    program = load_program(
        GROUP_NETWORKING % {"mode": "retroactive", "extra": ""}, scenario.finance
    )
    make.sale(scenario.branch_1, scenario.switch, "100", sold_on=date(2025, 7, 2), currency="USD")
    rows = settlement.result_rows(settled_run(program, scenario), scenario.finance)
    assert rows == [
        ("GROUP", "GROUP-NET", "2025-Q3", "USD", "100", "0", "0.01", "1.00"),
    ]


def test_partners_cannot_export_payouts(db, make, scenario):
    partner_user = make.user("partner_user", partner=scenario.mover)
    with pytest.raises(Forbidden):
        settlement.payout_rows(Q3, partner_user)


@pytest.mark.postgres
def test_two_approvals_at_once_pay_once(app, committed_db, make_committed, redis):
    """A double-clicked approve, or two settlements of one period approved together."""
    import threading

    from portal.models import CalcRun, User
    from tests.calc.conftest import build_scenario

    s = build_scenario(make_committed)
    make_committed.sale(s.mover, s.switch, "1000", sold_on=date(2025, 7, 2), currency="USD")
    program = load_program(EMEA_VOLUME, s.finance)
    committed_db.session.commit()
    run_ids = [settled_run(program, s).id, settled_run(program, s).id]
    checker_id = s.finance_2.id  # read here: the main thread's objects stay in its session
    committed_db.session.commit()
    barrier, outcomes = threading.Barrier(3), []  # three requests released together

    def approve(run_id: int) -> None:
        with app.app_context():
            session = committed_db.session
            try:
                run, checker = session.get(CalcRun, run_id), session.get(User, checker_id)
                barrier.wait(timeout=30)
                settlement.approve_run(run, actor=checker)
                session.commit()
                outcomes.append("approved")
            except CalcError as exc:
                session.rollback()
                outcomes.append(exc.template)
            except Exception as exc:  # noqa: BLE001 - reported by the assertion below
                session.rollback()
                outcomes.append(repr(exc))
            finally:
                session.remove()

    threads = [
        threading.Thread(target=approve, args=(i,), daemon=True) for i in (run_ids[0], *run_ids)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    committed_db.session.rollback()
    paid = committed_db.session.scalars(select(PayoutLine.amount)).all()
    assert sum(paid) == 10, outcomes  # 1,000 × 1 %, paid once whatever the interleaving
    assert len(outcomes) == 3 and outcomes.count("approved") >= 1, outcomes
    assert set(outcomes) <= {
        "approved",
        "This run is already approved.",
        "A later settlement of %(settled)s, within this period, is already approved; "
        "run this period again.",
    }, outcomes
