"""Simulating a draft on a period: the real engine over the stored sales, nothing written, the
same amounts a run of the saved version pays, and the difference from the current version."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from portal.models import AuditEvent, CalcResult, CalcRun, Partner, PayoutLine, Program, Task
from portal.programs.services import save_program
from tests.calc.conftest import build_scenario, execute_inline, load_program
from tests.calc.test_builder import RETROACTIVE_FORM
from tests.calc.test_scenarios import AFTER_Q3, EMEA_VOLUME, GROUP_NETWORKING, Q3
from tests.conftest import csrf_token
from tests.factories import PASSWORD
from workflows.calc import runs
from workflows.calc.simulation import simulate
from workflows.calc.writers import amount_text

DRAFT = GROUP_NETWORKING % {"mode": "marginal", "extra": "cap: 100"}
CURRENT = GROUP_NETWORKING % {"mode": "retroactive", "extra": ""}


def _sell(make, s):
    make.sale(s.group, s.switch, "1000", sold_on=date(2025, 7, 10), currency="USD")
    make.sale(s.branch_1, s.switch, "2000", sold_on=date(2025, 7, 10), currency="EUR")
    make.sale(s.branch_2, s.switch, "3000", sold_on=date(2025, 9, 30), currency="USD")
    make.sale(s.mover, s.switch, "12000", sold_on=date(2025, 7, 2), currency="USD")
    make.sale(s.goldie, s.switch, "400", sold_on=date(2025, 7, 3), currency="USD")


def _paid(session, run_id: int) -> dict[str, str]:
    """What a run pays per payee, as the payment file writes it."""
    rows = session.execute(
        select(Partner.code, CalcResult.amount)
        .join(Partner, Partner.id == CalcResult.payee_id)
        .where(CalcResult.run_id == run_id)
    ).all()
    return {code: amount_text(amount, 2) for code, amount in rows}


def _counts(session) -> tuple[int, int, int]:
    return tuple(
        session.scalar(select(func.count()).select_from(model))
        for model in (CalcRun, CalcResult, PayoutLine)
    )


def test_a_simulation_pays_what_a_run_of_the_saved_version_pays_and_writes_nothing(
    db, redis, make, scenario
):
    s = scenario
    _sell(make, s)
    program = load_program(CURRENT, s.finance)
    db.session.commit()  # the simulation ends its read transactions: keep the test's rows
    before = _counts(db.session)
    outcome = simulate(
        {"source": DRAFT, "period": "2025-Q3", "code": "GROUP-NET", "program_id": program.id}
    )
    assert _counts(db.session) == before == (0, 0, 0)
    by_code = {p["code"]: p for p in outcome["payees"]}
    # 6,200 USD for the group: retroactive 5 % = 310 now; marginal 150, capped at 100, drafted.
    assert by_code["GROUP"]["draft"] == "100.00" and by_code["GROUP"]["current"] == "310.00"
    assert outcome["current_version"] == 1

    # The current version's amounts are what a real run of it pays, byte for byte ...
    current_run = runs.start_run(program, Q3, kind="settlement", actor=s.finance, on=AFTER_Q3)
    current_paid = _paid(db.session, execute_inline(current_run.id).id)
    assert current_paid == {c: p["current"] for c, p in by_code.items() if p["current"]}
    # ... and the draft's are what a run of the draft pays once it is saved.
    _program, version, created = save_program(DRAFT, actor=s.finance, program=program)
    assert created and version.version == 2
    draft_run = runs.start_run(program, Q3, kind="settlement", actor=s.finance_2, on=AFTER_Q3)
    draft_paid = _paid(db.session, execute_inline(draft_run.id).id)
    assert draft_paid == {c: p["draft"] for c, p in by_code.items() if p["draft"]}
    assert outcome["total"] == amount_text(db.session.get(CalcRun, draft_run.id).total_amount, 2)
    assert outcome["current_total"] == amount_text(
        db.session.get(CalcRun, current_run.id).total_amount, 2
    )


def test_a_new_program_is_simulated_without_anything_to_compare(db, redis, make, scenario):
    _sell(make, scenario)
    db.session.commit()
    outcome = simulate({"source": EMEA_VOLUME, "period": "2025-Q3", "code": "EMEA-VOL"})
    assert outcome["current_version"] is None and outcome["current_total"] is None
    by_code = {p["code"]: (p["draft"], p["current"]) for p in outcome["payees"]}
    # EMEA: MOVER 12,000 at 2 %, GOLDIE 400 at 1 %; the group's branches are in EMEA too.
    assert by_code["MOVER"] == ("240.00", None)
    assert by_code["GOLDIE"] == ("4.00", None)
    assert db.session.scalar(select(func.count()).select_from(Program)) == 0


@pytest.mark.worker
def test_finance_simulates_a_draft_from_the_builder_on_a_real_worker(
    app, committed_db, make_committed, redis, worker
):
    session = committed_db.session
    s = build_scenario(make_committed)
    _sell(make_committed, s)
    program = load_program(EMEA_VOLUME, s.finance)
    session.commit()

    client = app.test_client()
    login = client.post(
        "/login",
        data={"email": s.finance.email, "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert login.status_code == 302
    build = f"/programs/{program.id}/build"
    form = {
        **RETROACTIVE_FORM,
        "code": "EMEA-VOL",
        "name": "EMEA volume rebate",
        "territories": ["EMEA"],
        "categories": [],
        "growth": "",
        "payee": "partner",
        "period_start": "",
        "period_end": "",
        "bands-1-rate": "3",
        "cap": "",
        "simulate": "Simulate",
        "simulate_period": "2025-Q3",
    }
    form = {k: v for k, v in form.items() if v != ""}
    response = client.post(build, data={"csrf_token": csrf_token(client, build), **form})
    assert response.status_code == 302, response.get_data(as_text=True)
    task_id = int(re.search(r"/programs/simulations/(\d+)$", response.headers["Location"])[1])
    waiting = client.get(f"/programs/simulations/{task_id}").get_data(as_text=True)
    assert f'data-poll="/programs/simulations/{task_id}/status.json"' in waiting
    status = client.get(f"/programs/simulations/{task_id}/status.json").json
    assert status["finished"] is False and status["message"] == "Waiting for a worker to start…"

    done = worker()
    assert done.returncode == 0, done.stderr[-3000:]
    session.rollback()
    task = session.get(Task, task_id)
    assert (task.status, task.progress_done, task.progress_total) == ("done", 2, 2)
    assert _counts(session) == (0, 0, 0)  # no run, no results, no payables
    status = client.get(f"/programs/simulations/{task_id}/status.json").json
    assert (status["finished"], status["percent"]) == (True, 100)
    page = client.get(f"/programs/simulations/{task_id}").get_data(as_text=True)
    # Draft: MOVER 12,000 at 3 % = 360 (was 2 %: 240); GOLDIE 400 at 1 % = 4 either way;
    # BRANCH-1 2,000 EUR at 1.10 = 2,200 USD at 1 % = 22; BRANCH-2 3,000 at 1 % = 30; the
    # GROUP's own 1,000 at 1 % = 10 (this program pays each partner on its own volume).
    assert 'data-testid="total">$426.00<' in page
    assert 'data-testid="payees">5<' in page
    assert 'data-testid="current-total">$306.00<' in page
    assert 'data-testid="difference">+$120.00<' in page
    differences = page.split('data-testid="differences"')[1].split("</table>")[0]
    assert "MOVER" in differences and "+$120.00" in differences and "GOLDIE" not in differences
    largest = page.split('data-testid="largest"')[1].split("</table>")[0]
    assert largest.index("MOVER") < largest.index("BRANCH-2") < largest.index("GOLDIE")
    actions = session.scalars(select(AuditEvent.action)).all()
    assert "program.simulate" in actions

    # Saving the simulated draft adds version 2 through the same path as the editor.
    save = f"/programs/simulations/{task_id}/save"
    token = csrf_token(client, f"/programs/simulations/{task_id}")
    saved = client.post(save, data={"csrf_token": token})
    assert saved.status_code == 302
    session.rollback()
    assert session.get(Program, program.id).current_version == 2
