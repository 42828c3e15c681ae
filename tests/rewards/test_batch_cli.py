"""`portal payouts batch create|approve|export|paid|returned`: the batch workflow from the command
line, with the pages' permission checks and maker–checker, printed ids and readable refusals."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from portal.models import AuditEvent, PayoutBatch, PayoutBatchLine, PayoutLine, Program
from tests.banking.accounts import pay_to
from tests.calc.conftest import build_scenario, execute_inline, load_program
from tests.calc.test_scenarios import AFTER_Q3, EMEA_VOLUME, Q3
from workflows.calc import runs, settlement

FINANCE, FINANCE_2 = "fiona@example.com", "felix@example.com"
SECOND_PROGRAM = EMEA_VOLUME.replace("code: EMEA-VOL", "code: EMEA-VOL-2").replace(
    "name: EMEA volume rebate", "name: Second EMEA rebate"
)


@pytest.fixture
def cli(app, db, redis):
    runner = app.test_cli_runner()

    def invoke(*args: str):
        return runner.invoke(args=["payouts", "batch", *args], catch_exceptions=False)

    return invoke


@pytest.fixture
def payable(db, make):
    """GOLDIE's Q3 settlement of two programs, approved and closed: two payable lines."""
    scenario = build_scenario(make)
    make.sale(scenario.goldie, scenario.switch, "1000", sold_on=date(2025, 7, 2), currency="USD")
    for spec in (EMEA_VOLUME, SECOND_PROGRAM):
        program = load_program(spec, scenario.finance)
        run = runs.start_run(program, Q3, kind="settlement", actor=scenario.finance, on=AFTER_Q3)
        settlement.approve_run(execute_inline(run.id), actor=scenario.finance_2)
        settlement.close_period(program, Q3, actor=scenario.finance)
    scenario.rep = make.user("partner_user", partner=scenario.goldie, email="rep@goldie.example")
    pay_to(scenario.goldie)
    db.session.commit()  # releases the savepoint: a refusal's rollback keeps the world
    return scenario


def _batch_id(result) -> int:
    assert result.exit_code == 0, result.output
    return int(re.fullmatch(r"batch_id=(\d+) lines=\d+ currency=EUR\n", result.stdout).group(1))


def test_create_approve_export_with_maker_checker(cli, db, payable, tmp_path):
    created = cli("create", "--period", "2025-Q3", "--program", "EMEA-VOL", "--as", FINANCE)
    batch_id = _batch_id(created)
    assert created.stdout == f"batch_id={batch_id} lines=1 currency=EUR\n"
    batch = db.session.get(PayoutBatch, batch_id)
    assert (batch.status, batch.created_by_id) == ("draft", payable.finance.id)

    early = cli("export", str(batch_id), "--as", FINANCE_2)
    assert early.exit_code == 1 and f"Batch {batch_id} must be approved before export" in (
        early.stderr
    )
    own = cli("approve", str(batch_id), "--as", FINANCE)
    assert own.exit_code == 1
    assert "nobody approves what they built, ran or requested themselves" in own.stderr
    db.session.expire_all()
    assert db.session.get(PayoutBatch, batch_id).status == "draft"

    approved = cli("approve", str(batch_id), "--as", FINANCE_2)
    assert approved.stdout == f"batch_id={batch_id} status=approved\n"
    again = cli("approve", str(batch_id), "--as", FINANCE_2)
    assert again.exit_code == 1 and "is already approved" in again.stderr

    no_bank = cli("export", str(batch_id), "--format", "csv", "--as", FINANCE)
    assert no_bank.exit_code == 1 and "No bank file format is set up for EUR" in no_bank.stderr
    target = tmp_path / "payments.xml"
    exported = cli("export", str(batch_id), "--output", str(target), "--as", FINANCE)
    assert exported.stdout == f"batch_id={batch_id} format=pain001 file={target}\n"
    lines = target.read_text(encoding="utf-8").splitlines()
    assert 'pain.001.001.03"' in lines[0] and "<CtrlSum>8.33</CtrlSum>" in lines[0]
    db.session.expire_all()
    assert db.session.get(PayoutBatch, batch_id).status == "exported"
    printed = cli("export", str(batch_id), "--as", FINANCE_2)  # a re-export prints the same file
    assert printed.stdout.splitlines() == lines
    other = cli("export", str(batch_id), "--format", "csv", "--as", FINANCE_2)
    assert other.exit_code == 1 and "was exported as pain001" in other.stderr
    actions = db.session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.action.like("payouts.batch.%"))
        .order_by(AuditEvent.id)
    ).all()
    assert actions == [
        "payouts.batch.build",
        "payouts.batch.approve",
        "payouts.batch.export",
        "payouts.batch.export",
    ]


