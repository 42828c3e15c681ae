"""The road from an approved settlement to payment: each step's state at each stage, the next
action per reader (maker–checker on batches), a partly batched settlement, the pages."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import event, select

from portal.calc.road import roads_for
from portal.extensions import db as _db
from portal.models import ClosedPeriod, PayoutBatch, PayoutBatchLine, PayoutLine
from tests.banking.accounts import one_batch, pay_to
from tests.calc.conftest import execute_inline, load_program
from tests.calc.test_scenarios import AFTER_Q3, EMEA_VOLUME, Q3
from tests.conftest import csrf_token
from tests.factories import PASSWORD
from workflows.calc import runs, settlement
from workflows.payables import batches

STEPS = ("settled", "approved", "closed", "batched", "batch_approved", "exported")


@pytest.fixture
def road_world(db, make, scenario):
    """A Q3 settlement of two payees run by one finance user and approved by the other."""
    s = scenario
    s.finance.name, s.finance_2.name = "Fiona", "Felix"
    program = load_program(EMEA_VOLUME, s.finance)
    make.sale(s.goldie, s.switch, "1000", sold_on=date(2025, 7, 2), currency="USD")
    make.sale(s.branch_1, s.switch, "2000", sold_on=date(2025, 7, 3), currency="USD")
    run = runs.start_run(program, Q3, kind="settlement", actor=s.finance, on=AFTER_Q3)
    run = execute_inline(run.id)
    settlement.approve_run(run, actor=s.finance_2)
    s.program, s.run = program, run
    pay_to(s.goldie)
    pay_to(s.branch_1, n=1)
    s.manager = make.user("channel_manager", territories=[s.t["EMEA"]])
    return s


def _road(s, user):
    return roads_for([s.run], user)[s.run.id]


def _states(road) -> tuple[str, ...]:
    assert tuple(step.key for step in road.steps) == STEPS
    return tuple(step.state for step in road.steps)


def _advance(s, stage: str) -> None:
    """Take the settlement to `stage` through the real services."""
    if stage == "approved":
        return
    settlement.close_period(s.program, Q3, actor=s.finance)
    if stage == "closed":
        return
    batch = one_batch(s.finance, period=Q3, program=s.program)
    if stage == "batched":
        return
    batches.approve_batch(batch, actor=s.finance_2)
    if stage == "batch_approved":
        return
    batches.export_batch(batch, actor=s.finance)


D, W = "done", "waiting"


@pytest.mark.parametrize(
    ("stage", "states", "builder", "checker"),
    [
        ("approved", (D, D, W, W, W, W), "close", "close"),
        ("closed", (D, D, D, W, W, W), "build", "build"),
        ("batched", (D, D, D, D, W, W), "wait_checker", "approve"),
        ("batch_approved", (D, D, D, D, D, W), "export", "export"),
        ("exported", (D, D, D, D, D, D), None, None),
    ],
)
def test_each_stage_shows_its_steps_and_the_next_action_per_reader(
    db, road_world, stage, states, builder, checker
):
    s = road_world
    _advance(s, stage)
    road = _road(s, s.finance)
    assert _states(road) == states
    assert road.line_count == 2 and road.paid == (stage == "exported")
    assert (road.action.kind if road.action else None) == builder  # finance built the batch
    other = _road(s, s.finance_2).action
    assert (other.kind if other else None) == checker
    manager = _road(s, s.manager).action  # no permission: never a button
    assert (manager.kind if manager else None) == (None if stage == "exported" else "wait_finance")


def test_steps_name_who_and_when(db, road_world):
    s = road_world
    _advance(s, "exported")
    steps = {step.key: step for step in _road(s, s.finance).steps}
    assert steps["approved"].who == "Felix"
    assert steps["closed"].who == "Fiona" and steps["closed"].when is not None
    batch = _db.session.scalar(select(PayoutBatch))
    assert steps["batched"].batches == (batch.id,) and steps["batched"].who == "Fiona"
    assert steps["batch_approved"].who == "Felix"
    assert steps["exported"].when == batch.exported_at


def test_a_partly_batched_settlement_shows_what_still_waits(db, road_world):
    """One of the two payout lines sits in an approved batch, the other in none: the batch
    steps are partial and the next action is to build a batch for the rest."""
    s = road_world
    settlement.close_period(s.program, Q3, actor=s.finance)
    first, _second = _db.session.scalars(
        select(PayoutLine).where(PayoutLine.run_id == s.run.id).order_by(PayoutLine.id)
    ).all()
    batch = PayoutBatch(created_by_id=s.finance.id, line_count=1)
    _db.session.add(batch)
    _db.session.flush()
    _db.session.add(
        PayoutBatchLine(
            batch_id=batch.id,
            payout_line_id=first.id,
            partner_id=first.payee_id,
            currency=first.currency,
            amount=first.amount,
            fx_rate=1,
        )
    )
    _db.session.flush()
    batches.approve_batch(batch, actor=s.finance_2)
    road = _road(s, s.finance)
    assert _states(road) == (D, D, D, "partial", "partial", W)
    assert (road.steps[3].done_lines, road.steps[3].total_lines) == (1, 2)
    assert road.action.kind == "build"


def test_lines_held_for_bank_details_are_not_a_build_action(db, road_world):
    """A partner whose bank account change awaits verification keeps its line out of the batch:
    the batch's own steps come next, then a note that the line waits for the account."""
    s = road_world
    pay_to(s.branch_1, state="pending", n=2)
    settlement.close_period(s.program, Q3, actor=s.finance)
    built = batches.build_batches(actor=s.finance, period=Q3, program=s.program)
    assert [h.partner.code for h in built.held] == ["BRANCH-1"]
    road = _road(s, s.finance_2)
    assert _states(road)[3] == "partial"
    assert (road.action.kind, road.action.held) == ("approve", 1)
    batches.approve_batch(built.batches[0], actor=s.finance_2)
    batches.export_batch(built.batches[0], actor=s.finance)
    assert (_road(s, s.finance).action.kind, _road(s, s.finance).action.held) == ("held", 1)


