"""`portal programs load`, `portal calc run|results|approve|close|reopen`, `portal payouts export`:
exit codes, the lines scripts read, readable refusals (never a traceback)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from portal.models import CalcRun, ProgramVersion
from tests.calc.conftest import execute_inline
from tests.calc.test_scenarios import EMEA_VOLUME


@pytest.fixture
def cli(app, db, redis):
    runner = app.test_cli_runner()  # click 8.2+: stdout and stderr kept apart

    def invoke(*args: str):
        return runner.invoke(args=list(args), catch_exceptions=False)

    return invoke


@pytest.fixture
def spec_file(tmp_path):
    def write(text: str, name: str = "program.yaml"):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return str(path)

    return write


def test_programs_load_prints_the_version_and_a_reload_adds_none(db, cli, scenario, spec_file):
    path = spec_file(EMEA_VOLUME)
    first = cli("programs", "load", path, "--as", scenario.finance.email)
    assert first.exit_code == 0 and first.stdout == "program=EMEA-VOL version=1\n"
    again = cli("programs", "load", path)
    assert again.exit_code == 0 and again.stdout == "program=EMEA-VOL version=1\n"
    changed = cli("programs", "load", spec_file(EMEA_VOLUME.replace("0.02", "0.03"), "v2.yaml"))
    assert changed.stdout == "program=EMEA-VOL version=2\n"
    assert db.session.scalar(select(func.count()).select_from(ProgramVersion)) == 2


def test_programs_load_lists_every_problem_and_exits_non_zero(db, cli, scenario, spec_file):
    bad = (
        EMEA_VOLUME.replace("[EMEA]", "[EMEA, ATLANTIS]")
        .replace("kind: rebate", "kind: rebate\ncolour: blue")
        .replace("rate: 0.02", "rate: -1")
    )
    result = cli("programs", "load", spec_file(bad))
    assert result.exit_code == 1
    assert "eligible.territories: Unknown territory code ATLANTIS." in result.stderr
    assert "colour: Unknown field." in result.stderr
    assert "tiers.bands[1].rate: Must not be negative." in result.stderr
    assert "3 problem(s); nothing stored" in result.stderr
    assert "Traceback" not in result.stderr
    json_error = cli("programs", "load", spec_file("{not json", "broken.json"))
    assert json_error.exit_code == 1 and "The spec is not valid" in json_error.stderr


def test_programs_load_refuses_users_without_the_permission(db, cli, make, scenario, spec_file):
    partner_user = make.user("partner_user", partner=scenario.mover)
    result = cli("programs", "load", spec_file(EMEA_VOLUME), "--as", partner_user.email)
    assert result.exit_code == 1 and "may not manage programs" in result.stderr
    unknown = cli("programs", "load", spec_file(EMEA_VOLUME), "--as", "nobody@example.com")
    assert unknown.exit_code == 1 and "no active user" in unknown.stderr


def test_calc_run_prints_run_id_on_its_own_line_and_refuses_readably(db, cli, scenario, spec_file):
    cli("programs", "load", spec_file(EMEA_VOLUME))
    started = cli("calc", "run", "EMEA-VOL", "--as", scenario.finance.email, "--shards", "2")
    assert started.exit_code == 0, started.stderr
    run_id = int(started.stdout.strip().removeprefix("run_id="))
    run = db.session.get(CalcRun, run_id)
    assert (run.period_label, run.kind, run.shards_total) == ("2025-Q3", "accrual", 2)
    monthly = cli("calc", "run", "EMEA-VOL", "--period", "2025-07-01..2025-07-31", "--settlement")
    assert monthly.exit_code == 0 and monthly.stdout.startswith("run_id=")
    for args, message in (
        (("NOPE",), "no program with code NOPE"),
        (("EMEA-VOL", "--period", "2025-Q5"), "quarters are Q1 to Q4"),
        (("EMEA-VOL", "--period", "2999-Q1", "--settlement"), "needs a period that has ended"),
    ):
        refused = cli("calc", "run", *args)
        assert refused.exit_code == 1, refused.stdout
        assert message in refused.stderr and "Traceback" not in refused.stderr


def test_results_approve_and_payout_export_from_the_command_line(
    db, cli, make, scenario, spec_file
):
    make.sale(scenario.mover, scenario.switch, "12000", sold_on=date(2025, 7, 2), currency="USD")
    cli("programs", "load", spec_file(EMEA_VOLUME))
    started = cli("calc", "run", "EMEA-VOL", "--settlement", "--as", scenario.finance.email)
    run_id = int(started.stdout.strip().removeprefix("run_id="))
    execute_inline(run_id)
    results = cli("calc", "results", str(run_id), "--format", "csv")
    assert results.stdout.splitlines() == [
        "partner_code,program_code,period,currency,measure,band_from,rate,amount",
        "MOVER,EMEA-VOL,2025-Q3,USD,12000,10000,0.02,240.00",
    ]
    maker = cli("calc", "approve", str(run_id), "--as", scenario.finance.email)
    assert maker.exit_code == 1 and "not allowed" in maker.stderr
    checker = cli("calc", "approve", str(run_id), "--as", scenario.finance_2.email)
    assert checker.stdout == f"approved run_id={run_id} payout_lines=1\n"
    again = cli("calc", "approve", str(run_id), "--as", scenario.finance_2.email)
    assert again.exit_code == 1 and "already approved" in again.stderr
    export = cli("payouts", "export", "--period", "2025-Q3", "--program", "EMEA-VOL")
    assert export.stdout.splitlines() == [
        "partner_code,program_code,period,currency,amount,kind",
        "MOVER,EMEA-VOL,2025-Q3,USD,240.00,settlement",
    ]


def test_close_and_reopen_a_period_from_the_command_line(db, cli, scenario, spec_file):
    cli("programs", "load", spec_file(EMEA_VOLUME))
    closed = cli("calc", "close", "EMEA-VOL", "--period", "2025-Q3", "--as", scenario.finance.email)
    assert closed.stdout == "closed program=EMEA-VOL period=2025-Q3\n"
    refused = cli("calc", "run", "EMEA-VOL", "--period", "2025-08")
    assert refused.exit_code == 1 and "is closed; reopen it first" in refused.stderr
    reopened = cli("calc", "reopen", "EMEA-VOL", "--period", "2025-Q3")
    assert reopened.exit_code == 0
    assert cli("calc", "run", "EMEA-VOL", "--period", "2025-08").exit_code == 0
