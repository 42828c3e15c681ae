"""A contest's winners are e-mailed once its settlement is approved: each winning organisation's
active partner admins, in their language, with the final rank and every award; queued in the
approval's transaction and sent after commit; a correction tells only those whose awards changed.
"""

from __future__ import annotations

from datetime import date

import pytest
from rq import Queue
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEvent, OutboxMessage
from tests.calc.conftest import execute_inline, load_program
from tests.conftest import csrf_token
from workflows.calc import runs, settlement
from workflows.calc.errors import CalcError

CONTEST = """
code: CUP-Q3
name: Summer cup
kind: contest
currency: EUR
period: {start: 2025-07-01, end: 2025-09-30}
eligible: {territories: [DACH, FR], categories: [HW]}
contest:
  measure: revenue
  qualify: {top: 2}
  awards:
    - {from_rank: 1, to_rank: 1, trip: {seats: 2, cost_per_seat: 4800}}
    - {from_rank: 1, to_rank: 2, amount: "1250.5"}
    - {from_rank: 2, to_rank: 2, points: 1500}
"""
AFTER = date(2025, 10, 2)


@pytest.fixture
def winners(make, scenario):
    """GOLDIE ranks first (1,000 EUR), BRANCH-1 second (900 EUR), BRANCH-2 third (300 EUR);
    the admins that hear of it, and people who must not."""
    make.sale(scenario.goldie, scenario.switch, "1000", sold_on=date(2025, 7, 10))
    make.sale(scenario.branch_1, scenario.switch, "900", sold_on=date(2025, 7, 20))
    make.sale(scenario.branch_2, scenario.switch, "300", sold_on=date(2025, 7, 5))
    make.user("partner_admin", partner=scenario.goldie, email="gina@goldie.example")
    german = make.user("partner_admin", partner=scenario.branch_1, email="bo@branch1.example")
    german.locale = "de"
    make.user("partner_user", partner=scenario.goldie, email="user@goldie.example")
    gone = make.user("partner_admin", partner=scenario.goldie, email="gone@goldie.example")
    gone.active = False
    make.user("partner_admin", partner=scenario.branch_2, email="third@branch2.example")
    db.session.flush()
    return load_program(CONTEST, scenario.finance)


def settle(program, scenario):
    started = runs.start_run(program, None, kind="settlement", actor=scenario.finance, on=AFTER)
    return execute_inline(started.id)


def won_mails() -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.template == "contest_won")
            .order_by(OutboxMessage.to_address)
        )
    )


def test_approving_a_settlement_mails_each_winners_admins_once(db, redis, scenario, winners):
    run = settle(winners, scenario)
    assert won_mails() == []  # a finished settlement tells nobody before it is approved
    settlement.approve_run(run, actor=scenario.finance_2)
    mails = won_mails()
    assert [(m.to_address, m.locale) for m in mails] == [
        ("bo@branch1.example", "de"),
        ("gina@goldie.example", "en"),
    ]
    german, english = mails
    assert english.subject == "GOLDIE Ltd won in Summer cup"
    assert (
        "The final standings of Summer cup are approved: GOLDIE Ltd finished at rank 1 and wins:"
        in english.body_text
    )
    assert "- 2 trip seats\n- 1,250.50 EUR\n" in english.body_text
    assert "The amount is paid with your organisation's next payout." in english.body_text
    assert "Accept or decline the trip seats" in english.body_text
    assert "points ledger" not in english.body_text
    assert f"/contests/{winners.id}" in english.body_text
    assert german.subject == "BRANCH-1 Ltd hat in Summer cup gewonnen"
    assert "Rang 2" in german.body_text
    assert "- 1.250,50 EUR\n- 1.500 Punkte\n" in german.body_text
    assert (german.related_type, english.related_type) == ("contest_awards", "contest_awards")
    approved = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "calc.run.approve"))
    assert approved.after["winner_mails"] == 2
    # Approving again is refused and tells nobody twice.
    with pytest.raises(CalcError, match="already approved"):
        settlement.approve_run(run, actor=scenario.finance_2)
    assert len(won_mails()) == 2


def test_a_correction_tells_only_the_winners_whose_awards_changed(
    db, redis, make, scenario, winners
):
    settlement.approve_run(settle(winners, scenario), actor=scenario.finance_2)
    told = {m.id for m in won_mails()}
    # A late sale lifts BRANCH-2 past BRANCH-1: GOLDIE's awards stay what they were.
    make.sale(scenario.branch_2, scenario.switch, "700", sold_on=date(2025, 9, 1))
    corrected = settle(winners, scenario)
    settlement.approve_run(corrected, actor=scenario.finance_2)
    new = [m for m in won_mails() if m.id not in told]
    assert [m.to_address for m in new] == ["third@branch2.example"]
    assert "BRANCH-2 Ltd finished at rank 2" in new[0].body_text
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "calc.run.approve").order_by(AuditEvent.id)
    ).all()
    assert [e.after["winner_mails"] for e in events] == [2, 1]


def test_the_approve_button_sends_the_mails_after_commit(db, redis, login, scenario, winners):
    run = settle(winners, scenario)
    db.session.commit()
    client = login(scenario.finance_2)
    path = f"/calc/runs/{run.id}"
    response = client.post(f"{path}/approve", data={"csrf_token": csrf_token(client, path)})
    assert response.status_code == 302
    mails = won_mails()
    jobs = Queue("default", connection=redis).jobs
    assert sorted((j.func_name, j.args) for j in jobs) == sorted(
        ("workflows.jobs.send_mail", (m.id,)) for m in mails
    )
    assert len(mails) == 2


def test_a_refused_approval_mails_nobody(db, redis, scenario, winners):
    run = settle(winners, scenario)
    with pytest.raises(Exception, match="maker_checker"):
        settlement.approve_run(run, actor=scenario.finance)  # who started the run
    assert won_mails() == []