def test_a_reopened_period_asks_to_close_it_again(db, road_world):
    s = road_world
    _advance(s, "closed")
    settlement.reopen_period(s.program, Q3, actor=s.finance)
    assert _states(_road(s, s.finance))[2] == W


def test_roads_take_the_same_queries_for_one_run_or_many(db, make, road_world):
    s = road_world
    _advance(s, "batched")
    spif = load_program(EMEA_VOLUME.replace("EMEA-VOL", "EMEA-VOL-2"), s.finance)
    other = execute_inline(
        runs.start_run(spif, Q3, kind="settlement", actor=s.finance, on=AFTER_Q3).id
    )
    settlement.approve_run(other, actor=s.finance_2)
    settlement.close_period(spif, Q3, actor=s.finance)
    one_batch(s.finance, period=Q3, program=spif)
    statements = []

    def count(*_args):
        statements.append(1)

    roads_for([s.run, other], s.finance)  # loads the runs' own expired attributes once
    engine = _db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        roads_for([s.run], s.finance)
        one = len(statements)
        statements.clear()
        roads = roads_for([s.run, other], s.finance)
        assert len(statements) == one
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert _states(roads[other.id])[2:] == (D, D, W, W)


def _forms(html: str) -> dict[str, dict[str, str]]:
    """Forms inside the road section: action → its hidden fields."""
    start = html.index("data-road=")
    section = html[start : html.index("</section>", start)]
    forms = {}
    for action, body in re.findall(
        r'<form method="post" action="([^"]+)"[^>]*>(.*?)</form>', section, re.S
    ):
        forms[action] = dict(re.findall(r'name="([^"]+)"[^>]*value="([^"]*)"', body))
    return forms


def test_run_page_shows_the_road_and_its_button_posts_to_the_real_endpoint(
    db, road_world, client, login
):
    s = road_world
    _db.session.commit()
    login(s.finance, PASSWORD)
    html = client.get(f"/calc/runs/{s.run.id}").get_data(as_text=True)
    assert 'data-step="closed" data-state="waiting"' in html
    forms = _forms(html)
    assert set(forms) == {"/calc/periods"}
    fields = forms["/calc/periods"]
    assert fields["period"] == "2025-Q3" and fields["program_id"] == str(s.program.id)
    response = client.post("/calc/periods", data=fields)
    assert response.status_code == 302
    assert _db.session.scalar(select(ClosedPeriod.period_label)) == "2025-Q3"


def test_batch_builder_waits_and_the_other_finance_user_gets_the_approve_button(
    db, road_world, client, login
):
    s = road_world
    _advance(s, "batched")
    _db.session.commit()
    batch = _db.session.scalar(select(PayoutBatch))
    login(s.finance, PASSWORD)
    html = client.get(f"/calc/runs/{s.run.id}").get_data(as_text=True)
    assert "Waiting for another finance user to approve batch" in html
    assert f"/payout-batches/{batch.id}/approve" not in html
    client.post("/logout", data={"csrf_token": csrf_token(client, "/calc/periods")})
    login(s.finance_2, PASSWORD)
    for path in (f"/calc/runs/{s.run.id}", "/calc/periods"):
        html = client.get(path).get_data(as_text=True)
        fields = _forms(html)[f"/payout-batches/{batch.id}/approve"]
    assert client.post(f"/payout-batches/{batch.id}/approve", data=fields).status_code == 302
    assert _db.session.scalar(select(PayoutBatch.status)) == "approved"


def test_manager_sees_neither_page(db, road_world, client, login):
    s = road_world
    _db.session.commit()
    login(s.manager, PASSWORD)
    assert client.get(f"/calc/runs/{s.run.id}").status_code == 403
    assert client.get("/calc/periods").status_code == 403