def test_period_and_program_choose_the_lines(cli, db, payable):
    nothing = cli("create", "--period", "2025-Q4", "--as", FINANCE)
    assert nothing.exit_code == 1
    assert "No payable lines of closed periods are waiting for a batch." in nothing.stderr
    only_second = ("--program", "EMEA-VOL-2")
    second = _batch_id(cli("create", "--period", "2025", *only_second, "--as", FINANCE))
    rest = _batch_id(cli("create", "--period", "2025-Q3", "--as", FINANCE_2))
    program_of = dict(
        db.session.execute(
            select(PayoutBatchLine.batch_id, Program.code)
            .join(PayoutLine, PayoutLine.id == PayoutBatchLine.payout_line_id)
            .join(Program, Program.id == PayoutLine.program_id)
        ).all()
    )
    assert program_of == {second: "EMEA-VOL-2", rest: "EMEA-VOL"}
    empty = cli("create", "--period", "2025-Q3", "--as", FINANCE)
    assert empty.exit_code == 1 and "No payable lines" in empty.stderr


def test_refusals_are_readable_and_change_nothing(cli, db, payable):
    assert "not allowed for this user (see --as)" in (
        cli("create", "--period", "2025-Q3", "--as", "rep@goldie.example").stderr
    )
    unknown_user = cli("create", "--period", "2025-Q3", "--as", "nobody@example.com")
    assert "no active user with e-mail nobody@example.com" in unknown_user.stderr
    bad_period = cli("create", "--period", "2025-Q9", "--as", FINANCE)
    assert bad_period.exit_code == 1 and "quarters are Q1 to Q4" in bad_period.stderr
    no_program = cli("create", "--period", "2025-Q3", "--program", "NOPE", "--as", FINANCE)
    assert no_program.exit_code == 1 and "no program with code NOPE" in no_program.stderr
    assert "no payout batch 999999" in cli("approve", "999999", "--as", FINANCE_2).stderr
    anonymous = cli("create", "--period", "2025-Q3")
    assert anonymous.exit_code == 2 and "Missing option '--as'" in anonymous.stderr
    assert db.session.scalars(select(PayoutBatch)).all() == []


def test_paid_and_returned_from_the_command_line(cli, db, payable):
    batch_id = _batch_id(
        cli("create", "--period", "2025-Q3", "--program", "EMEA-VOL", "--as", FINANCE)
    )
    assert cli("approve", str(batch_id), "--as", FINANCE_2).exit_code == 0
    early = cli("paid", str(batch_id), "--executed-on", date.today().isoformat(), "--as", FINANCE)
    assert early.exit_code == 1 and "Only an exported batch" in early.stderr
    assert cli("export", str(batch_id), "--as", FINANCE).exit_code == 0
    bad_day = cli("paid", str(batch_id), "--executed-on", "2025-13-01", "--as", FINANCE)
    assert bad_day.exit_code == 2 and "is not a date" in bad_day.stderr
    today = date.today().isoformat()
    paid = cli("paid", str(batch_id), "--executed-on", today, "--as", FINANCE_2)
    assert paid.stdout == f"batch_id={batch_id} executed_on={today}\n"
    returned = cli(
        "returned", str(batch_id), "--partner", "GOLDIE", "--reason", "AC04 closed", "--as", FINANCE
    )
    assert returned.stdout == f"batch_id={batch_id} partner=GOLDIE returned\n"
    entry = db.session.scalars(select(PayoutBatchLine)).one()
    assert entry.return_reason == "AC04 closed"
    # the returned line is payable again: the next build takes it
    again = cli("create", "--period", "2025-Q3", "--program", "EMEA-VOL", "--as", FINANCE)
    assert _batch_id(again) != batch_id
